import Router from "@koa/router";

export function modelRoutes(modelName: string, startedAt: number): Router {
  const router = new Router();
  router.get("/v1/models", (ctx) => {
    ctx.body = {
      object: "list",
      data: [{ id: modelName, object: "model", created: startedAt, owned_by: "one-data" }],
    };
  });
  router.get("/health", (ctx) => {
    ctx.body = { status: "ok" };
  });
  return router;
}
