import Router from "@koa/router";
import { buildOpenApiDocument } from "../openapi.js";

export function openApiRoutes(): Router {
  const router = new Router();
  const document = buildOpenApiDocument();
  router.get("/api/v1/openapi.json", (ctx) => {
    ctx.body = document;
  });
  return router;
}
