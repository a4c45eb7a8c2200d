import type { ShellStep, Step } from "@one-data/topology";

/** The step among `steps` that applies the manifest of that kind and name. */
export function stepApplying(steps: readonly Step[], kind: string, name: string): ShellStep {
  const found = steps.find(
    (step): step is ShellStep => step.kind === "shell" && (step.manifests ?? []).some((m) => m.kind === kind && m.metadata?.name === name),
  );
  if (!found) throw new Error(`no step applies ${kind} ${name}`);
  return found;
}
