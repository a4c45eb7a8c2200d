import type Router from "@koa/router";
import { parseInput, success } from "@one-data/platform";
import { metadataQuery } from "@one-data/data-api-contract";
import type { AppDependencies } from "../app-dependencies.js";

export function mountMetadataRoutes(router: Router, deps: AppDependencies): void {
  router.get("/metadata/tables", async (ctx) => {
    const query = parseInput(metadataQuery, ctx.query, "query");
    const keywords = (query.keywords ?? "")
      .split(",")
      .map((k) => k.trim())
      .filter((k) => k !== "");
    ctx.body = success(await deps.datasets.metadataTables(keywords, query.sample_rows));
  });
}
