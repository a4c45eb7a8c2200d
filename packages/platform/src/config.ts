/**
 * Every service reads its endpoints and credentials from environment
 * variables with the same names everywhere (local runs, tests, Dagger,
 * Kubernetes). A service declares the variables it reads as a zod object keyed
 * by variable name; `loadConfig` validates them at start-up and fails with one
 * message naming every missing or malformed variable.
 */

import { z } from "zod";

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(service: string, problems: string[]) {
    super(`${service}: invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export function loadConfig<S extends z.ZodObject>(service: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".");
    return issue.code === "invalid_type" && env[name] === undefined ? `${name} is required` : `${name}: ${issue.message}`;
  });
  throw new ConfigError(service, problems);
}

/**
 * For entry points: a configuration error is the operator's to fix, so it is
 * printed as the one message above (no stack trace) and the process exits 2;
 * anything else is a bug and propagates.
 */
export function loadConfigOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

/** Building blocks for env schemas, so every service parses values alike. */
export const envVar = {
  string: () => z.string().trim().min(1, "must not be empty"),
  secret: () => z.string().min(1, "must not be empty"),
  url: () => z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  port: (fallback?: number) => {
    const port = z.coerce.number().int().min(1).max(65535);
    return fallback === undefined ? port : port.default(fallback);
  },
  int: (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(["true", "false", "1", "0"])
      .default(fallback ? "true" : "false")
      .transform((v) => v === "true" || v === "1"),
};
