import { CheckFailure, WrongAnswer, expectEqual, expectThat, show, type Check } from "../check.js";
import type { SuiteContext } from "../context.js";
import { callApi, requestJson } from "../http.js";
import {
  askAgent,
  datasetByName,
  datasetFile,
  uploadDataset,
  type Dataset,
  type SchemaColumn,
} from "../platform-client.js";
import { runModelJob } from "../model-job.js";
import { keyCustomerMinTotal, keyCustomers, parseCsv, reviewsCsv } from "../truth.js";

const seedDatasetName = "sales_data_v1.0";

export const dataToModel: Check<SuiteContext> = {
  id: "integration.data-to-model",
  title: "Data → Model: the batch job reads a registered dataset and registers its derived dataset with lineage",
  integration: "data-to-model",
  timeoutMs: 600_000,
  async run(ctx) {
    const source = await uploadDataset(ctx, {
      name: "acceptance_reviews",
      format: "csv",
      description: "Acceptance suite: short reviews the model layer processes row by row",
      fileName: "acceptance_reviews.csv",
      content: reviewsCsv,
    });
    const expectedRows = parseCsv(reviewsCsv).length;
    expectEqual(`row count the Data API inferred for ${source.dataset_id}`, expectedRows, source.row_count);
    const result = await runModelJob(ctx, {
      datasetId: source.dataset_id,
      version: source.version,
      column: "review",
      prompt: "Is this review positive or negative? Answer with one word.",
    });
    const derived = await callApi<Dataset>(
      "GET",
      `${ctx.dataApi}/api/v1/datasets/${result.output.dataset_id}?version=${result.output.version}`,
      { timeoutMs: ctx.requestTimeoutMs },
    );
    expectEqual("derived dataset lineage", { dataset_id: source.dataset_id, version: source.version }, derived.derived_from);
    expectEqual("derived dataset row count", expectedRows, derived.row_count);
    return `${source.dataset_id} v${source.version} (${expectedRows} rows) → ${derived.dataset_id} v${derived.version} "${derived.name}" (${derived.row_count} rows, derived_from ${derived.derived_from?.dataset_id} v${derived.derived_from?.version})`;
  },
};

export const modelToAgent: Check<SuiteContext> = {
  id: "integration.model-to-agent",
  title: "Model → Agent: replies come from the served model via /api/v1/chat, /v1/chat/completions and a stream",
  integration: "model-to-agent",
  timeoutMs: 300_000,
  async run(ctx) {
    const expectedModel = ctx.config.EXPECTED_MODEL_ID;
    const chat = await askAgent(ctx, "Say hello to the ONE-DATA-STUDIO team in one short sentence.");
    expectEqual("model that produced the /api/v1/chat reply", expectedModel, chat.model);

    const { body: completion } = await requestJson<{
      choices?: { message?: { content?: string } }[];
      served_model?: string;
    }>("POST", `${ctx.agentApi}/v1/chat/completions`, {
      body: { model: "one-data-agent", messages: [{ role: "user", content: "Reply with a short greeting." }] },
      timeoutMs: ctx.requestTimeoutMs,
    });
    const content = completion.choices?.[0]?.message?.content ?? "";
    expectThat(content.trim() !== "", `agent /v1/chat/completions returned no content: ${show(completion)}`);
    expectEqual("model behind the agent's /v1/chat/completions", expectedModel, completion.served_model);

    const streamed = await streamChat(ctx, "Name one colour.");
    expectThat(streamed.deltas > 0, "the streamed reply sent no delta events");
    expectEqual("streamed deltas joined equal the final reply", streamed.final, streamed.joined);
    return `chat by ${chat.model}: ${show(chat.reply)}; completions: ${show(content)}; stream: ${streamed.deltas} deltas`;
  },
};

