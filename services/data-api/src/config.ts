import { envVar, loadConfig } from "@one-data/platform";
import { z } from "zod";

/**
 * Environment variables the Data API reads. One variable per line on purpose:
 * the Kubernetes cross-check (packages/topology) reads this file to make sure
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
});

export type DataApiConfig = z.infer<typeof dataApiEnvSchema>;

export function loadDataApiConfig(env: NodeJS.ProcessEnv = process.env): DataApiConfig {
  return loadConfig("data-api", dataApiEnvSchema, env);
}
