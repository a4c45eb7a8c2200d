import { createLogger } from "@one-data/platform";
import { writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DataApiClient } from "../src/adapters/data-api-client.js";
import { ModelClient } from "../src/adapters/model-client.js";
import { jobSpecSchema } from "../src/domain/job-spec.js";
import { runJob, type JobResult } from "../src/domain/run-job.js";
import { startHarness, uploadForm } from "../../data-api/test/support/harness.js";
import { OpenAiDouble } from "../../../test/doubles/openai-double.js";
import { requireEnv } from "../../../test/support/testkit.js";

/**
 * `npm run bench -w @one-data/model-jobs`: rows/s of the batch job end to end
 * (Data API on the real MariaDB + MinIO, presigned read, model calls, derived
 * upload and registration), once against the scripted OpenAI double (the
 * job's own overhead: the double answers at once) and once against the real
 * local model at MODEL_ENDPOINT with a small N. Writes BENCHMARKS.md.
 */
const here = dirname(fileURLToPath(import.meta.url));
const doubleRows = Number(process.env.BENCH_JOB_DOUBLE_ROWS ?? 10000);
const realRows = Number(process.env.BENCH_JOB_REAL_ROWS ?? 64);
const concurrency = Number(process.env.BENCH_JOB_CONCURRENCY ?? 4);
const maxTokens = 16;
const log = createLogger("model-jobs-bench", "warn");

function ordersCsv(rows: number): string {
  const lines = ["id,customer_id,amount,created_at"];
  for (let i = 1; i <= rows; i += 1)
    lines.push(`${i},${1000 + (i % 97)},${((i * 37) % 1000) + 0.99},2024-01-${String((i % 28) + 1).padStart(2, "0")}T10:00:00Z`);
  return `${lines.join("\n")}\n`;
}

interface Figure {
  against: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

async function measure(
  against: string,
  apiUrl: string,
  datasetId: string,
  endpoint: string,
  modelName: string | undefined,
): Promise<Figure> {
  const spec = jobSpecSchema.parse({
    datasetId,
    prompt: "Is this order amount large or small? Answer with one word.",
    column: "amount",
    concurrency,
    progressEvery: 1_000_000,
    maxTokens,
  });
  const started = performance.now();
  const result: JobResult = await runJob(spec, {
    dataApi: new DataApiClient(apiUrl, 30_000),
    model: new ModelClient({ endpoint, apiKey: process.env.MODEL_API_KEY, timeoutMs: 120_000, maxRetries: 2 }),
    modelName,
    downloadTimeoutMs: 30_000,
    log,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== "created" || result.output.row_count !== result.rows)
    throw new Error(`unexpected job result: ${JSON.stringify(result)}`);
  const figure = { against, rows: result.rows, seconds, rowsPerSecond: result.rows / seconds };
  console.log(`${against}: ${figure.rows} rows in ${seconds.toFixed(1)} s = ${figure.rowsPerSecond.toFixed(1)} rows/s`);
  return figure;
}

const modelEndpoint = requireEnv("MODEL_ENDPOINT");
const h = await startHarness({ LOG_LEVEL: "warn" });
const double = await OpenAiDouble.start({ modelName: "double-chat" });
const figures: Figure[] = [];
try {
  double.onChat(
    () => true,
    (request) => ({ content: Number(request.lastUserText) >= 500 ? "large" : "small" }),
  );
  const register = async (name: string, rows: number): Promise<string> => {
    const res = await uploadForm(h.url, { name, format: "csv" }, { name: `${name}.csv`, content: ordersCsv(rows) });
    if (res.status !== 200) throw new Error(`upload failed: ${JSON.stringify(res.body)}`);
    return (res.body.data as { dataset_id: string }).dataset_id;
  };
  figures.push(
    await measure(
      "scripted OpenAI double (job overhead)",
      h.server.url,
      await register("bench_orders_double", doubleRows),
      double.url,
      "double-chat",
    ),
  );
  figures.push(
    await measure(
      `real local model (${process.env.MODEL_NAME ?? "discovered"})`,
      h.server.url,
      await register("bench_orders_real", realRows),
      modelEndpoint,
      process.env.MODEL_NAME,
    ),
  );
} finally {
  await double.close();
  await h.stop();
}

const lines = [
  "# model-jobs benchmarks",
  "",
  `Measured by \`npm run bench -w @one-data/model-jobs\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}.`,
  "Each row is one whole run of the batch job: resolve the dataset through the Data API (real MariaDB + MinIO),",
  "read the rows through the presigned URL, one chat completion per row (column `amount`,",
  `concurrency ${concurrency}, max_tokens ${maxTokens}, temperature 0), write the output CSV to MinIO and register it with derived_from.`,
  "Wall time includes the derived dataset's registration (schema inference and typed table load).",
  "",
  "| model | rows | seconds | rows/s |",
  "|---|---:|---:|---:|",
  ...figures.map((f) => `| ${f.against} | ${f.rows} | ${f.seconds.toFixed(1)} | ${f.rowsPerSecond.toFixed(1)} |`),
  "",
  "The double answers instantly, so its row shows the job's own ceiling on this machine (HTTP to the model,",
  "bounded concurrency, CSV out, registration). Against the real SmolLM2-135M (llama.cpp on CPU, shared with the",
  "Data API and the databases) the model dominates: rows/s is about concurrency ÷ seconds per completion.",
  "",
];
await writeFile(join(here, "..", "BENCHMARKS.md"), lines.join("\n"));
console.log("wrote BENCHMARKS.md");
