import { ourImages, type OurImageKey } from "./images.js";
import { appServices, seed } from "./names.js";

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

/** The small model the test services and this platform serve (services/model-server with SmolLM2-135M-Instruct). */
export const daggerSmallModel = "smollm2-135m-instruct";

/** Values generated per call, never in the graph: each service gets them as Dagger secrets. */
export type GeneratedValue = "mysqlRootPassword" | "mysqlReadonlyPassword" | "redisPassword" | "minioUser" | "minioPassword";
export const generatedValues: readonly GeneratedValue[] = ["mysqlRootPassword", "mysqlReadonlyPassword", "redisPassword", "minioUser", "minioPassword"];

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

export function daggerPlatform(options: DaggerPlatformOptions = {}): DaggerPlatform {
  const local = options.model === undefined;
  const modelEndpoint = options.model?.endpoint.replace(/\/+$/, "").replace(/\/v1$/, "") ?? url("model", daggerDependencies.model.port);
  const modelName = options.model?.name ?? daggerSmallModel;
  const apiKey: Record<string, DaggerEnvSource> = options.model?.apiKey ? { API_KEY: { modelApiKey: true } } : {};
  const prefixed = (prefix: string) => Object.fromEntries(Object.entries(apiKey).map(([k, v]) => [`${prefix}_${k}`, v]));
  const server = { HOST: { value: "0.0.0.0" }, PORT: { value: String(appServices.dataApi.port) }, LOG_LEVEL: { value: "info" } };
  const modelBinding: DaggerDependency[] = local ? ["model"] : [];

  const dataApi: DaggerServiceSpec = {
    name: "data-api",
    image: "dataApi",
    port: appServices.dataApi.port,
    bindings: ["mysql", "minio", "milvus", ...modelBinding],
    env: {
      ...server,
      MYSQL_HOST: { value: "mysql" },
      MYSQL_PORT: { value: String(daggerDependencies.mysql.port) },
      MYSQL_USER: { value: "root" },
      MYSQL_PASSWORD: { generated: "mysqlRootPassword" },
      MYSQL_DATABASE: { value: seed.mysqlDatabase },
      MYSQL_DATASETS_DATABASE: { value: seed.mysqlDatasetsDatabase },
      MYSQL_READONLY_USER: { value: seed.mysqlReadonlyUser },
      MYSQL_READONLY_PASSWORD: { generated: "mysqlReadonlyPassword" },
      S3_ENDPOINT: { value: url("minio", daggerDependencies.minio.port) },
      S3_REGION: { value: "us-east-1" },
      S3_ACCESS_KEY: { generated: "minioUser" },
      S3_SECRET_KEY: { generated: "minioPassword" },
      S3_BUCKET: { value: seed.bucket },
      MILVUS_ADDRESS: { value: `milvus:${daggerDependencies.milvus.port}` },
      EMBEDDING_ENDPOINT: { value: modelEndpoint },
      EMBEDDING_MODEL: { value: modelName },
      ...prefixed("EMBEDDING"),
    },
    // The cluster runs the bootstrap as a Job before traffic; here it runs first in the same container.
    args: ["sh", "-c", `node ${ourImages.dataApi.entryPoints[1]} && exec node ${ourImages.dataApi.entryPoints[0]}`],
  };
  const agentApi: DaggerServiceSpec = {
    name: "agent-api",
    image: "agentApi",
    port: appServices.agentApi.port,
    bindings: ["data-api", "redis", ...modelBinding],
    env: {
      ...server,
      PORT: { value: String(appServices.agentApi.port) },
      MODEL_ENDPOINT: { value: modelEndpoint },
      MODEL_NAME: { value: modelName },
      ...prefixed("MODEL"),
      DATA_API_URL: { value: url(dataApi.name, dataApi.port) },
      REDIS_HOST: { value: "redis" },
      REDIS_PORT: { value: String(daggerDependencies.redis.port) },
      REDIS_PASSWORD: { generated: "redisPassword" },
    },
    args: ["node", ourImages.agentApi.entryPoints[0]],
  };
  return {
    dependencies: ["mysql", "redis", "minio", "milvus", ...modelBinding],
    services: [dataApi, agentApi],
    exposed: "agent-api",
  };
}
