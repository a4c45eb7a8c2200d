import Router from "@koa/router";
import Koa from "koa";
import {
  errorBody,
  errorEnvelope,
  jsonBody,
  literalRoutesFirst,
  type Logger,
  openAiErrorBody,
  requestLog,
  servedMethods,
} from "@one-data/platform";
import type { DataApiClient } from "./adapters/data-api-client.js";
import { createAgent } from "./domain/agent.js";
import { createConversations } from "./domain/conversations.js";
import type { RouteBudgets } from "./domain/budgets.js";
import type { MemoryPort, ModelPort } from "./domain/ports.js";
import { chatRoutes } from "./routes/chat.js";
import { datasetRoutes } from "./routes/datasets.js";
import { healthRoutes } from "./routes/health.js";
import { openApiRoutes } from "./routes/openapi.js";
import { openAiRoutes, servesOpenAiApi } from "./routes/openai-compatible.js";
import { defaultHeartbeatMs } from "./routes/sse.js";
import { pageRoutes } from "./routes/page.js";

export interface AppDependencies {
  model: ModelPort;
  data: DataApiClient;
  memory: MemoryPort;
  log: Logger;
  /** Deadline of each readiness check. */
  readyTimeoutMs: number;
  /** Each route's deadline and token budget (defaults: domain/budgets.ts). */
  budgets?: RouteBudgets;
  /** How often a stream sends a keep-alive comment while the answer is worked on. */
  heartbeatMs?: number;
}

export const bodyLimit = "64kb";

/** One router over every route, so a known path asked with another method is a 405 whichever part serves it. */
export function createRouter(deps: AppDependencies): Router {
  const agent = createAgent({ model: deps.model, data: deps.data, ...(deps.budgets && { budgets: deps.budgets }) });
  const conversations = createConversations(agent, deps.memory, deps.log);
  const stream = { log: deps.log, heartbeatMs: deps.heartbeatMs ?? defaultHeartbeatMs };
  const router = new Router({ methods: servedMethods });
  for (const part of [
    healthRoutes(deps),
    datasetRoutes(deps.data),
    chatRoutes(conversations, stream),
    openAiRoutes(agent, stream),
    openApiRoutes(),
    pageRoutes(),
  ]) {
    router.use(part.routes());
  }
  return router;
}

export function createApp(deps: AppDependencies): Koa {
  const router = createRouter(deps);
  const app = new Koa();
  app.use(requestLog(deps.log));
  app.use(errorEnvelope(deps.log, (error, ctx) => (servesOpenAiApi(ctx.path) ? openAiErrorBody(error) : errorBody(error))));
  app.use(jsonBody(bodyLimit));
  app.use(literalRoutesFirst(router));
  app.use(router.routes());
  // A known path with another method (TRACE and PROPFIND included): the router answers 405 with Allow, the envelope gives it a code.
  app.use(router.allowedMethods());
  return app;
}

export { createAgent } from "./domain/agent.js";
export type { AgentAnswer } from "./domain/agent.js";
