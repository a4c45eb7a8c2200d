import { createHash } from "node:crypto";
import { arithmeticReply, offeredTables, pickOption, promptParts, writeQuery } from "../../doubles/competent-reader.js";
import { OpenAiDouble, type ChatRequestView } from "../../doubles/openai-double.js";

/**
 * The scripted OpenAI-compatible double for the gating acceptance run. It
 * plays a competent model with only what the agent sent (see
 * test/doubles/competent-reader.ts): the query comes from the question line,
 * the tables and column enums the agent offered and the chunks it retrieved.
 * If the agent offers the wrong table or retrieves the wrong chunk, the
 * double's answer is wrong too.
 */

const jsonSchemaOf = (request: ChatRequestView): Record<string, unknown> | undefined => {
  const format = request.body.response_format as { type?: string; json_schema?: { schema?: Record<string, unknown> } } | undefined;
  return format?.type === "json_schema" ? format.json_schema?.schema : undefined;
};

/** The options of a one-decision schema (`{"choice": enum}`), when the agent asks for a pick rather than a query. */
function choiceOptions(schema: Record<string, unknown>): string[] | undefined {
  const choice = (schema.properties as { choice?: { enum?: unknown } } | undefined)?.choice;
  return Array.isArray(choice?.enum) ? choice.enum.map(String) : undefined;
}

function structuredQuery(request: ChatRequestView, schema: Record<string, unknown>): string {
  // The first user message is the agent's prompt; later ones only report a failed attempt.
  const prompt = request.messages.find((m) => m.role === "user")?.content ?? "";
  const options = choiceOptions(schema);
  if (options) return JSON.stringify({ choice: pickOption(promptParts(prompt).question, options, prompt) });
  const { question, documents } = promptParts(prompt);
  const query = writeQuery({ question, documents, tables: offeredTables(schema, prompt) });
  return query ? JSON.stringify(query) : "I cannot write a query over the tables offered.";
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

/** `as`: the model name and address it serves under (a pod standing in for vLLM, test/node); the local run's otherwise. */
export async function startScriptedModel(as?: { modelName: string; listen: { host: string; port: number } }): Promise<OpenAiDouble> {
  const model = await OpenAiDouble.start({ modelName: "scripted-double/acceptance", embeddingDimension, ...as });
  model.onEmbedding(termEmbedding);
  model.onChat(
    () => true,
    (request) => ({
      content: arithmeticReply(request.lastUserText) ?? `Hello from the scripted double: ${request.lastUserText.slice(0, 40)}`,
    }),
  );
  model.onChat(
    (request) => jsonSchemaOf(request) !== undefined,
    (request) => ({ content: structuredQuery(request, jsonSchemaOf(request)!) }),
  );
  return model;
}