async function streamChat(ctx: SuiteContext, message: string): Promise<{ deltas: number; joined: string; final: string }> {
  const res = await fetch(`${ctx.agentApi}/api/v1/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ message, stream: true }),
    signal: AbortSignal.timeout(ctx.requestTimeoutMs),
  });
  expectThat(res.ok, `streamed /api/v1/chat answered ${res.status}`);
  expectThat(
    (res.headers.get("content-type") ?? "").startsWith("text/event-stream"),
    `streamed /api/v1/chat is not an event stream: ${res.headers.get("content-type")}`,
  );
  let deltas = 0;
  let joined = "";
  let final: string | undefined;
  for (const event of (await res.text()).split("\n\n")) {
    const name = /^event: (.+)$/m.exec(event)?.[1];
    const data = /^data: (.+)$/m.exec(event)?.[1];
    if (!name || data === undefined) continue;
    const payload = JSON.parse(data) as { text?: string; reply?: string; message?: string };
    if (name === "delta") {
      deltas += 1;
      joined += payload.text ?? "";
    } else if (name === "done") {
      final = payload.reply;
    } else if (name === "error") {
      throw new CheckFailure(`the stream ended with an error: ${show(payload)}`);
    }
  }
  if (final === undefined) throw new CheckFailure("the stream ended without a done event");
  return { deltas, joined, final };
}

function sameStructure(what: string, expected: SchemaColumn[], actual: SchemaColumn[]): void {
  expectEqual(`${what}: column count`, expected.length, actual.length);
  expected.forEach((column, i) => {
    const used = actual[i]!;
    for (const field of ["name", "type", "nullable"] as const) {
      expectEqual(`${what}: column ${i + 1} (${column.name}) ${field}`, column[field], used[field]);
    }
  });
}

export const dataToAgent: Check<SuiteContext> = {
  id: "integration.data-to-agent",
  title: "Data → Agent: the table structure the agent used equals the Data API's schema, field by field",
  integration: "data-to-agent",
  timeoutMs: 300_000,
  async run(ctx) {
    const dataset = await datasetByName(ctx, seedDatasetName);
    const schema = await callApi<{ columns: SchemaColumn[] }>(
      "GET",
      `${ctx.dataApi}/api/v1/datasets/${dataset.dataset_id}/schema?version=${dataset.version}`,
      { timeoutMs: ctx.requestTimeoutMs },
    );
    const rows = parseCsv(await datasetFile(ctx, dataset));
    const answer = await askAgent(ctx, `数据集 ${seedDatasetName} 一共有多少笔订单？`);
    const used = answer.sources?.tables?.find((t) => t.dataset_id === dataset.dataset_id);
    if (!used) throw new CheckFailure(`the agent reported no table structure for ${dataset.dataset_id}: ${show(answer.sources)}`);
    expectEqual("version of the table the agent used", String(dataset.version), String(used.version));
    sameStructure(`${dataset.dataset_id} structure`, schema.columns, used.columns);
    const counted = answer.sources?.sql?.rows.flatMap((row) => Object.values(row)).map(Number);
    if (!counted?.includes(rows.length)) throw new WrongAnswer("number of orders", rows.length, answer.sources?.sql?.rows ?? answer.reply);
    return `${used.table}: ${schema.columns.map((c) => `${c.name} ${c.type}${c.nullable ? "?" : ""}`).join(", ")}; count ${rows.length}`;
  },
};

const near = (a: number, b: number) => Math.abs(a - b) < 0.005;

export const endToEnd: Check<SuiteContext> = {
  id: "integration.end-to-end",
  title: "End to end (RAG + SQL): key customers by the glossary's definition, figures computed from the dataset file",
  integration: "end-to-end",
  timeoutMs: 300_000,
  async run(ctx) {
    const dataset = await datasetByName(ctx, seedDatasetName);
    const expected = keyCustomers(parseCsv(await datasetFile(ctx, dataset)));
    const answer = await askAgent(ctx, `在数据集 ${seedDatasetName} 中，哪些客户是大客户？列出每个大客户的订单总金额。`);
    const sql = answer.sources?.sql;
    if (!sql?.sql) throw new WrongAnswer("SQL behind the answer", "a SQL query over the dataset", answer.reply);
    const cited = answer.sources?.documents ?? [];
    const definition = cited.find((d) => d.text.includes(String(keyCustomerMinTotal)) && /大客户|key customer/i.test(d.text));
    if (!definition) throw new WrongAnswer("cited definition of 大客户", `a chunk defining the ${keyCustomerMinTotal} threshold`, cited);
    const found = expected.filter((customer) =>
      sql.rows.some((row) => {
        const values = Object.values(row).map(Number);
        return values.some((v) => v === customer.customer_id) && values.some((v) => near(v, customer.total));
      }),
    );
    if (found.length !== expected.length || sql.rows.length !== expected.length) {
      throw new WrongAnswer("key customers and their totals", expected, sql.rows);
    }
    const missing = expected.filter((c) => !answer.reply.includes(c.total.toFixed(2)));
    if (missing.length > 0) throw new WrongAnswer("totals quoted in the reply", expected.map((c) => c.total.toFixed(2)), answer.reply);
    return `${expected.map((c) => `${c.customer_id}: ${c.total.toFixed(2)}`).join(", ")}; cited [${definition.n}] ${definition.document_name}; SQL: ${sql.sql}`;
  },
};
