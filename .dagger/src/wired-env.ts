import { randomBytes } from "node:crypto";
import { dag, type Container, type Secret } from "@dagger.io/dagger";
import { generatedValues, type DaggerEnvSource, type GeneratedValue } from "../topology/src/index.js";

/** Credentials for one Dagger call: generated here, never in the graph, handed to containers as secrets. */
export interface GeneratedCredentials {
  readonly values: Readonly<Record<GeneratedValue, string>>;
  secret(name: GeneratedValue): Secret;
}

export function generateCredentials(scope: string): GeneratedCredentials {
  const values = Object.fromEntries(
    generatedValues.map((name) => [
      name,
      name === "minioUser" ? `one-data-${randomBytes(4).toString("hex")}` : randomBytes(16).toString("hex"),
    ]),
  ) as Record<GeneratedValue, string>;
  return { values, secret: (name) => dag.setSecret(`${scope}-${name}`, values[name]) };
}

/** Sets a wired environment (topology's `daggerPlatform`/`daggerTestEnv`) on a container: literals as variables, credentials as secrets. */
export function withWiredEnv(
  container: Container,
  env: Readonly<Record<string, DaggerEnvSource>>,
  credentials: GeneratedCredentials,
  modelApiKey?: Secret,
): Container {
  let wired = container;
  for (const [name, source] of Object.entries(env)) {
    if ("value" in source) wired = wired.withEnvVariable(name, source.value);
    else if ("generated" in source) wired = wired.withSecretVariable(name, credentials.secret(source.generated));
    else if (modelApiKey) wired = wired.withSecretVariable(name, modelApiKey);
    else throw new Error(`${name} needs --model-api-key`);
  }
  return wired;
}
