import Router from "@koa/router";
import type { ModelPort, MemoryPort } from "../domain/ports.js";

export function healthRoutes(deps: { model: ModelPort; memory: MemoryPort }): Router {
  const router = new Router();
  // Cheap on purpose (it is the liveness and readiness probe): no calls out, only known state.
  router.get("/api/v1/health", (ctx) => {
    const memory = deps.memory.healthy() ? "ok" : "unavailable";
    const status = memory === "ok" ? "healthy" : "degraded";
    ctx.body = {
      code: 0,
      message: status,
      model_endpoint: deps.model.endpoint,
      data: { status, model_endpoint: deps.model.endpoint, dependencies: { memory } },
    };
  });
  return router;
}
