import {
  appServices,
  infraServices,
  models,
  seed,
  serviceHost,
  serviceUrl,
  type SecretKey,
} from "./names.js";

/**
 * How each workload's environment is wired, in the configuration vocabulary
 * every service shares (same names locally, in tests, in Dagger and here).
 * Values are literals, or references to a key of one of our Secrets.
 */
type EnvSource =
  | { readonly value: string }
  | { readonly secret: SecretKey; readonly key: string; readonly optional?: boolean };

export type EnvWiring = Readonly<Record<string, EnvSource>>;

const httpServer = (logLevel = "info"): EnvWiring => ({
  HOST: { value: "0.0.0.0" },
  PORT: { value: "8080" },
  LOG_LEVEL: { value: logLevel },
});

const modelEndpoints: EnvWiring = {
  // Base URLs without `/v1`, as in the seed; clients append the API path.
  MODEL_ENDPOINT: { value: serviceUrl(appServices.vllmServing) },
  MODEL_NAME: { value: models.chat },
  EMBEDDING_ENDPOINT: { value: serviceUrl(appServices.vllmEmbedding) },
  EMBEDDING_MODEL: { value: models.embedding },
};

export const dataApiEnv: EnvWiring = {
  ...httpServer(),
  MYSQL_HOST: { value: serviceHost(infraServices.mysql) },
  MYSQL_PORT: { value: String(infraServices.mysql.port) },
  MYSQL_USER: { value: seed.mysqlOwnerUser },
  MYSQL_PASSWORD: { secret: "dataApi", key: "MYSQL_PASSWORD" },
  MYSQL_DATABASE: { value: seed.mysqlDatabase },
  MYSQL_DATASETS_DATABASE: { value: seed.mysqlDatasetsDatabase },
  MYSQL_READONLY_USER: { value: seed.mysqlReadonlyUser },
  MYSQL_READONLY_PASSWORD: { secret: "dataApi", key: "MYSQL_READONLY_PASSWORD" },
  S3_ENDPOINT: { value: serviceUrl(infraServices.minio) },
  S3_REGION: { value: "us-east-1" },
  S3_ACCESS_KEY: { secret: "dataApi", key: "S3_ACCESS_KEY" },
  S3_SECRET_KEY: { secret: "dataApi", key: "S3_SECRET_KEY" },
  S3_BUCKET: { value: seed.bucket },
  MILVUS_ADDRESS: { value: `${serviceHost(infraServices.milvus)}:${infraServices.milvus.port}` },
  EMBEDDING_ENDPOINT: modelEndpoints.EMBEDDING_ENDPOINT!,
  EMBEDDING_MODEL: modelEndpoints.EMBEDDING_MODEL!,
};

export const agentApiEnv: EnvWiring = {
  ...httpServer(),
  REDIS_HOST: { value: serviceHost(infraServices.redis) },
  REDIS_PORT: { value: String(infraServices.redis.port) },
  REDIS_PASSWORD: { secret: "agentApi", key: "REDIS_PASSWORD" },
  ...modelEndpoints,
  DATA_API_URL: { value: serviceUrl(appServices.dataApi) },
};

export const modelJobsEnv: EnvWiring = {
  LOG_LEVEL: { value: "info" },
  DATA_API_URL: { value: serviceUrl(appServices.dataApi) },
  MODEL_ENDPOINT: modelEndpoints.MODEL_ENDPOINT!,
  MODEL_NAME: modelEndpoints.MODEL_NAME!,
};

/** The data bootstrap runs from the data-api image with the data-api's configuration. */
export const dataBootstrapEnv: EnvWiring = { ...dataApiEnv };

export const acceptanceEnv: EnvWiring = {
  DATA_API_URL: { value: serviceUrl(appServices.dataApi) },
  AGENT_API_URL: { value: serviceUrl(appServices.agentApi) },
  ...modelEndpoints,
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

/**
 * Variables each service requires at start-up. Kept here until the services
 * export their config schemas; a test reads `services/<name>/src/config.ts`
 * when it exists and fails if it names a required variable this list lacks.
 */
export const requiredEnv = {
  dataApi: [
    "HOST", "PORT", "MYSQL_HOST", "MYSQL_PORT", "MYSQL_USER", "MYSQL_PASSWORD", "MYSQL_DATABASE",
    "MYSQL_DATASETS_DATABASE", "MYSQL_READONLY_USER", "MYSQL_READONLY_PASSWORD", "S3_ENDPOINT",
    "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET", "MILVUS_ADDRESS", "EMBEDDING_ENDPOINT",
  ],
  agentApi: ["HOST", "PORT", "REDIS_HOST", "REDIS_PORT", "MODEL_ENDPOINT", "DATA_API_URL"],
  modelJobs: ["DATA_API_URL", "MODEL_ENDPOINT"],
  acceptance: ["DATA_API_URL", "AGENT_API_URL", "MODEL_ENDPOINT", "EXPECTED_MODEL_ID"],
} as const;
