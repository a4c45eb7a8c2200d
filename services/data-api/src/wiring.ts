import { Compensations, type Logger } from "@one-data/platform";
import { DatasetTables } from "./adapters/dataset-tables.js";
import { migrate } from "./adapters/migrations.js";
import { createMysqlPool, mysqlFaults } from "./adapters/mysql.js";
import { QueryRunner } from "./adapters/query-runner.js";
import { ensureReadonlyUser } from "./adapters/readonly-user.js";
import { RegistryStore } from "./adapters/registry.js";
import { ObjectStore } from "./adapters/s3.js";
import { Spool } from "./adapters/spool.js";
import type { AppDependencies } from "./app-dependencies.js";
import type { DataApiConfig } from "./config.js";
import { DatasetService } from "./domain/datasets.js";
import { QueryService } from "./domain/query.js";
import { createKnowledgeService } from "./adapters/knowledge-backends.js";

export interface ConnectedDependencies extends AppDependencies {
  /** Migrations, the read-only user and the bucket: what must exist before serving. */
  prepare(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the real adapters from configuration. Nothing connects until first use or `prepare`. */
export function connectDependencies(config: DataApiConfig, log: Logger): ConnectedDependencies {
  const mysqlSettings = {
    host: config.MYSQL_HOST,
    port: config.MYSQL_PORT,
    timeoutMs: config.MYSQL_TIMEOUT_MS,
  };
  const owner = createMysqlPool({ ...mysqlSettings, user: config.MYSQL_USER, password: config.MYSQL_PASSWORD });
  const reader = createMysqlPool({
    ...mysqlSettings,
    user: config.MYSQL_READONLY_USER,
    password: config.MYSQL_READONLY_PASSWORD,
    database: config.MYSQL_DATASETS_DATABASE,
    connectionLimit: 5,
  });
  const objects = new ObjectStore({
    endpoint: config.S3_ENDPOINT,
    publicEndpoint: config.S3_PUBLIC_ENDPOINT,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY,
    secretAccessKey: config.S3_SECRET_KEY,
    timeoutMs: config.S3_TIMEOUT_MS,
  });
  const registry = new RegistryStore(owner, config.MYSQL_DATABASE);
  const tables = new DatasetTables(owner, config.MYSQL_DATASETS_DATABASE);
  const datasets = new DatasetService({
    registry,
    tables,
    objects,
    database: mysqlFaults,
    spool: () => Spool.create(),
    log,
    mysqlTimeoutMs: config.MYSQL_TIMEOUT_MS,
    downloadTtlSeconds: config.DOWNLOAD_URL_TTL_SECONDS,
    readCacheMs: config.REGISTRY_CACHE_MS,
    datasetsDatabase: config.MYSQL_DATASETS_DATABASE,
    compensationGiveUpMs: config.INGEST_STALE_AFTER_SECONDS * 1000,
    progressEveryMs: config.INGEST_PROGRESS_MS,
  });
  const query = new QueryService(
    registry,
    new QueryRunner(reader),
    {
      datasetsDatabase: config.MYSQL_DATASETS_DATABASE,
      defaultLimit: config.QUERY_DEFAULT_LIMIT,
      maxLimit: config.QUERY_MAX_LIMIT,
      defaultTimeoutMs: config.QUERY_DEFAULT_TIMEOUT_MS,
      maxTimeoutMs: config.QUERY_MAX_TIMEOUT_MS,
      mysqlTimeoutMs: config.MYSQL_TIMEOUT_MS,
    },
    mysqlFaults,
  );
  // Writes a dependency may still apply after answering late are undone in the background, once it lets us.
  const compensations = new Compensations(log, {
    retryMs: 1000,
    attempts: 120,
    settleMs: Math.max(config.S3_TIMEOUT_MS, config.MILVUS_TIMEOUT_MS),
  });
  const knowledge = createKnowledgeService(config, { datasets, objects, bucket: config.S3_BUCKET, log, compensations });
  return {
    config,
    log,
    datasets,
    query,
    knowledge: knowledge.knowledge,
    objects,
    compensations,
    readiness: {
      mysql: () => registry.ping(),
      s3: () => objects.ping(config.S3_BUCKET),
    },
    async prepare() {
      const applied = await migrate(owner, config.MYSQL_DATABASE, config.MYSQL_DATASETS_DATABASE);
      if (applied.length > 0) log.info({ applied }, "migrations applied");
      await ensureReadonlyUser(owner, config.MYSQL_READONLY_USER, config.MYSQL_READONLY_PASSWORD, config.MYSQL_DATASETS_DATABASE);
      await objects.ensureBucket(config.S3_BUCKET);
      await datasets.sweepAbandoned(config.INGEST_STALE_AFTER_SECONDS);
    },
    async close() {
      objects.destroy();
      await knowledge.close();
      await Promise.allSettled([owner.end(), reader.end()]);
    },
  };
}

/** Retries `prepare` while dependencies come up (a pod may start before MySQL or MinIO). */
export async function prepareWithRetry(deps: ConnectedDependencies, log: Logger, deadlineMs: number): Promise<void> {
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      await deps.prepare();
      return;
    } catch (error) {
      if (Date.now() - started > deadlineMs) throw error;
      log.warn({ err: error, attempt }, "dependencies not ready yet; retrying");
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * attempt, 5000)));
    }
  }
}
