import { createLogger } from "@one-data/platform";
import { execFile } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { promisify } from "node:util";
import { formatStoragePath } from "../src/adapters/s3.js";
import { createDependencies } from "../src/dependencies.js";
import { dropEverything, isolatedConfig } from "../test/support/harness.js";

/**
 * Run with a small heap (--max-old-space-size): writes a generated file of
 * about the requested size (CSV, and the same rows as JSON Lines with
 * `jsonl`), streams it into MinIO, registers it (inference pass, then the typed
 * load into MariaDB) and, side by side, has MariaDB's own client bulk-load the
 * same rows as CSV into a copy of the registered typed table
 * (`LOAD DATA LOCAL INFILE`). Prints the timings and the peak RSS as JSON.
 */
const targetBytes = Number(process.argv[2] ?? 160 * 1024 * 1024);
const format = (process.argv[3] ?? "csv") as "csv" | "jsonl";
const config = isolatedConfig();
const deps = createDependencies(config, createLogger("bench-ingest", "warn"));

// Wide rows keep the row count (and so the MariaDB load time) modest for a large file.
const padding = "lorem ipsum dolor sit amet ".repeat(20);

async function writeFiles(dir: string): Promise<{ csv: string; jsonl: string }> {
  const csv = join(dir, "large.csv");
  const jsonl = join(dir, "large.jsonl");
  const csvOut = createWriteStream(csv);
  const jsonOut = format === "jsonl" ? createWriteStream(jsonl) : undefined;
  csvOut.write("id,customer_id,amount,created_at,city,comment\n");
  let written = 0;
  for (let i = 1; written < targetBytes; ) {
    const csvLines: string[] = [];
    const jsonLines: string[] = [];
    for (let j = 0; j < 200; j += 1, i += 1) {
      const row = {
        id: i,
        customer_id: 1000 + (i % 997),
        amount: (i % 100000) / 100,
        created_at: `2024-01-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z`,
        city: `city-${i % 50}`,
        comment: `row ${i} ${padding}`,
      };
      csvLines.push(`${row.id},${row.customer_id},${row.amount},${row.created_at},${row.city},"${row.comment}"\n`);
      if (jsonOut) jsonLines.push(`${JSON.stringify(row)}\n`);
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

/** MariaDB's own client and bulk path: the practical ceiling for loading these rows into that table. */
async function nativeLoad(csvPath: string, table: string): Promise<number> {
  const db = config.MYSQL_DATASETS_DATABASE;
  const sql = `CREATE TABLE \`${db}\`.baseline LIKE \`${db}\`.\`${table}\`;
    LOAD DATA LOCAL INFILE '${csvPath}' INTO TABLE \`${db}\`.baseline CHARACTER SET utf8mb4
      FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' LINES TERMINATED BY '\\n' IGNORE 1 LINES
      (id, customer_id, amount, @created_at, city, comment) SET created_at = REPLACE(REPLACE(@created_at, 'T', ' '), 'Z', '');`;
  const started = performance.now();
  await promisify(execFile)(
    "mariadb",
    ["--no-defaults", "--local-infile=1", `--host=${config.MYSQL_HOST}`, `--port=${config.MYSQL_PORT}`, `--user=${config.MYSQL_USER}`, "-e", sql],
    { env: { ...process.env, MYSQL_PWD: config.MYSQL_PASSWORD }, timeout: 900_000 },
  );
  const seconds = (performance.now() - started) / 1000;
  await promisify(execFile)(
    "mariadb",
    ["--no-defaults", `--host=${config.MYSQL_HOST}`, `--port=${config.MYSQL_PORT}`, `--user=${config.MYSQL_USER}`, "-e", `DROP TABLE \`${db}\`.baseline`],
    { env: { ...process.env, MYSQL_PWD: config.MYSQL_PASSWORD } },
  );
  return seconds;
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
  const dataset = await deps.datasets.register({ name: "bench-large", storage_path: formatStoragePath(location), format }, { removeObjectOnFailure: true });
  const registered = performance.now();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  // Before and after, so a change in the machine's load during the run shows up rather than skewing one side.
  const native = [await nativeLoad(files.csv, dataset.table!), await nativeLoad(files.csv, dataset.table!)];
  console.log(
    JSON.stringify({
      format,
      file_bytes: (await stat(file)).size,
      rows: dataset.row_count,
      upload_s: Math.round((uploaded - started) / 100) / 10,
      register_s: Math.round((registered - uploaded) / 100) / 10,
      native_load_s: Math.round((native.reduce((a, b) => a + b, 0) / native.length) * 10) / 10,
      native_load_runs_s: native.map((s) => Math.round(s * 10) / 10),
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
