import { writeFile } from "node:fs/promises";
import OpenAI from "openai";

/**
 * Tokens/s and first-token latency of the local model server (MODEL_ENDPOINT,
 * MODEL_NAME), written to BENCHMARKS.md next to this package. Short on purpose.
 */
const endpoint = process.env.MODEL_ENDPOINT;
const model = process.env.MODEL_NAME;
if (!endpoint || !model) throw new Error("MODEL_ENDPOINT and MODEL_NAME must be set (source the local servers' env file)");
const client = new OpenAI({ baseURL: `${endpoint}/v1`, apiKey: "none", maxRetries: 0 });
const runs = 5;
const firstToken: number[] = [];
const rates: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  let first = 0;
  let tokens = 0;
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: "user", content: `Write a short story about a lighthouse keeper, take ${i}.` }],
    max_tokens: 128,
    temperature: 0.7,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) {
    if (!first && chunk.choices[0]?.delta.content) first = performance.now();
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
  }
  const ended = performance.now();
  firstToken.push(first - started);
  rates.push(tokens / ((ended - first) / 1000));
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const embedStarted = performance.now();
const texts = Array.from(
  { length: 32 },
  (_, i) => `Chunk ${i}: 大客户是订单总金额不少于 500 的客户。A key customer orders at least 500 in total.`,
);
await client.embeddings.create({ model, input: texts });
const embedPerSecond = texts.length / ((performance.now() - embedStarted) / 1000);
const report = `# model-server benchmarks

Produced by \`npm run bench -w @one-data/model-server\` against the local server (SmolLM2-135M-Instruct Q4_1,
node-llama-cpp 3.22.1, CPU, MODEL_THREADS=2, MODEL_PARALLEL=2) on ${new Date().toISOString().slice(0, 10)}, 2-core machine shared with other work.

| figure | value |
|---|---|
| generation, one stream, 128 tokens (median of ${runs}) | ${median(rates).toFixed(1)} tokens/s |
| first-token latency, streamed (median of ${runs}) | ${median(firstToken).toFixed(0)} ms |
| embeddings, batch of 32 short bilingual texts | ${embedPerSecond.toFixed(1)} texts/s |
`;
await writeFile(new URL("../BENCHMARKS.md", import.meta.url), report);
process.stdout.write(report);
