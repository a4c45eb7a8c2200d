import { createLogger } from "@one-data/platform";
import { execFile } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { promisify } from "node:util";
import { formatStoragePath } from "../src/domain/storage-path.js";
import { connectDependencies } from "../src/wiring.js";
import { dropEverything, isolatedConfig } from "../test/support/harness.js";
import { benchRow, csvHeader, csvLine, jsonLine } from "./generated-rows.js";

/**
 * Run with a small heap (--max-old-space-size): writes a generated file of
 * about the requested size (CSV, and the same rows as JSON Lines with
 * `jsonl`), streams it into MinIO, then in each of BENCH_INGEST_ROUNDS rounds
 * (3) registers it (inference pass, then the typed load into MariaDB) and has
 * MariaDB's own client bulk-load the same rows as CSV into a copy of the
 * registered typed table (`LOAD DATA LOCAL INFILE`). Prints the medians, every
 * run and the peak RSS as JSON.
 */
const targetBytes = Number(process.argv[2] ?? 160 * 1024 * 1024);
const format = (process.argv[3] ?? "csv") as "csv" | "jsonl";
const rounds = Number(process.env.BENCH_INGEST_ROUNDS ?? 3);
const config = isolatedConfig();
const deps = connectDependencies(config, createLogger("bench-ingest", "warn"));

async function writeFiles(dir: string): Promise<{ csv: string; jsonl: string }> {
  const csv = join(dir, "large.csv");
  const jsonl = join(dir, "large.jsonl");
  const csvOut = createWriteStream(csv);
  const jsonOut = format === "jsonl" ? createWriteStream(jsonl) : undefined;
  csvOut.write(csvHeader);
  let written = 0;
  for (let i = 1; written < targetBytes;) {
    const csvLines: string[] = [];
    const jsonLines: string[] = [];
    for (let j = 0; j < 200; j += 1, i += 1) {
      const row = benchRow(i);
      csvLines.push(csvLine(row));
      if (jsonOut) jsonLines.push(jsonLine(row));
    }
    const csvChunk = csvLines.join("");
    const jsonChunk = jsonLines.join("");
    written += Buffer.byteLength(jsonOut ? jsonChunk : csvChunk);
    if (!csvOut.write(csvChunk)) await once(csvOut, "drain");
    if (jsonOut && !jsonOut.write(jsonChunk)) await once(jsonOut, "drain");
  }
  csvOut.end();
  jsonOut?.end();
  await once(csvOut, "close");
  if (jsonOut) await once(jsonOut, "close");
  return { csv, jsonl };
}

/** MariaDB's own command-line client, as the bench's user. */
async function mariadb(sql: string, ...flags: string[]): Promise<void> {
  await promisify(execFile)(
    "mariadb",
    ["--no-defaults", ...flags, `--host=${config.MYSQL_HOST}`, `--port=${config.MYSQL_PORT}`, `--user=${config.MYSQL_USER}`, "-e", sql],
    { env: { ...process.env, MYSQL_PWD: config.MYSQL_PASSWORD }, timeout: 900_000 },
  );
}

/** MariaDB's own client and bulk path: the practical ceiling for loading these rows into that table. */
async function nativeLoad(csvPath: string, table: string): Promise<number> {
  const db = config.MYSQL_DATASETS_DATABASE;
  const sql = `CREATE TABLE \`${db}\`.baseline LIKE \`${db}\`.\`${table}\`;
    LOAD DATA LOCAL INFILE '${csvPath}' INTO TABLE \`${db}\`.baseline CHARACTER SET utf8mb4
      FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' LINES TERMINATED BY '\\n' IGNORE 1 LINES
      (id, customer_id, amount, @created_at, city, comment) SET created_at = REPLACE(REPLACE(@created_at, 'T', ' '), 'Z', '');`;
  const started = performance.now();
  await mariadb(sql, "--local-infile=1");
  const seconds = (performance.now() - started) / 1000;
  await mariadb(`DROP TABLE \`${db}\`.baseline`);
  return seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
const dir = await mkdtemp(join(tmpdir(), "data-api-bench-"));
try {
  await deps.prepare();
  const files = await writeFiles(dir);
  const file = format === "jsonl" ? files.jsonl : files.csv;
  const location = { bucket: config.S3_BUCKET, key: `bench/large.${format}` };
  const started = performance.now();
  await deps.objects.upload(location, createReadStream(file), format === "jsonl" ? "application/x-ndjson" : "text/csv");
  const uploaded = performance.now();
  // Rounds alternate our registration and MariaDB's own load of the same rows, and the medians are compared: one run
  // of either side varies by a tenth or more on this machine, and a change in its load during the run hits both alike.
  const registerRuns: number[] = [];
  const nativeRuns: number[] = [];
  let rows = 0;
  for (let round = 0; round < rounds; round += 1) {
    const before = performance.now();
    const dataset = await deps.datasets.register({ name: `bench-large-${round}`, storage_path: formatStoragePath(location), format });
    registerRuns.push((performance.now() - before) / 1000);
    rows = dataset.row_count!;
    nativeRuns.push(await nativeLoad(files.csv, dataset.table!));
    // Dropped after each round, so the disk holds one copy of the rows at a time.
    await mariadb(`DROP TABLE \`${config.MYSQL_DATASETS_DATABASE}\`.\`${dataset.table!}\``);
  }
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  const tenths = (seconds: number) => Math.round(seconds * 10) / 10;
  console.log(
    JSON.stringify({
      format,
      file_bytes: (await stat(file)).size,
      rows,
      upload_s: tenths((uploaded - started) / 1000),
      register_s: tenths(median(registerRuns)),
      register_runs_s: registerRuns.map(tenths),
      native_load_s: tenths(median(nativeRuns)),
      native_load_runs_s: nativeRuns.map(tenths),
      ratio: median(registerRuns) / median(nativeRuns),
      peak_rss_bytes: peakRss,
      heap_limit_mb: Number(/--max-old-space-size=(\d+)/.exec(process.execArgv.join(" "))?.[1] ?? 0),
    }),
  );
} finally {
  clearInterval(sampler);
  await rm(dir, { recursive: true, force: true });
  await deps.close();
  await dropEverything(config);
}
