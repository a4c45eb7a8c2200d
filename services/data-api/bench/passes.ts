import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inferSchema, loadDataChunks } from "../src/domain/ingest.js";

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

/** The rows of bench/ingest-child.ts, kept between runs. */
async function writeFile(): Promise<void> {
  await mkdir(dir, { recursive: true });
  const out = createWriteStream(file);
  const padding = "lorem ipsum dolor sit amet ".repeat(20);
  if (format === "csv") out.write("id,customer_id,amount,created_at,city,comment\n");
  for (let i = 1, written = 0; written < bytes; ) {
    const lines: string[] = [];
    for (let j = 0; j < 200; j += 1, i += 1) {
      const row = { id: i, customer_id: 1000 + (i % 997), amount: (i % 100000) / 100, created_at: `2024-01-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z`, city: `city-${i % 50}`, comment: `row ${i} ${padding}` };
      lines.push(format === "csv" ? `${row.id},${row.customer_id},${row.amount},${row.created_at},${row.city},"${row.comment}"\n` : `${JSON.stringify(row)}\n`);
    }
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
