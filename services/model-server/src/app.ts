import Router from "@koa/router";
import Koa from "koa";
import { errorEnvelope, jsonBody, literalRoutesFirst, type Logger, openAiErrorBody, requestLog, servedMethods } from "@one-data/platform";
import type { LocalModel } from "./adapters/local-model.js";
import type { ModelServerConfig } from "./config.js";
import { chatCompletionRoutes } from "./routes/chat-completions.js";
import { embeddingRoutes } from "./routes/embeddings.js";
import { modelRoutes } from "./routes/models.js";

export function createApp(config: ModelServerConfig, model: LocalModel, log: Logger): Koa {
  const app = new Koa();
  const startedAt = Math.floor(Date.now() / 1000);
  app.use(requestLog(log));
  // This server speaks only the OpenAI API, so every failure takes its error format.
  app.use(errorEnvelope(log, openAiErrorBody));
  app.use(jsonBody("2mb"));
  // One router over every route, so a known path asked with another method is a 405 whichever part serves it.
  const router = new Router({ methods: servedMethods });
  for (const part of [
    modelRoutes(config.MODEL_NAME, startedAt),
    chatCompletionRoutes(model, config.MODEL_NAME, config.MODEL_MAX_TOKENS, log),
    embeddingRoutes(model, config.MODEL_NAME),
  ]) {
    router.use(part.routes());
  }
  app.use(literalRoutesFirst(router));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

export { LocalModel } from "./adapters/local-model.js";
export { loadModelServerConfig, type ModelServerConfig } from "./config.js";
