/**
 * The answers of the Agent API. It builds its OpenAPI document from them and types its domain by them; its
 * clients parse its answers with them, so none of the three can drift from the others. Its requests stay with
 * the routes that parse them (services/agent-api/src/api-schemas.ts).
 */
import { z } from "zod";

export const agentRoutes = ["chat", "sql", "rag", "both", "refuse_write"] as const;

const row = z.record(z.string(), z.unknown());
const columnOfResult = z.object({ name: z.string(), type: z.string() });

export const answerSources = z.object({
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

/** The `data` of a `POST /api/v1/chat` answer (the envelope is the platform's). */
export const chatAnswer = z.object({
  reply: z.string(),
  conversation_id: z.string(),
  route: z.enum(agentRoutes),
  model: z.string().nullable().meta({ description: "the served model that took part (null when none was asked)" }),
  sources: answerSources,
  degraded: z
    .array(z.string())
    .meta({ description: "dependencies that failed without stopping the answer (memory, knowledge-search, data-api)" }),
  timings,
});

const turn = z.object({ role: z.enum(["user", "assistant"]), content: z.string() });

/** The data of `GET /api/v1/ready`, `GET` and `DELETE /api/v1/conversations/:id` answers. */
export const readyChecks = z.object({ checks: z.record(z.string(), z.literal("ok")) });
export const conversation = z.object({ conversation_id: z.string(), messages: z.array(turn) });
export const deletedConversation = z.object({ conversation_id: z.string(), deleted: z.literal(true) });

/** `GET /api/v1/health` answers outside the envelope's `data` too, for probes that read the top level. */
export const healthResult = z.object({
  code: z.literal(0),
  message: z.literal("healthy"),
  model_endpoint: z.string(),
  data: z.object({ status: z.literal("healthy"), model_endpoint: z.string() }),
});

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
  route: z.enum(agentRoutes),
  served_model: z.string().nullable(),
  sources: answerSources,
  degraded: z.array(z.string()),
});

export type AgentRoute = z.infer<typeof chatAnswer>["route"];
export type AnswerSources = z.infer<typeof answerSources>;
export type SqlProvenance = NonNullable<AnswerSources["sql"]>;
export type DocumentCitation = NonNullable<AnswerSources["documents"]>[number];
export type TableStructure = NonNullable<AnswerSources["tables"]>[number];
export type ChatAnswer = z.infer<typeof chatAnswer>;
