import Router from "@koa/router";
import { errorEnvelope, jsonBody, literalRoutesFirst, requestLog, servedMethods } from "@one-data/platform";
import Koa from "koa";
import type { AppDependencies } from "./app-dependencies.js";
import { mountRoutes } from "./routes/index.js";

export function createRouter(deps: AppDependencies): Router {
  const router = new Router({ prefix: "/api/v1", methods: servedMethods });
  mountRoutes(router, deps);
  return router;
}

export function createApp(deps: AppDependencies): Koa {
  const app = new Koa();
  app.proxy = true;
  const router = createRouter(deps);
  // The access log sits outside the error envelope so it records the status the client got.
  app.use(requestLog(deps.log));
  app.use(errorEnvelope(deps.log));
  app.use(jsonBody(deps.config.JSON_BODY_LIMIT));
  app.use(literalRoutesFirst(router));
  app.use(router.routes());
  // A served path asked with another method: the router answers 405 with Allow, the envelope gives it a code.
  app.use(router.allowedMethods());
  return app;
}
