import { labelKeys, partOf } from "./names.js";

/** Labels on every object we create; `name` is also the pod selector. */
export function appLabels(name: string, component: string): Record<string, string> {
  return {
    [labelKeys.name]: name,
    [labelKeys.component]: component,
    [labelKeys.partOf]: partOf,
    [labelKeys.managedBy]: "dagger",
  };
}

/** The selector a Deployment, Service and readiness wait use for our app. */
export function appSelector(name: string): Record<string, string> {
  return { [labelKeys.name]: name, [labelKeys.partOf]: partOf };
}

export function selectorString(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}
