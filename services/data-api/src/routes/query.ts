import type Router from "@koa/router";
import { parseInput, success } from "@one-data/platform";
import { queryBody } from "@one-data/data-api-contract";
import type { AppDependencies } from "../app-dependencies.js";

export function mountQueryRoutes(router: Router, deps: AppDependencies): void {
  router.post("/query", async (ctx) => {
    const body = parseInput(queryBody, ctx.request.body, "body");
    ctx.body = success(await deps.query.run(body));
  });
}
