/**
 * Execution accuracy of the agent over the seed sales dataset and the
 * glossary, for whichever model MODEL_ENDPOINT serves. Needs a running Data
 * API (DATA_API_URL) with the bootstrap dataset; the glossary must be
 * registered for the "key customer" questions to be answerable. Prints a
 * figure, not a verdict.
 */
import { envVar, loadConfig } from "@one-data/platform";
import { z } from "zod";
import { createDataApiClient } from "../src/adapters/data-api-client.js";
import { createModelClient } from "../src/adapters/model-client.js";
import { createAgent } from "../src/domain/agent.js";
import { quoteIdentifier } from "../src/domain/sql-compiler.js";
import { keyCustomerThreshold, matches, questions, toSalesRows } from "./questions.js";

const env = loadConfig(
  "agent-api eval",
  z.object({
    MODEL_ENDPOINT: envVar.url(),
    MODEL_NAME: envVar.string().optional(),
    MODEL_API_KEY: envVar.secret().optional(),
    MODEL_TIMEOUT_MS: envVar.int(120_000, 1),
    DATA_API_URL: envVar.url(),
    DATA_API_TIMEOUT_MS: envVar.int(10_000, 1),
  }),
);
const model = createModelClient({
  endpoint: env.MODEL_ENDPOINT.replace(/\/+$/, ""),
  name: env.MODEL_NAME,
  apiKey: env.MODEL_API_KEY,
  timeoutMs: env.MODEL_TIMEOUT_MS,
});
const data = createDataApiClient({ url: env.DATA_API_URL.replace(/\/+$/, ""), timeoutMs: env.DATA_API_TIMEOUT_MS });
const agent = createAgent({ model, data });

const catalog = await data.catalog();
const sales = catalog.tables.find((t) => t.dataset_name === "sales_data_v1.0");
if (!sales) {
  console.error("the Data API has no sales_data_v1.0 table: run the data bootstrap first");
  process.exit(2);
}
const all = await data.query(`SELECT * FROM ${quoteIdentifier(sales.table)}`, 1000);
const rows = toSalesRows(all.rows);
const glossary = await data.search("key customer 大客户 definition", 4).catch(() => []);
const glossaryFound = glossary.some((hit) => hit.text.includes(String(keyCustomerThreshold)));

const modelName = await model.modelName();
console.log(
  `model ${modelName} at ${env.MODEL_ENDPOINT}; dataset ${sales.dataset_id} v${sales.version} (${rows.length} rows, table ${sales.table}); glossary ${glossaryFound ? "found" : "NOT found by knowledge search"}`,
);
console.log("| # | question | route | correct | attempts | seconds | note |");
console.log("|---|---|---|---|---|---|---|");
let correct = 0;
for (const [index, item] of questions.entries()) {
  const started = performance.now();
  let route = "-";
  let ok = false;
  let attempts = "-";
  let note: string;
  try {
    const answer = await agent.ask(item.question);
    route = answer.route;
    attempts = String(answer.sources.sql?.attempts ?? "-");
    ok = answer.sources.sql !== undefined && matches(item.truth(rows), answer.sources.sql.rows);
    note = answer.sources.sql ? answer.sources.sql.sql : "no SQL ran";
  } catch (error) {
    note = (error as Error).message;
  }
  if (ok) correct++;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `| ${index + 1} | ${item.question} | ${route} (${item.expects}) | ${ok ? "yes" : "no"} | ${attempts} | ${seconds} | ${note.replaceAll("|", "\\|").slice(0, 160)} |`,
  );
}
console.log(
  `\nexecution accuracy: ${correct}/${questions.length} = ${((100 * correct) / questions.length).toFixed(1)}% (model ${modelName})`,
);
