import { envVar, loadConfig } from "@one-data/platform";
import { z } from "zod";

/**
 * Environment variables the Data API reads. One variable per line on purpose:
 * the Kubernetes cross-check (.dagger/topology) reads this file to make sure
 * every required variable is wired into the workload.
 */
export const dataApiEnvSchema = z.object({
  HOST: envVar.string().default("127.0.0.1"),
  PORT: envVar.port(8080),
  LOG_LEVEL: envVar.string().default("info"),
  MYSQL_HOST: envVar.string(),
  MYSQL_PORT: envVar.port(3306),
  MYSQL_USER: envVar.string(),
  MYSQL_PASSWORD: envVar.secret(),
  MYSQL_DATABASE: envVar.string().regex(/^[A-Za-z0-9_]{1,64}$/, "must be a plain MySQL identifier"),
  MYSQL_DATASETS_DATABASE: envVar.string().regex(/^[A-Za-z0-9_]{1,64}$/, "must be a plain MySQL identifier"),
  MYSQL_READONLY_USER: envVar.string().regex(/^[A-Za-z0-9_]{1,32}$/, "must be a plain MySQL user name"),
  MYSQL_READONLY_PASSWORD: envVar.secret(),
  MYSQL_TIMEOUT_MS: envVar.int(5000, 100),
  S3_ENDPOINT: envVar.url(),
  S3_REGION: envVar.string().default("us-east-1"),
  S3_ACCESS_KEY: envVar.secret(),
  S3_SECRET_KEY: envVar.secret(),
  S3_BUCKET: envVar.string().default("test-datasets"),
  S3_PUBLIC_ENDPOINT: envVar.url().optional(),
  S3_TIMEOUT_MS: envVar.int(5000, 100),
  JSON_BODY_LIMIT: envVar.string().default("1mb"),
  UPLOAD_MAX_BYTES: envVar.int(1024 * 1024 * 1024, 1),
  QUERY_DEFAULT_LIMIT: envVar.int(100, 1),
  QUERY_MAX_LIMIT: envVar.int(1000, 1),
  QUERY_DEFAULT_TIMEOUT_MS: envVar.int(5000, 10),
  QUERY_MAX_TIMEOUT_MS: envVar.int(30000, 10),
  DOWNLOAD_URL_TTL_SECONDS: envVar.int(900, 1),
  REGISTRY_CACHE_MS: envVar.int(1000, 0),
  INGEST_STALE_AFTER_SECONDS: envVar.int(3600, 0),
  INGEST_PROGRESS_MS: envVar.int(1000, 10),
  // Knowledge search. Required so a deployment cannot silently lack it; when
  // Milvus or the embedding server is down only the knowledge routes answer 503.
  MILVUS_ADDRESS: envVar.string().regex(/^[^\s/:]+:\d{1,5}$/, "must be host:port, e.g. milvus.one-data-infra:19530"),
  MILVUS_TOKEN: envVar.secret().optional(),
  MILVUS_TIMEOUT_MS: envVar.int(5000, 100),
  EMBEDDING_ENDPOINT: envVar.url(),
  EMBEDDING_MODEL: envVar.string().optional(),
  EMBEDDING_API_KEY: envVar.secret().optional(),
  EMBEDDING_TIMEOUT_MS: envVar.int(30_000, 100),
  KNOWLEDGE_COLLECTION_PREFIX: envVar
    .string()
    .regex(/^[a-z][a-z0-9_]{0,40}$/, "lower-case letters, digits and _")
    .default("knowledge"),
  KNOWLEDGE_CHUNK_SIZE: envVar.int(400, 50),
  KNOWLEDGE_CHUNK_OVERLAP: envVar.int(80, 0),
  KNOWLEDGE_MAX_DOCUMENT_BYTES: envVar.int(2 * 1024 * 1024, 1),
});

export type DataApiConfig = z.infer<typeof dataApiEnvSchema>;

export function loadDataApiConfig(env: NodeJS.ProcessEnv = process.env): DataApiConfig {
  return loadConfig("data-api", dataApiEnvSchema, env);
}
