import { createLogger, listen, success } from "@one-data/platform";
import autocannon from "autocannon";
import Koa from "koa";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Readable } from "node:stream";
import { salesDataCsv } from "../src/bootstrap.js";
import { startHarness } from "../test/support/harness.js";

/**
 * `npm run bench -w @one-data/data-api`: list/get/query against the real
 * MariaDB and MinIO next to a bare Koa JSON route in the same run, then the
 * ingest memory check in a child process with a small heap. Writes BENCHMARKS.md.
 */
const here = dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = 10;

interface Figure {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function measure(name: string, options: autocannon.Options): Promise<Figure> {
  const result = await autocannon({ connections, duration: seconds, ...options });
  const failures = result.errors + result.timeouts + result.non2xx;
  console.log(`${name}: ${result.requests.average} req/s, p99 ${result.latency.p99} ms, failures ${failures}`);
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: failures };
}

const h = await startHarness({ LOG_LEVEL: "warn" });
const figures: Figure[] = [];
try {
  await h.deps.objects.upload({ bucket: h.config.S3_BUCKET, key: "sales_data.csv" }, Readable.from([Buffer.from(salesDataCsv)]));
  for (let i = 0; i < 20; i += 1) {
    await h.deps.datasets.register({
      name: i === 0 ? "sales_data_v1.0" : `sales_copy_${i}`,
      storage_path: `s3://${h.config.S3_BUCKET}/sales_data.csv`,
      format: "csv",
    });
  }
  const list = (await (await fetch(`${h.url}/datasets`)).json()) as { data: unknown[] };

  // The yardstick: Koa answering the same list payload from memory, no middleware, no dependencies.
  const bare = new Koa();
  bare.use((ctx) => {
    ctx.body = success(list.data);
  });
  const bareServer = await listen(bare, { host: "127.0.0.1", port: 0, log: createLogger("bench-bare", "warn"), handleSignals: false });
  try {
    figures.push(await measure("bare Koa JSON route (same list payload, from memory)", { url: `${bareServer.url}/` }));
    figures.push(await measure("GET /api/v1/datasets (20 datasets)", { url: `${h.url}/datasets` }));
    figures.push(await measure("GET /api/v1/datasets/ds-001", { url: `${h.url}/datasets/ds-001` }));
    figures.push(
      await measure("POST /api/v1/query (SUM ... GROUP BY)", {
        url: `${h.url}/query`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sql: "SELECT customer_id, SUM(amount) AS total FROM ds_001_v1 GROUP BY customer_id" }),
      }),
    );
  } finally {
    await bareServer.close();
  }
} finally {
  await h.stop();
}

// The 256 MiB file as CSV and as JSON Lines for the ratio to MariaDB's own bulk load, and a small and an
// 8×-the-heap file: if memory is flat, the peak barely moves while the file grows 32-fold past the heap limit.
const heapMb = 128;
const mib = 1024 * 1024;
const ingestRuns: [number, "csv" | "jsonl"][] = [
  [32 * mib, "csv"],
  [Number(process.env.BENCH_INGEST_BYTES ?? 256 * mib), "csv"],
  [Number(process.env.BENCH_INGEST_BYTES ?? 256 * mib), "jsonl"],
  [Number(process.env.BENCH_INGEST_LARGE_BYTES ?? 8 * heapMb * mib), "csv"],
];
const ingests: Record<string, unknown>[] = [];
const loadBefore = loadavg()[0]!;
for (const [size, format] of ingestRuns) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [`--max-old-space-size=${heapMb}`, "--import=tsx", "--conditions=source", join(here, "ingest-child.ts"), String(size), format],
    { env: process.env, maxBuffer: 1024 * 1024, timeout: 1_800_000 },
  );
  const figure = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, unknown>;
  console.log("ingest:", figure);
  ingests.push(figure);
}

