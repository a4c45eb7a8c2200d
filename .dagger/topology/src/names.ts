/**
 * The one place that names things in the cluster. The Dagger module, the
 * rendered manifests, the Helm values cross-checks and the acceptance runner's
 * endpoints all read from here, so a rename cannot leave a stale copy behind.
 */

/** Namespaces as in the seed runbook; the brief requires these exact names. */
export const namespaces = {
  infra: "one-data-infra",
  data: "one-data-data",
  model: "one-data-model",
  agent: "one-data-agent",
} as const;

type NamespaceKey = keyof typeof namespaces;
export type Namespace = (typeof namespaces)[NamespaceKey];

/** Value of `app.kubernetes.io/part-of` on everything we create. */
export const partOf = "one-data-studio";

export const labelKeys = {
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
} as const;

/** A Service reachable inside the cluster, by name and port. */
export interface ServiceEndpoint {
  readonly name: string;
  readonly namespace: Namespace;
  readonly port: number;
}

const clusterDomain = "cluster.local";

export function serviceHost(svc: ServiceEndpoint): string {
  return `${svc.name}.${svc.namespace}.svc.${clusterDomain}`;
}

export function serviceUrl(svc: ServiceEndpoint): string {
  return `http://${serviceHost(svc)}:${svc.port}`;
}

/**
 * Services created by the Helm releases. Their names follow from the release
 * names (`<release>` when the release name contains the chart name, Redis adds
 * `-master`); `charts.ts` records the chart facts behind each.
 */
export const infraServices = {
  minio: { name: "minio", namespace: namespaces.infra, port: 9000 },
  mysql: { name: "mysql", namespace: namespaces.infra, port: 3306 },
  redis: { name: "redis-master", namespace: namespaces.infra, port: 6379 },
  milvus: { name: "milvus", namespace: namespaces.infra, port: 19530 },
} as const satisfies Record<string, ServiceEndpoint>;

/** Our own workloads: one Deployment + Service each, same name for both. */
export const appServices = {
  dataApi: { name: "data-api", namespace: namespaces.data, port: 8080 },
  agentApi: { name: "agent-api", namespace: namespaces.agent, port: 8080 },
  vllmServing: { name: "vllm-serving", namespace: namespaces.model, port: 8000 },
  vllmEmbedding: { name: "vllm-embedding", namespace: namespaces.model, port: 8000 },
} as const satisfies Record<string, ServiceEndpoint>;

/** Batch workloads (Kubernetes Jobs). */
export const jobs = {
  dataBootstrap: { name: "data-bootstrap", namespace: namespaces.data },
  modelJob: { name: "model-dataset-job", namespace: namespaces.model },
  acceptance: { name: "acceptance-suite", namespace: namespaces.agent },
} as const;

/**
 * What deploy deployed, per image (its reference): each image has its own
 * tag, and verify runs the acceptance image deploy loaded or pushed with them.
 */
export const deployedImagesRecord = { name: "deployed-images", namespace: namespaces.agent } as const;

/** Secrets we generate (per cluster, never committed) and the keys they hold. */
export const secrets = {
  minioRoot: { name: "minio-root", namespace: namespaces.infra, keys: ["rootUser", "rootPassword"] },
  mysqlAuth: {
    name: "mysql-auth",
    namespace: namespaces.infra,
    keys: ["mysql-root-password", "mysql-password", "mysql-replication-password"],
  },
  redisAuth: { name: "redis-auth", namespace: namespaces.infra, keys: ["redis-password"] },
  dataApi: {
    name: "data-api-credentials",
    namespace: namespaces.data,
    keys: ["MYSQL_PASSWORD", "MYSQL_READONLY_PASSWORD", "S3_ACCESS_KEY", "S3_SECRET_KEY"],
  },
  agentApi: { name: "agent-api-credentials", namespace: namespaces.agent, keys: ["REDIS_PASSWORD"] },
  huggingFace: { name: "huggingface-token", namespace: namespaces.model, keys: ["HF_TOKEN"] },
} as const;

export type SecretKey = keyof typeof secrets;

/**
 * `--env=cluster`: the pull Secret for our images in a private registry,
 * in every namespace our images run in; created from the registry
 * credentials when they are given.
 */
export const registryPullSecret = {
  name: "one-data-registry",
  namespaces: [namespaces.data, namespaces.model, namespaces.agent],
} as const;

/** Values shared by the seed and the services. */
export const seed = {
  bucket: "test-datasets",
  milvusBucket: "milvus-data",
  datasetId: "ds-001",
  mysqlDatabase: "one_data",
  mysqlDatasetsDatabase: "one_data_datasets",
  mysqlReadonlyUser: "one_data_reader",
  mysqlOwnerUser: "root",
} as const;

/** Models served by vLLM (the seed's Qwen/Qwen-0.5B-Chat does not exist). */
export const models = {
  chat: "Qwen/Qwen2.5-0.5B-Instruct",
  // The glossary and the end-to-end question are Chinese; the English bge
  // model's vocabulary barely covers CJK. Its 512-dimension vectors need no
  // setting: the Data API names each collection by model and dimension.
  embedding: "BAAI/bge-small-zh-v1.5",
} as const;

/** The small model the local servers, the test services and `dagger call platform` serve (services/model-server with SmolLM2-135M-Instruct). */
export const smallModelName = "smollm2-135m-instruct";

/** Kind cluster, as in the seed: one control plane and two workers. */
export const kindCluster = {
  name: "one-data-studio",
  configPath: "k8s/kind/cluster.yaml",
  /** One control plane and two workers, as in the seed; held to the config file by a test. */
  nodes: 3,
} as const;

/** Helm release names (seed) and where their values live. */
export const releases = {
  minio: "minio",
  mysql: "mysql",
  redis: "redis",
  milvus: "milvus",
} as const;
