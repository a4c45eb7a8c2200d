import { envelopeOf } from "@one-data/platform";
import { z } from "zod";

/**
 * Request and response shapes of the Agent API. Routes validate input with
 * them and the OpenAPI document (openapi.ts) is generated from them.
 */
export const maxMessageChars = 8000;

export const conversationId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, - or _");

export const chatRequest = z.object({
  // The limit applies to what the client sent (before trimming), so the document's maxLength is what is enforced.
  message: z.string().max(maxMessageChars, `must be at most ${maxMessageChars} characters`).trim().min(1, "must not be empty"),
  conversation_id: conversationId.optional(),
  stream: z.boolean().optional().meta({ description: "answer as Server-Sent Events: delta events, then done or error" }),
});

const messageContent = z.union([
  z.string(),
  z.array(z.object({ type: z.string(), text: z.string().optional() })).transform((parts) =>
    parts
      .filter((p) => p.type === "text")
      .map((p) => p.text ?? "")
      .join(""),
  ),
]);

export const completionRequest = z.object({
  model: z.string().min(1),
  messages: z
    .array(z.object({ role: z.enum(["system", "developer", "user", "assistant", "tool"]), content: messageContent.nullish() }))
    .min(1, "must not be empty")
    .max(100),
  stream: z.boolean().optional(),
});

const routes = ["chat", "sql", "rag", "both", "refuse_write"] as const;

const row = z.record(z.string(), z.unknown());
const columnOfResult = z.object({ name: z.string(), type: z.string() });

const sourcesSchema = z.object({
  sql: z
    .object({
      sql: z.string(),
      dataset_id: z.string(),
      dataset_name: z.string(),
      version: z.string(),
      table: z.string(),
      row_count: z.number().int(),
      truncated: z.boolean(),
      columns: z.array(columnOfResult),
      rows: z.array(row),
      attempts: z.number().int(),
    })
    .optional()
    .meta({ description: "the SQL behind every figure in the reply, as the Data API ran it" }),
  documents: z
    .array(
      z.object({
        n: z.number().int(),
        document_id: z.string(),
        document_name: z.string(),
        chunk_id: z.string(),
        position: z.number(),
        score: z.number(),
        text: z.string(),
      }),
    )
    .optional()
    .meta({ description: "the chunks cited [n] in the reply" }),
  tables: z
    .array(
      z.object({
        dataset_id: z.string(),
        dataset_name: z.string(),
        version: z.string(),
        table: z.string(),
        columns: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean(), comment: z.string().nullable() })),
      }),
    )
    .optional()
    .meta({ description: "the table structures the model was given for a data question" }),
  query_failures: z
    .array(z.string())
    .optional()
    .meta({ description: "why no query could be run, when the model gave none that was usable" }),
});

const timings = z.object({ model_ms: z.number(), data_api_ms: z.number(), total_ms: z.number() });

const answerSchema = z.object({
  reply: z.string(),
  conversation_id: z.string(),
  route: z.enum(routes),
  model: z.string().nullable().meta({ description: "the served model that took part (null when none was asked)" }),
  sources: sourcesSchema,
  degraded: z
    .array(z.string())
    .meta({ description: "dependencies that failed without stopping the answer (memory, knowledge-search, data-api)" }),
  timings,
});

const turn = z.object({ role: z.enum(["user", "assistant"]), content: z.string() });

export const healthResult = z.object({
  code: z.literal(0),
  message: z.literal("healthy"),
  model_endpoint: z.string(),
  data: z.object({ status: z.literal("healthy"), model_endpoint: z.string() }),
});
export const readyResult = envelopeOf(z.object({ checks: z.record(z.string(), z.literal("ok")) }));
export const conversationResult = envelopeOf(z.object({ conversation_id: z.string(), messages: z.array(turn) }));
export const deletedConversationResult = envelopeOf(z.object({ conversation_id: z.string(), deleted: z.literal(true) }));
export const datasetsResult = envelopeOf(z.unknown().meta({ description: "the Data API's dataset list, as it answered" }));
export const chatResult = envelopeOf(answerSchema);

export const openAiError = z.object({
  error: z.object({ message: z.string(), type: z.enum(["invalid_request_error", "server_error"]), code: z.string(), param: z.null() }),
});

export const modelList = z.object({
  object: z.literal("list"),
  data: z.array(z.object({ id: z.string(), object: z.literal("model"), created: z.number().int(), owned_by: z.string() })),
});

export const completionResult = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({ role: z.literal("assistant"), content: z.string() }),
      finish_reason: z.literal("stop"),
      logprobs: z.null(),
    }),
  ),
  usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() }),
  route: z.enum(routes),
  served_model: z.string().nullable(),
  sources: sourcesSchema,
  degraded: z.array(z.string()),
});
