import type Router from "@koa/router";
import { buildOpenApiDocument } from "../openapi.js";

export function mountOpenApiRoute(router: Router): void {
  const document = buildOpenApiDocument();
  router.get("/openapi.json", (ctx) => {
    ctx.body = document;
  });
}
