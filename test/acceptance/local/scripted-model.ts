import { createHash } from "node:crypto";
import { OpenAiDouble, type ChatRequestView } from "../../doubles/openai-double.js";

/**
 * The scripted OpenAI-compatible double for the gating acceptance run. It
 * plays a competent model for the suite's questions, but only with what the
 * agent actually put in the prompt: the table name comes from the JSON schema
 * the agent sent, and the key-customer threshold from the document chunks the
 * agent retrieved. If retrieval or the schema is wrong, its answer is wrong too.
 */

const jsonSchemaOf = (request: ChatRequestView): Record<string, unknown> | undefined => {
  const format = request.body.response_format as { type?: string; json_schema?: { schema?: Record<string, unknown> } } | undefined;
  return format?.type === "json_schema" ? format.json_schema?.schema : undefined;
};

function tableFromSchema(schema: Record<string, unknown>): string | undefined {
  const found = JSON.stringify(schema).match(/"table":\{[^{}]*"const":"([A-Za-z0-9_]+)"/);
  return found?.[1];
}

function thresholdFromPrompt(request: ChatRequestView): number | undefined {
  const prompt = request.messages.map((m) => m.content).join("\n");
  const found = /大客户[^\n]*?不少于\s*(\d+(?:\.\d+)?)/.exec(prompt) ?? /key customer[^\n]*?at least\s*(\d+(?:\.\d+)?)/i.exec(prompt);
  return found ? Number(found[1]) : undefined;
}

function structuredQuery(request: ChatRequestView, schema: Record<string, unknown>): string {
  const table = tableFromSchema(schema) ?? "unknown_table";
  // The agent's prompt also carries retrieved documents (which may mention
  // 大客户 whatever was asked); only its "Question:" line is the question.
  const question = /^Question: (.*)$/m.exec(request.lastUserText)?.[1] ?? request.lastUserText;
  const base = { table, filters: [], having: [], order_by: [], limit: 100, count_result_rows: false };
  if (/大客户|key customer/i.test(question)) {
    const threshold = thresholdFromPrompt(request);
    return JSON.stringify({
      ...base,
      select: [
        { column: "customer_id", aggregate: "none" },
        { column: "amount", aggregate: "sum" },
      ],
      group_by: ["customer_id"],
      having: threshold === undefined ? [] : [{ column: "amount", aggregate: "sum", op: ">=", value: threshold }],
      order_by: [{ column: "customer_id", aggregate: "none", direction: "asc" }],
    });
  }
  return JSON.stringify({ ...base, select: [{ column: "*", aggregate: "count" }], group_by: [] });
}

const embeddingDimension = 256;

/**
 * Hashed character bigrams (Chinese has no spaces) and words: texts that share
 * terms get similar vectors, so retrieval in the gating run ranks by content,
 * not by chance.
 */
function termEmbedding(text: string): number[] {
  const vector = new Array<number>(embeddingDimension).fill(0);
  const lower = text.toLowerCase();
  const terms = [...(lower.match(/[a-z0-9]+/g) ?? [])];
  const chars = [...lower.replace(/[^\p{L}\p{N}]/gu, "")];
  for (let i = 0; i + 1 < chars.length; i++) terms.push(chars[i]! + chars[i + 1]!);
  for (const term of terms) vector[createHash("md5").update(term).digest().readUInt16BE(0) % embeddingDimension]! += 1;
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0)) || 1;
  return vector.map((v) => v / norm);
}

export async function startScriptedModel(): Promise<OpenAiDouble> {
  const model = await OpenAiDouble.start({ modelName: "scripted-double/acceptance", embeddingDimension });
  model.onEmbedding(termEmbedding);
  model.onChat(() => true, (request) => ({ content: `Hello from the scripted double: ${request.lastUserText.slice(0, 40)}` }));
  model.onChat((request) => /2\s*\+\s*2/.test(request.lastUserText), { content: "2+2 等于 4。" });
  model.onChat(
    (request) => jsonSchemaOf(request) !== undefined,
    (request) => ({ content: structuredQuery(request, jsonSchemaOf(request)!) }),
  );
  return model;
}
