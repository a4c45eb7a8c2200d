import type { Directory, Secret, Service } from "@dagger.io/dagger";
import { daggerPlatform, type DaggerPlatformOptions } from "../topology/src/index.js";
import { serviceImage } from "./images.js";
import { mariadb, milvus, minio, redis, smallModel } from "./test-services.js";
import { generateCredentials, withWiredEnv } from "./wired-env.js";

/**
 * `dagger call platform up`: the service graph of .dagger/topology
 * `daggerPlatform`, as containers. Credentials are generated for this call only.
 */
export function platformService(source: Directory, options: DaggerPlatformOptions, modelApiKey: Secret | undefined): Service {
  const graph = daggerPlatform(options);
  const credentials = generateCredentials("platform");
  const { values } = credentials;
  const dependencies = {
    mysql: () => mariadb(values.mysqlRootPassword),
    redis: () => redis(values.redisPassword),
    minio: () => minio(values.minioUser, values.minioPassword),
    milvus: () => milvus(),
    model: () => smallModel(source),
  };
  const started = new Map<string, Service>(graph.dependencies.map((name) => [name, dependencies[name]()]));
  for (const spec of graph.services) {
    let container = serviceImage(source, spec.image);
    for (const host of spec.bindings) container = container.withServiceBinding(host, started.get(host)!);
    container = withWiredEnv(container, spec.env, credentials, modelApiKey);
    started.set(spec.name, container.withExposedPort(spec.port).asService({ args: [...spec.args] }));
  }
  return started.get(graph.exposed)!;
}
