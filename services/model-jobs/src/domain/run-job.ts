import { stringify } from "csv-stringify/sync";
import { ConfigError, isAppError, type Logger } from "@one-data/platform";
import { tabularFormats, type Dataset } from "@one-data/data-api-contract";
import { DataApiError, type DataApiClient } from "../adapters/data-api-client.js";
import type { ModelClient } from "../adapters/model-client.js";
import { readRows } from "../adapters/rows-reader.js";
import { boundedMap } from "./bounded-map.js";
import { derivedName } from "./derived-name.js";
import { JobError } from "./errors.js";
import type { JobSpec } from "./job-spec.js";
import { messagesFor, type Row } from "./row-prompt.js";

export interface JobDependencies {
  dataApi: DataApiClient;
  model: ModelClient;
  /** MODEL_NAME, if configured; otherwise the server's first listed model. */
  modelName: string | undefined;
  downloadTimeoutMs: number;
  log: Logger;
}

export interface JobResult {
  status: "created" | "already_done";
  source: { dataset_id: string; version: number };
  output: Dataset;
  rows: number;
  seconds: number;
  rows_per_second: number | null;
}

async function resolveSource(dataApi: DataApiClient, spec: JobSpec): Promise<Dataset> {
  try {
    return await dataApi.getDataset(spec.datasetId, spec.version);
  } catch (error) {
    if (error instanceof DataApiError && error.status === 404) {
      const which = spec.version === undefined ? spec.datasetId : `${spec.datasetId} version ${spec.version}`;
      throw new JobError(`dataset ${which} is not registered in the Data API (code ${error.code ?? 404})`, "not_found", { cause: error });
    }
    throw error;
  }
}

function sameSource(dataset: Dataset, source: Dataset): boolean {
  return dataset.derived_from?.dataset_id === source.dataset_id && dataset.derived_from.version === source.version;
}

/**
 * dataset id → Data API metadata → rows over the presigned URL → one chat
 * completion per row (bounded concurrency, SDK retries) → CSV of the source
 * columns plus the output column → registered through the Data API with
 * derived_from = the source dataset and version. Nothing is registered unless
 * every row succeeded; re-running finds the earlier output by its
 * deterministic name and does not register it again.
 */
export async function runJob(spec: JobSpec, deps: JobDependencies): Promise<JobResult> {
  const started = performance.now();
  const source = await resolveSource(deps.dataApi, spec);
  if (!(tabularFormats as readonly string[]).includes(source.format)) {
    throw new JobError(
      `dataset ${source.dataset_id} (${source.name}) has format "${source.format}", which is not tabular; batch jobs read ${tabularFormats.join(", ")}`,
      "not_tabular",
    );
  }
  const model = await deps.model.resolveModel(deps.modelName);
  const name = derivedName({ datasetId: source.dataset_id, version: source.version, name: source.name }, spec, model);
  const sourceRef = { dataset_id: source.dataset_id, version: source.version };

  const earlier = (await deps.dataApi.versionsOf(name)).find((dataset) => sameSource(dataset, source));
  if (earlier) {
    deps.log.info({ output: earlier.dataset_id, name }, "already done: the derived dataset is registered");
    return { status: "already_done", source: sourceRef, output: earlier, rows: earlier.row_count ?? 0, seconds: 0, rows_per_second: null };
  }

  const schema = await deps.dataApi.getSchema(source.dataset_id, source.version);
  const url = await deps.dataApi.downloadUrl(source.dataset_id, source.version);
  const table = await readRows(url, source.format, schema.delimiter, deps.downloadTimeoutMs);
  if (spec.column !== undefined && !table.headers.includes(spec.column)) {
    throw new JobError(
      `column "${spec.column}" is not in dataset ${source.dataset_id}; its columns are: ${table.headers.join(", ")}`,
      "usage",
    );
  }
  if (table.headers.includes(spec.outputColumn)) {
    throw new JobError(`the dataset already has a column "${spec.outputColumn}"; choose another --output-column`, "usage");
  }
  const rows: Row[] = spec.limit === undefined ? table.rows : table.rows.slice(0, spec.limit);
  deps.log.info({ source: source.dataset_id, version: source.version, rows: rows.length, model, output: name }, "job started");

  const generationStarted = performance.now();
  const outputs = await boundedMap(
    rows,
    async (row, index) => {
      try {
        return await deps.model.complete(model, messagesFor(spec, row), { maxTokens: spec.maxTokens, temperature: spec.temperature });
      } catch (error) {
        throw new JobError(`row ${index + 1}: the model failed after retries: ${(error as Error).message}`, "dependency", { cause: error });
      }
    },
    {
      concurrency: spec.concurrency,
      every: spec.progressEvery,
      onProgress: ({ done, total, elapsedMs }) => {
        deps.log.info({ done, total, rows_per_second: Math.round((done / (elapsedMs / 1000)) * 100) / 100 }, "progress");
      },
    },
  );
  const generationSeconds = (performance.now() - generationStarted) / 1000;

  const headers = [...table.headers, spec.outputColumn];
  const csv = stringify(
    rows.map((row, index) => [...table.headers.map((header) => row[header] ?? ""), outputs[index] ?? ""]),
    { header: true, columns: headers },
  );
  const output = await deps.dataApi.upload({
    name,
    format: "csv",
    description: `${spec.column === undefined ? "rows" : `column ${spec.column}`} of ${source.dataset_id} v${source.version} through ${model}: ${spec.prompt.slice(0, 200)}`,
    derivedFrom: { datasetId: source.dataset_id, version: source.version },
    content: csv,
  });
  const seconds = (performance.now() - started) / 1000;
  deps.log.info({ output: output.dataset_id, name, rows: rows.length, seconds: Math.round(seconds * 10) / 10 }, "job finished");
  return {
    status: "created",
    source: sourceRef,
    output,
    rows: rows.length,
    seconds,
    rows_per_second: rows.length === 0 ? null : rows.length / generationSeconds,
  };
}

/** A one-line, stack-free description for the operator, and the matching exit code. */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof JobError) return { message: error.message, exitCode: error.reason === "usage" ? 2 : 1 };
  if (error instanceof ConfigError) return { message: error.message, exitCode: 2 };
  if (error instanceof DataApiError)
    return { message: `Data API refused: ${error.message} (HTTP ${error.status}, code ${error.code ?? "none"})`, exitCode: 1 };
  if (isAppError(error)) return { message: `${error.message} (code ${error.code})`, exitCode: 1 };
  return { message: `unexpected failure: ${(error as Error).message ?? String(error)}`, exitCode: 1 };
}
