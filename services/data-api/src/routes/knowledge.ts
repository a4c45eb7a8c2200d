import type Router from "@koa/router";
import { parseInput, success } from "@one-data/platform";
import { z } from "zod";
import type { AppDeps } from "../app.js";
import { datasetIdParam } from "../api-schemas.js";
import { knowledgeFormats } from "../domain/knowledge.js";

const registerDocumentBody = z
  .object({
    name: z.string().trim().min(1).max(255),
    format: z.enum(knowledgeFormats).optional(),
    description: z.string().max(10_000).optional(),
    content: z.string().min(1).optional(),
    storage_path: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/, "must look like s3://bucket/key").optional(),
  })
  .strict()
  .refine((body) => (body.content === undefined) !== (body.storage_path === undefined), "give exactly one of content or storage_path");

const searchBody = z
  .object({
    query: z.string().trim().min(1).max(4000),
    top_k: z.number().int().min(1).max(50).default(5),
    filters: z.object({ document_id: z.union([datasetIdParam, z.array(datasetIdParam).min(1).max(100)]).optional() }).strict().optional(),
  })
  .strict();

/** Knowledge documents and vector search (paths relative to /api/v1). */
export function mountKnowledgeRoutes(router: Router, deps: AppDeps): void {
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
    const body = parseInput(searchBody, ctx.request.body, "body");
    const filter = body.filters?.document_id;
    const documentIds = filter === undefined ? undefined : Array.isArray(filter) ? filter : [filter];
    ctx.body = success({ results: await knowledge.search(body.query, body.top_k, documentIds) });
  });
}
