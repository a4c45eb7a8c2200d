import Router from "@koa/router";
import { errorEnvelope, jsonBody, methodNotAllowed, requestLog, type Compensations, type Logger } from "@one-data/platform";
import Koa from "koa";
import type { ObjectStore } from "./adapters/s3.js";
import type { DataApiConfig } from "./config.js";
import type { DatasetService } from "./domain/datasets.js";
import type { KnowledgeService } from "./domain/knowledge.js";
import type { QueryService } from "./domain/query.js";
import { mountRoutes } from "./routes/index.js";

/**
 * Everything the HTTP layer needs, built once by `createDependencies` (or by
 * a test). Features add their service here and mount their router in
 * `routes/index.ts`.
 */
export interface AppDeps {
  config: DataApiConfig;
  log: Logger;
  datasets: DatasetService;
  query: QueryService;
  knowledge: KnowledgeService;
  objects: ObjectStore;
  /** Background undo of writes a failed request may still cause (a hung dependency answering late). */
  compensations: Compensations;
  /** Readiness checks by dependency name; each throws when its dependency is not usable. */
  readiness: Record<string, () => Promise<void>>;
}

export function createRouter(deps: AppDeps): Router {
  const router = new Router({ prefix: "/api/v1" });
  mountRoutes(router, deps);
  return router;
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  const router = createRouter(deps);
  // The access log sits outside the error envelope so it records the status the client got.
  app.use(requestLog(deps.log));
  app.use(errorEnvelope(deps.log));
  app.use(methodNotAllowed(router));
  app.use(jsonBody(deps.config.JSON_BODY_LIMIT));
  app.use(router.routes());
  return app;
}
