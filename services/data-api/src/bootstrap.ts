import { ConfigError, createLogger, type Logger } from "@one-data/platform";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { formatStoragePath } from "./adapters/s3.js";
import { loadDataApiConfig } from "./config.js";
import { createDependencies, prepareWithRetry, type Dependencies } from "./dependencies.js";
import type { DatasetView } from "./domain/datasets.js";

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
export async function bootstrapSalesData(deps: Dependencies): Promise<{ dataset: DatasetView; created: boolean }> {
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

/**
 * Hook for the knowledge module (vector search, issue 4): register the seed
 * glossary document there once that module exists. Until then it reports
 * that there is nothing to register.
 */
export async function bootstrapKnowledge(_deps: Dependencies, log: Logger): Promise<{ registered: number }> {
  log.info("knowledge module not present in this build: no glossary documents to register");
  return { registered: 0 };
}

export async function runBootstrap(deps: Dependencies, log: Logger): Promise<void> {
  await prepareWithRetry(deps, log, 180_000);
  const sales = await bootstrapSalesData(deps);
  log.info(
    { dataset_id: sales.dataset.dataset_id, version: sales.dataset.version, table: sales.dataset.table, created: sales.created },
    sales.created ? "seed dataset registered" : "seed dataset already registered",
  );
  if (sales.created && sales.dataset.dataset_id !== "ds-001") {
    log.warn({ dataset_id: sales.dataset.dataset_id }, "the registry was not empty: the seed dataset did not get ds-001");
  }
  await bootstrapKnowledge(deps, log);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  let config;
  try {
    config = loadDataApiConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  const log = createLogger("data-bootstrap", config.LOG_LEVEL);
  const deps = createDependencies(config, log);
  try {
    await runBootstrap(deps, log);
  } catch (error) {
    log.fatal({ err: error }, "bootstrap failed");
    process.exitCode = 1;
  } finally {
    await deps.close();
  }
}
