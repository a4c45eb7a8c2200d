import type { Dataset } from "@one-data/data-api-contract";
import { createLogger, isAppError, loadConfigOrExit, type Logger } from "@one-data/platform";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { formatStoragePath } from "./domain/storage-path.js";
import { loadDataApiConfig } from "./config.js";
import { connectDependencies, prepareWithRetry, type ConnectedDependencies } from "./wiring.js";
import { registerGlossary } from "./domain/knowledge-glossary.js";
import type { KnowledgeDocument } from "./domain/knowledge.js";

/** The seed's `sales_data.csv` (poc-playbook §3.2), byte for byte. */
export const salesDataCsv = `id,customer_id,amount,created_at
1,1001,299.99,2024-01-01T10:00:00Z
2,1002,599.99,2024-01-01T11:00:00Z
3,1003,199.99,2024-01-02T09:00:00Z
4,1001,399.99,2024-01-02T14:00:00Z
5,1004,799.99,2024-01-03T16:00:00Z
`;

export const salesDataset = {
  name: "sales_data_v1.0",
  key: "sales_data.csv",
  description: "Seed sales orders: one row per order with customer id, amount and creation time (UTC)",
} as const;

/**
 * Uploads the seed CSV to the configured bucket and registers it, unless a
 * dataset of that name already exists: running the Job twice changes nothing.
 */
export async function bootstrapSalesData(deps: ConnectedDependencies): Promise<{ dataset: Dataset; created: boolean }> {
  const [existing] = await deps.datasets.list({ name: salesDataset.name, limit: 1, offset: 0 });
  if (existing) return { dataset: existing, created: false };
  const location = { bucket: deps.config.S3_BUCKET, key: salesDataset.key };
  await deps.objects.upload(location, Readable.from([Buffer.from(salesDataCsv)]), "text/csv");
  const dataset = await deps.datasets.register({
    name: salesDataset.name,
    storage_path: formatStoragePath(location),
    format: "csv",
    description: salesDataset.description,
  });
  return { dataset, created: true };
}

export interface BootstrapOptions {
  /** How long to wait for MySQL and MinIO, then for Milvus and the embedding server, before failing. */
  deadlineMs: number;
  /** First pause between attempts; doubles up to 5 s. */
  retryDelayMs?: number;
  /** What the deadline is measured with; a test passes its own to count attempts without depending on how fast they run. */
  clock?: RetryClock;
}

/** Time as the retry loop sees it: now, and a pause. */
export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const wallClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Indexes the glossary for knowledge search. In the cluster the Job can start
 * while Milvus or the embedding server is still loading, so 503/504 answers
 * are retried until the deadline; anything else fails at once.
 */
export async function bootstrapKnowledge(
  deps: ConnectedDependencies,
  log: Logger,
  options: BootstrapOptions,
): Promise<{ document: KnowledgeDocument; created: boolean }> {
  const clock = options.clock ?? wallClock;
  const started = clock.now();
  let delayMs = options.retryDelayMs ?? 1000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await registerGlossary(deps.knowledge, log);
    } catch (error) {
      if (!isAppError(error) || (error.status !== 503 && error.status !== 504)) throw error;
      const dependency = (error.details as { dependency?: string } | undefined)?.dependency ?? "a dependency";
      const waited = clock.now() - started;
      if (waited + delayMs > options.deadlineMs) {
        throw new Error(
          `glossary not indexed: ${dependency} still unavailable after ${Math.round(waited / 1000)} s and ${attempt} attempts (${error.message})`,
          { cause: error },
        );
      }
      log.warn({ dependency, attempt, retry_in_ms: delayMs }, "knowledge search not ready yet; retrying");
      await clock.sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 5000);
    }
  }
}

export async function runBootstrap(
  deps: ConnectedDependencies,
  log: Logger,
  options: BootstrapOptions = { deadlineMs: 300_000 },
): Promise<void> {
  await prepareWithRetry(deps, log, options.deadlineMs);
  const sales = await bootstrapSalesData(deps);
  log.info(
    { dataset_id: sales.dataset.dataset_id, version: sales.dataset.version, table: sales.dataset.table, created: sales.created },
    sales.created ? "seed dataset registered" : "seed dataset already registered",
  );
  if (sales.created && sales.dataset.dataset_id !== "ds-001") {
    log.warn({ dataset_id: sales.dataset.dataset_id }, "the registry was not empty: the seed dataset did not get ds-001");
  }
  await bootstrapKnowledge(deps, log, options);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const config = loadConfigOrExit(loadDataApiConfig);
  const log = createLogger("data-bootstrap", config.LOG_LEVEL);
  const deps = connectDependencies(config, log);
  try {
    await runBootstrap(deps, log);
  } catch (error) {
    log.fatal({ err: error }, "bootstrap failed");
    process.exitCode = 1;
  } finally {
    await deps.close();
  }
}
