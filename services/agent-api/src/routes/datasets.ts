import Router from "@koa/router";
import { datasetIdSchema } from "@one-data/data-api-contract";
import { parseInput } from "@one-data/platform";
import { z } from "zod";
import type { Context } from "koa";
import type { DataApiClient, ForwardRequest } from "../adapters/data-api-client.js";

/** Uploads stream a whole file through; the Data API bounds them itself (UPLOAD_MAX_BYTES). */
const uploadTimeoutMs = 15 * 60_000;

/**
 * The seed's proxied dataset list, as the Data API returns it, and what the
 * page at / needs of the Data API (detail, schema, preview, upload), passed
 * through so the page has one origin and the Data API need not be exposed.
 */
const datasetIdPath = z.object({ id: datasetIdSchema });

export function datasetRoutes(data: DataApiClient): Router {
  const router = new Router();
  const pass = async (ctx: Context, request: ForwardRequest) => {
    const reply = await data.forward(request);
    ctx.status = reply.status;
    ctx.body = reply.body;
  };
  const query = (ctx: Context) => (ctx.querystring ? `?${ctx.querystring}` : "");
  const datasetPath = (ctx: Context, tail = "") => {
    const { id } = parseInput(datasetIdPath, ctx.params, "path");
    return `/api/v1/datasets/${id}${tail}${query(ctx)}`;
  };

  // ?limit=&offset=&name= as the Data API reads them (it pages by 100 unless asked).
  router.get("/api/v1/datasets", (ctx) => pass(ctx, { method: "GET", path: `/api/v1/datasets${query(ctx)}` }));
  router.post("/api/v1/datasets/upload", async (ctx) => {
    // Streamed on as it arrives (chunked), never held in memory here.
    const headers = { "content-type": ctx.get("content-type") };
    await pass(ctx, { method: "POST", path: "/api/v1/datasets/upload", headers, body: ctx.req, timeoutMs: uploadTimeoutMs });
  });
  router.get("/api/v1/datasets/:id", (ctx) => pass(ctx, { method: "GET", path: datasetPath(ctx) }));
  router.get("/api/v1/datasets/:id/schema", (ctx) => pass(ctx, { method: "GET", path: datasetPath(ctx, "/schema") }));
  router.get("/api/v1/datasets/:id/preview", (ctx) => pass(ctx, { method: "GET", path: datasetPath(ctx, "/preview") }));
  return router;
}