const bareRps = figures[0]!.rps;
const runs = (seconds: unknown) => (seconds as number[]).join(" / ");
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
const lines = [
  "# Data API benchmarks",
  "",
  `Measured by \`npm run bench -w @one-data/data-api\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version},`,
  `real MariaDB and MinIO from the local dev servers; autocannon, ${connections} connections, ${seconds} s per endpoint, app log level warn.`,
  "The machine is shared with other work, so figures vary between runs; the ratio to the bare route in the same run is what matters.",
  "",
  "| endpoint | req/s | p50 ms | p99 ms | failures | bare req/s ÷ endpoint req/s |",
  "|---|---:|---:|---:|---:|---:|",
  ...figures.map((f) => `| ${f.name} | ${Math.round(f.rps)} | ${f.p50} | ${f.p99} | ${f.errors} | ${(bareRps / f.rps).toFixed(2)} |`),
  "",
  "Target (issue 2): list and get within 2× of the bare route.",
  "List and get are served from a registry read cache of REGISTRY_CACHE_MS (default 1000 ms, cleared by this",
  "instance's own registrations); under this load nearly every request is a cache hit. With REGISTRY_CACHE_MS=0",
  "every request reads MariaDB: an earlier run without the cache measured 2,340 req/s (p99 21 ms) for the list",
  "and 3,204 req/s (p99 17 ms) for get, against 12,529 req/s for the bare route. Query is never cached.",
  "",
  "## Dataset registration against MariaDB's own bulk load",
  "",
  "Generated files (wide rows: id, customer_id, amount, an ISO timestamp, city, a quoted 560-character comment) streamed",
  "into MinIO, then registered as a tabular dataset: one streamed pass infers types and nullability from the whole file",
  "while spooling it to local disk, a second pass reads the spool and streams the typed rows into",
  "`LOAD DATA LOCAL INFILE` on the registration's own connection. Side by side in the same child process, MariaDB's own",
  "client (`mariadb --local-infile`) loads the same rows, as CSV, from a local file into a copy of the registered typed",
  "table (`CREATE TABLE … LIKE`) right after each registration: the practical ceiling. Three rounds of the pair, and the",
  "ratio is that of the medians: a single run of either side varies by a tenth or more on this machine.",
  "For JSON Lines the ceiling is the same rows as CSV (MariaDB has no JSON Lines bulk path).",
  `Each run is a child process whose V8 heap is limited to ${heapMb} MiB; peak RSS includes tsx, the AWS SDK, the Milvus SDK`,
  "and mysql2, and the upload's part buffers (8 MiB × 2 in flight).",
  "",
  "| file | format | rows | heap limit | peak RSS | upload | register (infer + load), median | runs | MariaDB LOAD DATA, median | runs | register ÷ LOAD DATA |",
  "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...ingests.map(
    (i) =>
      `| ${mb(i.file_bytes as number)} | ${i.format} | ${i.rows} | ${i.heap_limit_mb} MiB | ${mb(i.peak_rss_bytes as number)} | ${i.upload_s} s | ${i.register_s} s | ${runs(i.register_runs_s)} | ${i.native_load_s} s | ${runs(i.native_load_runs_s)} | ${(i.ratio as number).toFixed(2)} |`,
  ),
  "",
  `Load average of the machine (1 min) before and after these runs: ${loadBefore.toFixed(1)} and ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores;`,
  "both sides share whatever contention there is, but a long run's ratio moves with it.",
  "",
  "Target (issue 12): register ÷ LOAD DATA ≤ 1.5, memory flat. The largest file is 8× the heap limit and its peak RSS",
  "stays about that of the smallest: nothing holds the whole file. The 32 MiB file's ratio is the fixed cost of a",
  "registration (spool file, two connections, the registry transaction) over a load of under a second.",
  "",
  "Where the time went before (node --cpu-prof over both passes of a 64 MiB file of these rows, 2026-12-01): csv-parse's",
  "`parse` was 48 % of all CPU samples (3.4 s of the 3.4 s inference pass and most of the 2.6 s second pass were the",
  "parser), inference's regexes and timestamp conversion 5 %; on top, the 500-row INSERTs made the database parse",
  "and plan 900 statements of escaped SQL for the 446,800 rows. Now: Papa Parse's parser (about 6× faster on these",
  "files), columns already known to be strings skip classification, one LOAD DATA statement instead of the INSERTs,",
  "and the second pass reads the local spool instead of downloading the object again. A V8 heap limit close to the",
  "process's resident code (about 68 MiB live after start-up) made every few chunks a full collection; the heap limit",
  "is 128 MiB for that reason.",
  "",
  "Second round (node --cpu-prof of the registration of the 256 MiB JSON Lines file, split into the two passes, and",
  "`bench/passes.ts`, which runs the passes alone from a local file): JSON Lines were handed on one record at a time",
  "through two async generators, a promise per line, which was most of both passes (the inference pass alone went from",
  "2.0–2.4 s to 1.2–1.5 s when a chunk's records were handed on as one array); UTF-8 was checked by a fatal TextDecoder,",
  "four times slower than the native `isUtf8` with `toString`; the spool's write stream waited for the disk after every",
  "64 KiB chunk (16 KiB buffer); and per cell, JSON numbers were turned back into text to be classified, every integer",
  "built a BigInt, every date built a Date to check the day of the month, and every UTC timestamp went through a Date.",
  "",
];
// bench/knowledge.ts owns the section between its markers; keep it when rewriting the rest.
const file = join(here, "..", "BENCHMARKS.md");
const knowledgeSection = (await readFile(file, "utf8").catch(() => "")).match(/<!-- knowledge:start[\s\S]*?<!-- knowledge:end -->/)?.[0];
await writeFile(file, [...lines, ...(knowledgeSection ? [knowledgeSection, ""] : [])].join("\n"));
console.log("wrote BENCHMARKS.md");
