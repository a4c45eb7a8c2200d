import { createLogger, listen } from "@one-data/platform";
import { readFile, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "../src/app.js";
import { EmbeddingClient } from "../src/adapters/embedding-client.js";
import { createKnowledgeService } from "../src/adapters/knowledge-backends.js";
import { VectorStore } from "../src/adapters/vector-store.js";
import { collectionName } from "../src/domain/vector-collections.js";
import { glossaryDocument } from "../src/domain/knowledge-glossary.js";
import { startHarness } from "../test/support/harness.js";
import { OpenAiDouble } from "../../../test/doubles/openai-double.js";

/**
 * `npm run bench -w @one-data/data-api` (second part): knowledge ingestion in
 * chunks/s and vector search latency over a few thousand chunks in Milvus
 * Lite. The corpus is embedded by the scripted OpenAI double (deterministic
 * vectors, instant), so the figures are the Data API's and Milvus's own; one
 * ingestion row uses the real local model for comparison. Writes its section
 * of BENCHMARKS.md between the knowledge markers.
 */
const here = dirname(fileURLToPath(import.meta.url));
const documents = Number(process.env.BENCH_KNOWLEDGE_DOCUMENTS ?? 40);
const chunksPerDocument = 125;
const searches = Number(process.env.BENCH_KNOWLEDGE_SEARCHES ?? 300);
const dimension = 384;
const log = createLogger("knowledge-bench", "warn");

// A small deterministic generator, so every run indexes the same corpus.
let seed = 42;
const random = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const words = [
  "订单",
  "客户",
  "金额",
  "退货",
  "发票",
  "库存",
  "order",
  "customer",
  "amount",
  "refund",
  "invoice",
  "region",
  "季度",
  "销售",
  "margin",
  "支付",
];
const sentence = (): string =>
  Array.from({ length: 8 + Math.floor(random() * 8) }, () => words[Math.floor(random() * words.length)]).join(" ") + "。";
function document(index: number): string {
  const sections: string[] = [];
  // One heading per chunk-sized section: the chunker splits at headings, so each section is one chunk.
  for (let s = 0; s < chunksPerDocument; s += 1)
    sections.push(`## 文档 ${index} 第 ${s} 节\n${Array.from({ length: 4 }, sentence).join("")}`);
  return sections.join("\n");
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const h = await startHarness({ LOG_LEVEL: "warn" });
const double = await OpenAiDouble.start({ modelName: "double-embed", embeddingDimension: dimension });
const built = createKnowledgeService(
  { ...h.config, EMBEDDING_ENDPOINT: double.url, EMBEDDING_MODEL: "double-embed" },
  { datasets: h.deps.datasets, objects: h.deps.objects, bucket: h.config.S3_BUCKET, log, compensations: h.deps.compensations },
);
const server = await listen(createApp({ ...h.deps, knowledge: built.knowledge }), {
  host: "127.0.0.1",
  port: 0,
  log,
  handleSignals: false,
});
const url = `${server.url}/api/v1`;
const ingestion: { what: string; documents: number; chunks: number; seconds: number }[] = [];
let http: number[] = [];
let milvusOnly: number[] = [];
let totalChunks = 0;
try {
  let started = performance.now();
  for (let i = 0; i < documents; i += 1) {
    const registered = await built.knowledge.register({ name: `bench_doc_${i}`, format: "markdown", content: document(i) });
    totalChunks += registered.chunks ?? 0;
  }
  ingestion.push({
    what: "scripted double embeddings (dimension 384)",
    documents,
    chunks: totalChunks,
    seconds: (performance.now() - started) / 1000,
  });
  console.log(`ingest (double): ${totalChunks} chunks in ${ingestion[0]!.seconds.toFixed(1)} s`);

  // The real model on the same path: the glossary, through the harness's own knowledge service (EMBEDDING_ENDPOINT).
  const glossary = await readFile(glossaryDocument.file, "utf8");
  started = performance.now();
  const real = await h.deps.knowledge.register({ name: "bench_glossary", format: "markdown", content: glossary.repeat(8) });
  ingestion.push({
    what: `real local model (${real.embedding_model})`,
    documents: 1,
    chunks: real.chunks ?? 0,
    seconds: (performance.now() - started) / 1000,
  });
  console.log(`ingest (real model): ${real.chunks} chunks in ${ingestion[1]!.seconds.toFixed(1)} s`);

  const queries = Array.from({ length: searches }, sentence);
  for (const query of queries.slice(0, 10)) await built.knowledge.search(query, 5); // warm-up: collection load, connections
  for (const query of queries) {
    const t0 = performance.now();
    const response = await fetch(`${url}/vector/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, top_k: 5 }),
    });
    const body = (await response.json()) as { data?: { results: unknown[] } };
    if (response.status !== 200 || body.data?.results.length !== 5)
      throw new Error(`search failed: ${response.status} ${JSON.stringify(body)}`);
    http.push(performance.now() - t0);
  }
  const [vector] = await new EmbeddingClient(double.url, "double-embed", undefined, 5000).embed([queries[0]!]);
  const store = new VectorStore(h.config.MILVUS_ADDRESS, h.config.MILVUS_TOKEN, 10_000);
  const collection = collectionName(h.config.KNOWLEDGE_COLLECTION_PREFIX, "double-embed", dimension);
  await store.ensureCollection(collection, dimension);
  for (let i = 0; i < searches; i += 1) {
    const t0 = performance.now();
    await store.search(collection, vector!, 20);
    milvusOnly.push(performance.now() - t0);
  }
  await store.close();
  http = http.sort((a, b) => a - b);
  milvusOnly = milvusOnly.sort((a, b) => a - b);
  console.log(
    `search over ${totalChunks} chunks: HTTP p50 ${percentile(http, 50).toFixed(1)} ms p99 ${percentile(http, 99).toFixed(1)} ms; Milvus alone p50 ${percentile(milvusOnly, 50).toFixed(1)} ms p99 ${percentile(milvusOnly, 99).toFixed(1)} ms`,
  );
} finally {
  await server.close();
  await built.close();
  await double.close();
  await h.stop();
}

const ms = (value: number) => value.toFixed(1);
const section = [
  "<!-- knowledge:start (written by bench/knowledge.ts) -->",
  "## Knowledge search",
  "",
  `Measured by \`npm run bench -w @one-data/data-api\` (bench/knowledge.ts) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, Node ${process.version},`,
  "Milvus Lite (gRPC on loopback, AUTOINDEX, cosine), real MariaDB and MinIO.",
  `The corpus (${documents} generated Chinese/English Markdown documents of ${chunksPerDocument} sections) is embedded by the`,
  "scripted OpenAI double `test/doubles/openai-double.ts` — deterministic 384-dimension vectors answered at once — so the run",
  "takes well under a minute and the figures are the Data API's and Milvus's own cost; the real small model's row shows what",
  "embedding costs on this CPU.",
  "",
  "### Ingestion (register: store in MinIO, registry row, chunk, embed, insert + flush into Milvus)",
  "",
  "| embeddings | documents | chunks | seconds | chunks/s |",
  "|---|---:|---:|---:|---:|",
  ...ingestion.map((i) => `| ${i.what} | ${i.documents} | ${i.chunks} | ${i.seconds.toFixed(1)} | ${(i.chunks / i.seconds).toFixed(0)} |`),
  "",
  `### Search latency over ${totalChunks} chunks (${searches} sequential queries, top_k 5)`,
  "",
  "| path | p50 ms | p99 ms |",
  "|---|---:|---:|",
  `| POST /api/v1/vector/search (embed query via the double, Milvus top 20, lexical re-rank, envelope) | ${ms(percentile(http, 50))} | ${ms(percentile(http, 99))} |`,
  `| Milvus search alone (SDK, top 20, precomputed vector) | ${ms(percentile(milvusOnly, 50))} | ${ms(percentile(milvusOnly, 99))} |`,
  "",
  "With the real model each query also pays one embedding call (see services/model-server/BENCHMARKS.md).",
  "<!-- knowledge:end -->",
].join("\n");

const file = join(here, "..", "BENCHMARKS.md");
const current = await readFile(file, "utf8").catch(() => "# Data API benchmarks\n");
const markers = /<!-- knowledge:start[\s\S]*?<!-- knowledge:end -->/;
await writeFile(file, markers.test(current) ? current.replace(markers, section) : `${current.trimEnd()}\n\n${section}\n`);
console.log("wrote the knowledge section of BENCHMARKS.md");
