import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inferSchema, loadDataChunks } from "../src/domain/ingest.js";
import { benchRow, csvHeader, csvLine, jsonLine } from "./generated-rows.js";

/**
 * The two registration passes alone, from a local file, without MinIO or
 * MariaDB: where a change to the parsing or typing shows up before the
 * database's share hides it. Profile with node --cpu-prof.
 *   node --max-old-space-size=128 --import=tsx --conditions=source bench/passes.ts [csv|jsonl] [MiB]
 */
const format = (process.argv[2] ?? "jsonl") as "csv" | "jsonl";
const bytes = Number(process.argv[3] ?? 256) * 1024 * 1024;
const dir = join(tmpdir(), "data-api-bench-passes");
const file = join(dir, `rows-${bytes}.${format}`);

/** The rows of bench/generated-rows.ts, kept between runs. */
async function writeFile(): Promise<void> {
  await mkdir(dir, { recursive: true });
  const out = createWriteStream(file);
  if (format === "csv") out.write(csvHeader);
  for (let i = 1, written = 0; written < bytes;) {
    const lines: string[] = [];
    for (let j = 0; j < 200; j += 1, i += 1) lines.push((format === "csv" ? csvLine : jsonLine)(benchRow(i)));
    const chunk = lines.join("");
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
}

if (!existsSync(file)) await writeFile();
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
let cpu = process.cpuUsage();
let started = performance.now();
const schema = await inferSchema(createReadStream(file, { highWaterMark: 64 * 1024 }), format);
const seconds = (value: number) => Math.round(value * 100) / 100;
const inference = { wall_s: seconds((performance.now() - started) / 1000), cpu_s: seconds(cpuSeconds(cpu)) };
cpu = process.cpuUsage();
started = performance.now();
let loadBytes = 0;
for await (const chunk of loadDataChunks(createReadStream(file, { highWaterMark: 64 * 1024 }), schema)) loadBytes += chunk.length;
const load = { wall_s: seconds((performance.now() - started) / 1000), cpu_s: seconds(cpuSeconds(cpu)) };
console.log(JSON.stringify({ format, rows: schema.row_count, inference, load_text: { ...load, bytes: loadBytes } }));
