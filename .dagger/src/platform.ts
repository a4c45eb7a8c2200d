import { randomBytes } from "node:crypto";
import { dag, type Container, type Directory, type Secret, type Service } from "@dagger.io/dagger";
import { daggerPlatform, generatedValues, type DaggerEnvSource, type DaggerPlatformOptions, type GeneratedValue } from "../topology/src/index.js";
import { serviceImage } from "./images.js";
import { mariadb, milvus, minio, redis, smallModel } from "./test-services.js";

/**
 * `dagger call platform up`: the service graph of .dagger/topology
 * `daggerPlatform`, as containers. Credentials are generated for this call only.
 */
export function platformService(source: Directory, options: DaggerPlatformOptions, modelApiKey: Secret | undefined): Service {
  const graph = daggerPlatform(options);
  const values = Object.fromEntries(
    generatedValues.map((name) => [name, name === "minioUser" ? `one-data-${randomBytes(4).toString("hex")}` : randomBytes(16).toString("hex")]),
  ) as Record<GeneratedValue, string>;
  const secret = (name: GeneratedValue) => dag.setSecret(`platform-${name}`, values[name]);
  const dependencies = {
    mysql: () => mariadb(values.mysqlRootPassword),
    redis: () => redis(values.redisPassword),
    minio: () => minio(values.minioUser, values.minioPassword),
    milvus: () => milvus(),
    model: () => smallModel(source),
  };
  const started = new Map<string, Service>(graph.dependencies.map((name) => [name, dependencies[name]()]));
  const withEnv = (container: Container, name: string, source: DaggerEnvSource): Container => {
    if ("value" in source) return container.withEnvVariable(name, source.value);
    if ("generated" in source) return container.withSecretVariable(name, secret(source.generated));
    if (!modelApiKey) throw new Error(`${name} needs --model-api-key`);
    return container.withSecretVariable(name, modelApiKey);
  };
  for (const spec of graph.services) {
    let container = serviceImage(source, spec.image);
    for (const host of spec.bindings) container = container.withServiceBinding(host, started.get(host)!);
    for (const [name, value] of Object.entries(spec.env)) container = withEnv(container, name, value);
    started.set(spec.name, container.withExposedPort(spec.port).asService({ args: [...spec.args] }));
  }
  return started.get(graph.exposed)!;
}
