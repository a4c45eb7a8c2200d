import { createLogger } from "@one-data/platform";
import { Readable } from "node:stream";
import { formatStoragePath } from "../src/adapters/s3.js";
import { createDependencies } from "../src/dependencies.js";
import { dropEverything, isolatedConfig } from "../test/support/harness.js";

/**
 * Run with a small heap (--max-old-space-size): streams a generated CSV much
 * larger than the heap through the upload path into MinIO, then registers it
 * (two streamed passes: inference, then typed batch inserts into MariaDB), and
 * prints the peak resident set size as JSON.
 */
const targetBytes = Number(process.argv[2] ?? 160 * 1024 * 1024);
const config = isolatedConfig();
const deps = createDependencies(config, createLogger("bench-ingest", "warn"));

// Wide rows keep the row count (and so the MariaDB load time) modest for a large file.
const padding = "lorem ipsum dolor sit amet ".repeat(20);

function* csvLines(): Generator<Buffer> {
  yield Buffer.from("id,customer_id,amount,created_at,city,comment\n");
  let written = 0;
  for (let i = 1; written < targetBytes; i += 1) {
    const chunk: string[] = [];
    for (let j = 0; j < 200; j += 1, i += 1) {
      chunk.push(`${i},${1000 + (i % 997)},${(i % 100000) / 100},2024-01-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z,city-${i % 50},"row ${i} ${padding}"\n`);
    }
    const buffer = Buffer.from(chunk.join(""));
    written += buffer.length;
    yield buffer;
  }
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
try {
  await deps.prepare();
  const location = { bucket: config.S3_BUCKET, key: "bench/large.csv" };
  const started = performance.now();
  await deps.objects.upload(location, Readable.from(csvLines()), "text/csv");
  const uploaded = performance.now();
  const dataset = await deps.datasets.register({ name: "bench-large", storage_path: formatStoragePath(location), format: "csv" }, { removeObjectOnFailure: true });
  const registered = performance.now();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  console.log(
    JSON.stringify({
      file_bytes: dataset.size_bytes,
      rows: dataset.row_count,
      upload_s: Math.round((uploaded - started) / 100) / 10,
      register_s: Math.round((registered - uploaded) / 100) / 10,
      peak_rss_bytes: peakRss,
      heap_limit_mb: Number(/--max-old-space-size=(\d+)/.exec(process.execArgv.join(" "))?.[1] ?? 0),
    }),
  );
} finally {
  clearInterval(sampler);
  await deps.close();
  await dropEverything(config);
}
