/**
 * The one definition of the variables our services read, in the configuration
 * vocabulary they share everywhere. Each target (Kubernetes in env.ts, Dagger
 * services in dagger-platform.ts, the local servers in local-wiring.ts) says
 * only where each dependency is and how a credential reaches the process; the
 * variable names and their constant values come from here.
 */
import { seed } from "./names.js";

/** Where each dependency answers, for one target. */
export interface Endpoints {
  readonly mysql: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    /** The registry's and the datasets' schemas, when not the seed's (the acceptance run keeps its own). */
    readonly databases?: { readonly registry: string; readonly datasets: string };
  };
  readonly redis: { readonly host: string; readonly port: number };
  readonly s3: { readonly endpoint: string };
  readonly milvus: { readonly address: string };
  /** Base URLs without `/v1`, as in the seed; clients append the API path. */
  readonly model: { readonly endpoint: string; readonly name: string };
  readonly embedding: { readonly endpoint: string; readonly model?: string | undefined };
  readonly dataApi: { readonly url: string };
  readonly agentApi: { readonly url: string };
}

export type Dependency = keyof Endpoints;

/** Values a target supplies its own way: a Kubernetes Secret key, a Dagger secret, a generated file. */
export type Credential =
  "mysqlPassword" | "mysqlReadonlyPassword" | "s3AccessKey" | "s3SecretKey" | "redisPassword" | "modelApiKey" | "embeddingApiKey";

/** A literal value, or the target's handle for a credential. */
export type Wired<S> = { readonly value: string } | S;

/** The target's handle for a credential, or undefined when the target has none (the variable is then not set). */
export type CredentialSource<S> = (credential: Credential) => S | undefined;

const literal = (value: string | number) => ({ value: String(value) });

function withCredentials<S>(
  plain: Record<string, { value: string }>,
  credentials: Record<string, Credential>,
  source: CredentialSource<S>,
): Record<string, Wired<S>> {
  const env: Record<string, Wired<S>> = { ...plain };
  for (const [name, credential] of Object.entries(credentials)) {
    const handle = source(credential);
    if (handle !== undefined) env[name] = handle;
  }
  return env;
}

/** The variables that reach one dependency, by dependency. */
const dependencyEnv: { [D in Dependency]: <S>(at: Endpoints[D], source: CredentialSource<S>) => Record<string, Wired<S>> } = {
  mysql: (at, source) =>
    withCredentials(
      {
        MYSQL_HOST: literal(at.host),
        MYSQL_PORT: literal(at.port),
        MYSQL_USER: literal(at.user),
        MYSQL_DATABASE: literal(at.databases?.registry ?? seed.mysqlDatabase),
        MYSQL_DATASETS_DATABASE: literal(at.databases?.datasets ?? seed.mysqlDatasetsDatabase),
        MYSQL_READONLY_USER: literal(seed.mysqlReadonlyUser),
      },
      { MYSQL_PASSWORD: "mysqlPassword", MYSQL_READONLY_PASSWORD: "mysqlReadonlyPassword" },
      source,
    ),
  redis: (at, source) =>
    withCredentials({ REDIS_HOST: literal(at.host), REDIS_PORT: literal(at.port) }, { REDIS_PASSWORD: "redisPassword" }, source),
  s3: (at, source) =>
    withCredentials(
      { S3_ENDPOINT: literal(at.endpoint), S3_REGION: literal("us-east-1"), S3_BUCKET: literal(seed.bucket) },
      { S3_ACCESS_KEY: "s3AccessKey", S3_SECRET_KEY: "s3SecretKey" },
      source,
    ),
  milvus: (at) => ({ MILVUS_ADDRESS: literal(at.address) }),
  model: (at, source) =>
    withCredentials({ MODEL_ENDPOINT: literal(at.endpoint), MODEL_NAME: literal(at.name) }, { MODEL_API_KEY: "modelApiKey" }, source),
  embedding: (at, source) =>
    withCredentials(
      { EMBEDDING_ENDPOINT: literal(at.endpoint), ...(at.model === undefined ? {} : { EMBEDDING_MODEL: literal(at.model) }) },
      { EMBEDDING_API_KEY: "embeddingApiKey" },
      source,
    ),
  dataApi: (at) => ({ DATA_API_URL: literal(at.url) }),
  agentApi: (at) => ({ AGENT_API_URL: literal(at.url) }),
};

/** What each of our workloads talks to. */
export const serviceDependencies = {
  dataApi: ["mysql", "s3", "milvus", "embedding"],
  agentApi: ["redis", "model", "dataApi"],
  modelJobs: ["dataApi", "model"],
  acceptance: ["dataApi", "agentApi", "model"],
} as const satisfies Record<string, readonly Dependency[]>;

export type WiredService = keyof typeof serviceDependencies;

/** The variables for these dependencies at these endpoints: the one source every target reads. */
export function wiringEnv<D extends Dependency, S>(
  dependencies: readonly D[],
  at: Pick<Endpoints, D>,
  source: CredentialSource<S>,
): Record<string, Wired<S>> {
  const env: Record<string, Wired<S>> = {};
  for (const dependency of dependencies) {
    Object.assign(
      env,
      (dependencyEnv[dependency] as <T>(at: unknown, source: CredentialSource<T>) => Record<string, Wired<T>>)(at[dependency], source),
    );
  }
  return env;
}

/** One service's variables (without its own HOST/PORT/LOG_LEVEL, which the target's process model decides). */
export function serviceEnv<K extends WiredService, S>(
  service: K,
  at: Pick<Endpoints, (typeof serviceDependencies)[K][number]>,
  source: CredentialSource<S>,
): Record<string, Wired<S>> {
  return wiringEnv(serviceDependencies[service], at, source);
}

/** The variables an HTTP service listens by. */
export function httpServerEnv(port: number, host = "0.0.0.0", logLevel = "info"): Record<string, { value: string }> {
  return { HOST: literal(host), PORT: literal(port), LOG_LEVEL: literal(logLevel) };
}
