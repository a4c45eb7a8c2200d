import { completionResult, healthResult, modelList, openAiError } from "@one-data/agent-api-contract";
import { datasetIdSchema, datasetListQuery } from "@one-data/data-api-contract";
import { buildOpenApi, errorBodySchema, errorResponse, type ApiOperation, type ApiResponse } from "@one-data/platform";
import { z } from "zod";
import {
  chatRequest,
  chatResult,
  completionRequest,
  conversationId,
  conversationResult,
  datasetsResult,
  deletedConversationResult,
  readyResult,
} from "./api-schemas.js";

const openAi = (description: string): ApiResponse => ({ description, ref: "OpenAiError" });

const dependencyDown = errorResponse(
  "a dependency is unavailable (50301; details.dependency says which: data-api, model, knowledge-search, memory)",
);
const dependencySlow = errorResponse("a dependency did not answer within its deadline (50401; details.dependency, details.timeout_ms)");
const badBody = errorResponse("invalid request (40001) or malformed JSON (40002)");
const tooLarge = errorResponse("body too large (41301)");
const idParam = z.object({ id: conversationId });
const datasetIdParam = z.object({ id: datasetIdSchema });
/** Routes the page uses, passed through to the Data API (routes/datasets.ts). */
const passedThrough = (what: string): Record<number, ApiResponse> => ({
  200: { description: `the Data API's ${what}, unchanged`, json: z.object({ code: z.literal(0), message: z.string(), data: z.unknown() }) },
  400: errorResponse("a dataset id not of the documented pattern (40001), or the Data API's refusal, passed through unchanged"),
  404: errorResponse("no such dataset (the Data API's answer, unchanged)"),
  503: dependencyDown,
  504: dependencySlow,
});
const pageFile = (path: string, what: string): ApiOperation => ({
  method: "get",
  path,
  summary: `The page at / (${what}; static, bilingual): ask, browse datasets, upload a CSV`,
  responses: { 200: { description: what }, 304: { description: "not modified (If-None-Match matched its ETag)" } },
});

/** Every route the agent serves, with its shapes. A test checks the router against this list. */
const operations: ApiOperation[] = [
  {
    method: "get",
    path: "/api/v1/health",
    summary: "Liveness probe: the process answers; calls no other service",
    responses: { 200: { description: "alive", json: healthResult } },
  },
  {
    method: "get",
    path: "/api/v1/ready",
    summary: "Readiness probe: the Data API, the model and Redis each answer within AGENT_READY_TIMEOUT_MS",
    responses: {
      200: { description: "ready", json: readyResult },
      503: errorResponse("not ready (50301): details.dependency names the first dependency down, details.checks says why for each"),
    },
  },
  {
    method: "post",
    path: "/api/v1/chat",
    summary:
      "Ask a question: answered by SQL over the datasets, from documents (RAG), both, plain chat, or refused (route refuse_write) when it asks to change data. stream:true or Accept: text/event-stream answers as Server-Sent Events: delta events, keep-alive comments, then one done or error event",
    body: { json: chatRequest },
    responses: {
      200: { description: "the answer (or, streamed, its events)", json: chatResult, eventStream: true },
      400: badBody,
      413: tooLarge,
      503: dependencyDown,
      504: dependencySlow,
    },
  },
  {
    method: "get",
    path: "/api/v1/conversations/:id",
    summary: "A conversation's remembered messages (the last AGENT_MEMORY_MAX_MESSAGES)",
    pathParams: idParam,
    responses: {
      200: { description: "the messages", json: conversationResult },
      400: errorResponse("invalid conversation id (40001)"),
      404: errorResponse("no such conversation (40401)"),
      503: dependencyDown,
      504: dependencySlow,
    },
  },
  {
    method: "delete",
    path: "/api/v1/conversations/:id",
    summary: "Forget a conversation",
    pathParams: idParam,
    responses: {
      200: { description: "forgotten (also when it did not exist)", json: deletedConversationResult },
      400: errorResponse("invalid conversation id (40001)"),
      503: dependencyDown,
      504: dependencySlow,
    },
  },
  {
    method: "get",
    path: "/api/v1/datasets",
    summary: "The Data API's dataset list, proxied (the seed's contract); ?limit=, ?offset= and ?name= passed on",
    query: datasetListQuery,
    responses: {
      200: { description: "the list", json: datasetsResult },
      400: errorResponse("a bad limit, offset or name (the Data API's refusal, unchanged)"),
      503: dependencyDown,
      504: dependencySlow,
    },
  },
  {
    method: "get",
    path: "/api/v1/datasets/:id",
    summary: "A dataset's registration (for the page), from the Data API",
    pathParams: datasetIdParam,
    responses: passedThrough("dataset"),
  },
  {
    method: "get",
    path: "/api/v1/datasets/:id/schema",
    summary: "A tabular dataset's columns and types (for the page), from the Data API",
    pathParams: datasetIdParam,
    responses: passedThrough("schema"),
  },
  {
    method: "get",
    path: "/api/v1/datasets/:id/preview",
    summary: "A tabular dataset's first rows (?limit=, for the page), from the Data API",
    pathParams: datasetIdParam,
    responses: passedThrough("preview"),
  },
  {
    method: "post",
    path: "/api/v1/datasets/upload",
    summary: "Register a file by multipart upload (fields name, format, then file), streamed on to the Data API",
    responses: {
      ...passedThrough("new registration"),
      413: errorResponse("the file exceeds the Data API's upload limit (41301)"),
      415: errorResponse("not multipart/form-data (41501)"),
    },
  },
  pageFile("/", "the HTML"),
  pageFile("/ui/app.js", "its script"),
  pageFile("/ui/style.css", "its style sheet"),
  {
    method: "get",
    path: "/api/v1/openapi.json",
    summary: "This document",
    responses: { 200: { description: "OpenAPI 3.1 document", json: z.object({ openapi: z.literal("3.1.0") }).loose() } },
  },
  {
    method: "get",
    path: "/v1/models",
    summary: "OpenAI-compatible: the one model the agent serves, one-data-agent",
    responses: { 200: { description: "the model list", json: modelList } },
  },
  {
    method: "post",
    path: "/v1/chat/completions",
    summary:
      "OpenAI-compatible chat: the last user message is the question, earlier user/assistant messages its history; route, served_model, sources and degraded as extra fields (on the last chunk when streaming). Errors in OpenAI's format, codes ours",
    body: { json: completionRequest },
    responses: {
      200: { description: "the completion (or, streamed, its chunks)", json: completionResult, eventStream: true },
      400: openAi("invalid request (40001) or malformed JSON (40002)"),
      404: openAi("unknown model (40401): use one-data-agent"),
      413: openAi("body too large (41301)"),
      503: openAi("a dependency is unavailable (50301)"),
      504: openAi("a dependency did not answer within its deadline (50401)"),
    },
  },
];

export function buildOpenApiDocument(): Record<string, unknown> {
  return buildOpenApi({
    title: "ONE-DATA-STUDIO Agent API",
    version: "0.1.0",
    description:
      "L4 Agent layer: questions answered through the model from the Data API's datasets (SQL) and documents (RAG), with provenance; conversation memory in Redis; the same agent behind an OpenAI-compatible /v1. /api/v1 answers in the {code, message, data} envelope, /v1 in OpenAI's formats; error codes are the HTTP status followed by two digits.",
    operations,
    components: { Error: errorBodySchema, OpenAiError: openAiError },
  });
}
