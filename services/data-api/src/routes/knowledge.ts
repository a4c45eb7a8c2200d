import type Router from "@koa/router";
import { parseInput, success } from "@one-data/platform";
import type { AppDependencies } from "../app-dependencies.js";
import { datasetIdParam, registerDocumentBody, vectorSearchBody } from "@one-data/data-api-contract";

/** Knowledge documents and vector search (paths relative to /api/v1). */
export function mountKnowledgeRoutes(router: Router, deps: AppDependencies): void {
  const { knowledge } = deps;

  router.post("/knowledge/documents", async (ctx) => {
    const body = parseInput(registerDocumentBody, ctx.request.body, "body");
    ctx.status = 201;
    ctx.body = success(await knowledge.register(body));
  });

  router.get("/knowledge/documents", async (ctx) => {
    ctx.body = success(await knowledge.list());
  });

  router.delete("/knowledge/documents/:id", async (ctx) => {
    const id = parseInput(datasetIdParam, ctx.params.id, "document id");
    ctx.body = success(await knowledge.remove(id));
  });

  router.post("/vector/search", async (ctx) => {
    const body = parseInput(vectorSearchBody, ctx.request.body, "body");
    const filter = body.filters?.document_id;
    const documentIds = filter === undefined ? undefined : Array.isArray(filter) ? filter : [filter];
    ctx.body = success({ results: await knowledge.search(body.query, body.top_k, documentIds) });
  });
}
