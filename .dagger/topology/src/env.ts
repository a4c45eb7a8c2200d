import { appServices, infraServices, models, seed, serviceHost, serviceUrl, type SecretKey } from "./names.js";
import { httpServerEnv, serviceEnv, type Credential, type Endpoints, type WiredService } from "./wiring.js";

/**
 * How each workload's environment is wired in the cluster: the variables of
 * wiring.ts at the cluster's Service names, credentials as references to a
 * key of one of our Secrets.
 */
type EnvSource = { readonly value: string } | { readonly secret: SecretKey; readonly key: string; readonly optional?: boolean };

export type EnvWiring = Readonly<Record<string, EnvSource>>;

const clusterEndpoints: Endpoints = {
  mysql: { host: serviceHost(infraServices.mysql), port: infraServices.mysql.port, user: seed.mysqlOwnerUser },
  redis: { host: serviceHost(infraServices.redis), port: infraServices.redis.port },
  s3: { endpoint: serviceUrl(infraServices.minio) },
  milvus: { address: `${serviceHost(infraServices.milvus)}:${infraServices.milvus.port}` },
  model: { endpoint: serviceUrl(appServices.vllmServing), name: models.chat },
  embedding: { endpoint: serviceUrl(appServices.vllmEmbedding), model: models.embedding },
  dataApi: { url: serviceUrl(appServices.dataApi) },
  agentApi: { url: serviceUrl(appServices.agentApi) },
};

/** The cluster's credentials: each service's own Secret; the models in the cluster need no key. */
const clusterCredential = (credential: Credential): EnvSource | undefined => {
  switch (credential) {
    case "mysqlPassword":
      return { secret: "dataApi", key: "MYSQL_PASSWORD" };
    case "mysqlReadonlyPassword":
      return { secret: "dataApi", key: "MYSQL_READONLY_PASSWORD" };
    case "s3AccessKey":
      return { secret: "dataApi", key: "S3_ACCESS_KEY" };
    case "s3SecretKey":
      return { secret: "dataApi", key: "S3_SECRET_KEY" };
    case "redisPassword":
      return { secret: "agentApi", key: "REDIS_PASSWORD" };
    case "modelApiKey":
    case "embeddingApiKey":
      return undefined;
  }
};

const clusterEnv = (service: WiredService): EnvWiring => serviceEnv(service, clusterEndpoints, clusterCredential);

export const dataApiEnv: EnvWiring = { ...httpServerEnv(appServices.dataApi.port), ...clusterEnv("dataApi") };

export const agentApiEnv: EnvWiring = { ...httpServerEnv(appServices.agentApi.port), ...clusterEnv("agentApi") };

export const modelJobsEnv: EnvWiring = { LOG_LEVEL: { value: "info" }, ...clusterEnv("modelJobs") };

/** The data bootstrap runs from the data-api image with the data-api's configuration. */
export const dataBootstrapEnv: EnvWiring = { ...dataApiEnv };

export const acceptanceEnv: EnvWiring = {
  ...clusterEnv("acceptance"),
  EXPECTED_MODEL_ID: { value: models.chat },
  ACCEPTANCE_JUNIT_PATH: { value: "/reports/junit.xml" },
};

export const vllmEnv = (kvCacheGiB: number): EnvWiring => ({
  HF_TOKEN: { secret: "huggingFace", key: "HF_TOKEN", optional: true },
  HF_HOME: { value: "/models/huggingface" },
  VLLM_CACHE_ROOT: { value: "/models/vllm" },
  // The root filesystem is read-only; everything else vLLM and its libraries cache goes to /tmp.
  HOME: { value: "/tmp" },
  XDG_CACHE_HOME: { value: "/tmp/.cache" },
  TRITON_CACHE_DIR: { value: "/tmp/triton" },
  NUMBA_CACHE_DIR: { value: "/tmp/numba" },
  VLLM_CPU_KVCACHE_SPACE: { value: String(kvCacheGiB) },
});
