import type Router from "@koa/router";
import { parseInput, success } from "@one-data/platform";
import { queryBody } from "../api-schemas.js";
import type { AppDeps } from "../app.js";

export function mountQueryRoutes(router: Router, deps: AppDeps): void {
  router.post("/query", async (ctx) => {
    const body = parseInput(queryBody, ctx.request.body, "body");
    ctx.body = success(await deps.query.run(body));
  });
}
