import { ourImages, type OurImageKey } from "./images.js";
import { appServices, smallModelName } from "./names.js";
import { httpServerEnv, serviceEnv, wiringEnv, type Credential, type CredentialSource, type Endpoints } from "./wiring.js";

/**
 * `dagger call platform up`: the platform as Dagger services for as long as
 * the call runs, with no cluster. The dependency containers are those
 * `dagger call test` binds (.dagger/src/test-services.ts), reached by their
 * binding hostnames; our services run from their images, in the
 * configuration vocabulary they read everywhere else. Plain data, so the
 * graph is unit-tested without an engine; .dagger/src/platform.ts only
 * turns it into containers.
 */

/** The dependency containers and their binding hostnames and ports (as in test-services.ts). */
export const daggerDependencies = {
  mysql: { port: 3306 },
  redis: { port: 6379 },
  minio: { port: 9000 },
  milvus: { port: 19530 },
  model: { port: 8080 },
} as const;
type DaggerDependency = keyof typeof daggerDependencies;

/** Values generated per call, never in the graph: each service gets them as Dagger secrets. */
export type GeneratedValue = "mysqlRootPassword" | "mysqlReadonlyPassword" | "redisPassword" | "minioUser" | "minioPassword";
export const generatedValues: readonly GeneratedValue[] = [
  "mysqlRootPassword",
  "mysqlReadonlyPassword",
  "redisPassword",
  "minioUser",
  "minioPassword",
];

export type DaggerEnvSource = { readonly value: string } | { readonly generated: GeneratedValue } | { readonly modelApiKey: true };

export interface DaggerServiceSpec {
  readonly name: "data-api" | "agent-api";
  readonly image: OurImageKey;
  readonly port: number;
  /** Hostnames this service reaches: dependencies, or services earlier in the list. */
  readonly bindings: readonly string[];
  readonly env: Readonly<Record<string, DaggerEnvSource>>;
  readonly args: readonly string[];
}

export interface DaggerPlatformOptions {
  /** An OpenAI-compatible server the containers can reach, instead of the small model container. */
  model?: { endpoint: string; name: string; apiKey: boolean };
}

export interface DaggerPlatform {
  dependencies: readonly DaggerDependency[];
  /** In start order. */
  services: readonly DaggerServiceSpec[];
  /** The service `up` exposes: the Agent API and its page. */
  exposed: DaggerServiceSpec["name"];
}

const url = (host: string, port: number) => `http://${host}:${port}`;

/** Where the services find their dependencies when they run as Dagger services: binding hostnames. */
function daggerEndpoints(
  model: { endpoint: string; name: string } = { endpoint: url("model", daggerDependencies.model.port), name: smallModelName },
): Endpoints {
  return {
    mysql: { host: "mysql", port: daggerDependencies.mysql.port, user: "root" },
    redis: { host: "redis", port: daggerDependencies.redis.port },
    s3: { endpoint: url("minio", daggerDependencies.minio.port) },
    milvus: { address: `milvus:${daggerDependencies.milvus.port}` },
    model,
    embedding: { endpoint: model.endpoint, model: model.name },
    dataApi: { url: url("data-api", appServices.dataApi.port) },
    agentApi: { url: url("agent-api", appServices.agentApi.port) },
  };
}

/** Each credential as the value generated for this call; the model's key only when an outside server needs one. */
function daggerCredential(modelApiKey: boolean): CredentialSource<DaggerEnvSource> {
  const generated: Record<Exclude<Credential, "modelApiKey" | "embeddingApiKey">, GeneratedValue> = {
    mysqlPassword: "mysqlRootPassword",
    mysqlReadonlyPassword: "mysqlReadonlyPassword",
    s3AccessKey: "minioUser",
    s3SecretKey: "minioPassword",
    redisPassword: "redisPassword",
  };
  return (credential) => {
    if (credential === "modelApiKey" || credential === "embeddingApiKey") return modelApiKey ? { modelApiKey: true } : undefined;
    return { generated: generated[credential] };
  };
}

/** What `dagger call test` runs with: every dependency's variables at the bindings the test container has, no model key. */
export function daggerTestEnv(): Record<string, DaggerEnvSource> {
  return wiringEnv(["mysql", "redis", "s3", "milvus", "model", "embedding"], daggerEndpoints(), daggerCredential(false));
}

export function daggerPlatform(options: DaggerPlatformOptions = {}): DaggerPlatform {
  const local = options.model === undefined;
  const at = daggerEndpoints(
    options.model && { endpoint: options.model.endpoint.replace(/\/+$/, "").replace(/\/v1$/, ""), name: options.model.name },
  );
  const credential = daggerCredential(options.model?.apiKey ?? false);
  const modelBinding: DaggerDependency[] = local ? ["model"] : [];

  const dataApi: DaggerServiceSpec = {
    name: "data-api",
    image: "dataApi",
    port: appServices.dataApi.port,
    bindings: ["mysql", "minio", "milvus", ...modelBinding],
    env: { ...httpServerEnv(appServices.dataApi.port), ...serviceEnv("dataApi", at, credential) },
    // The cluster runs the bootstrap as a Job before traffic; here it runs first in the same container.
    args: ["sh", "-c", `node ${ourImages.dataApi.entryPoints[1]} && exec node ${ourImages.dataApi.entryPoints[0]}`],
  };
  const agentApi: DaggerServiceSpec = {
    name: "agent-api",
    image: "agentApi",
    port: appServices.agentApi.port,
    bindings: ["data-api", "redis", ...modelBinding],
    env: { ...httpServerEnv(appServices.agentApi.port), ...serviceEnv("agentApi", at, credential) },
    args: ["node", ourImages.agentApi.entryPoints[0]],
  };
  return {
    dependencies: ["mysql", "redis", "minio", "milvus", ...modelBinding],
    services: [dataApi, agentApi],
    exposed: "agent-api",
  };
}
