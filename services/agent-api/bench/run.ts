/**
 * The agent's own overhead per answer, excluding model time: routing, schema
 * (cached after the first question), prompt building, JSON-schema validation,
 * SQL compilation, the Data API calls (query, retrieval) and rendering. The
 * model and the Data API are the scripted doubles on loopback, so their time
 * is the HTTP round trip only; model time is measured and subtracted.
 *
 *   npm run bench -w @one-data/agent-api   (writes nothing; prints markdown rows)
 */
import { OpenAiDouble } from "../../../test/doubles/openai-double.js";
import { startDataApiDouble } from "../../../test/doubles/data-api-double.js";
import { createDataApiClient } from "../src/adapters/data-api-client.js";
import { createModelClient } from "../src/adapters/model-client.js";
import { createAgent } from "../src/domain/agent.js";
import { glossaryChunks, salesMetadata } from "../test/fixtures.js";
import { isQueryRequest, structuredQuery } from "../test/harness.js";

const iterations = Number(process.env.BENCH_ITERATIONS ?? 300);
const warmup = 20;

const model = await OpenAiDouble.start({ modelName: "bench-model" });
const data = await startDataApiDouble({ tables: [salesMetadata], chunks: glossaryChunks });
model.onChat(isQueryRequest, (r) => ({
  content: r.messages.some((m) => m.content.includes("at least 500"))
    ? structuredQuery({
        select: [{ column: "customer_id", aggregate: "none" }],
        having: [{ column: "amount", aggregate: "sum", op: ">=", value: 500 }],
        count_result_rows: true,
      })
    : structuredQuery(),
}));
data.onQuery(() => ({ columns: [{ name: "sum_amount", type: "decimal" }], rows: [{ sum_amount: "2299.95" }] }));
const agent = createAgent({
  model: createModelClient({ endpoint: model.url, name: "bench-model", apiKey: undefined, timeoutMs: 5_000 }),
  data: createDataApiClient({ url: data.url, timeoutMs: 5_000 }),
});

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const fmt = (ms: number): string => ms.toFixed(2);

const rows: string[] = [];
for (const [label, question] of [
  ["SQL (schema, query)", "What is the total amount of sales?"],
  ["both (schema, retrieval, query)", "How many key customers are there?"],
] as const) {
  const overhead: number[] = [];
  const compute: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const answer = await agent.ask(question);
    if (i < warmup) continue;
    overhead.push(answer.timings.total_ms - answer.timings.model_ms);
    compute.push(answer.timings.total_ms - answer.timings.model_ms - answer.timings.data_api_ms);
  }
  overhead.sort((a, b) => a - b);
  compute.sort((a, b) => a - b);
  rows.push(
    `| ${label} | ${iterations} | ${fmt(percentile(overhead, 50))} | ${fmt(percentile(overhead, 99))} | ${fmt(percentile(compute, 50))} | ${fmt(percentile(compute, 99))} |`,
  );
}
console.log("| question path | answers | overhead p50 ms | overhead p99 ms | agent compute p50 ms | agent compute p99 ms |");
console.log("|---|---|---|---|---|---|");
for (const row of rows) console.log(row);
await model.close();
await data.close();
