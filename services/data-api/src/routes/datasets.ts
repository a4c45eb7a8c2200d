import type Router from "@koa/router";
import { parseInput, success } from "@one-data/platform";
import {
  datasetIdParam,
  downloadQuery,
  ingestsQuery,
  listQuery,
  previewQuery,
  registerBody,
  versionQuery,
} from "@one-data/data-api-contract";
import type { AppDependencies } from "../app-dependencies.js";
import { isKnowledgeFormat } from "../domain/knowledge.js";

export function mountDatasetRoutes(router: Router, deps: AppDependencies): void {
  const { datasets } = deps;
  const id = (value: unknown) => parseInput(datasetIdParam, value, "dataset id");

  router.get("/datasets", async (ctx) => {
    const query = parseInput(listQuery, ctx.query, "query");
    ctx.body = success(await datasets.list(query));
  });

  router.post("/datasets", async (ctx) => {
    const body = parseInput(registerBody, ctx.request.body, "body");
    const created = isKnowledgeFormat(body.format)
      ? await deps.knowledge.registerDataset(body, { removeObjectOnFailure: false })
      : await datasets.register(body);
    ctx.body = success(created);
  });

  router.get("/ingests", async (ctx) => {
    const { name } = parseInput(ingestsQuery, ctx.query, "query");
    ctx.body = success(await datasets.ingesting(name));
  });

  router.get("/datasets/:id", async (ctx) => {
    const { version } = parseInput(versionQuery, ctx.query, "query");
    ctx.body = success(await datasets.get(id(ctx.params.id), version));
  });

  router.get("/datasets/:id/versions", async (ctx) => {
    ctx.body = success(await datasets.versions(id(ctx.params.id)));
  });

  router.get("/datasets/:id/schema", async (ctx) => {
    const datasetId = id(ctx.params.id);
    const { version } = parseInput(versionQuery, ctx.query, "query");
    const { record, schema } = await datasets.tabular(datasetId, version);
    ctx.body = success({
      dataset_id: datasetId,
      version: record.version,
      format: schema.format,
      ...(schema.delimiter === undefined ? {} : { delimiter: schema.delimiter }),
      has_header: schema.has_header,
      row_count: schema.row_count,
      columns: schema.columns.map((c) => ({
        name: c.name,
        comment: c.original,
        type: c.type,
        nullable: c.nullable,
        samples: c.samples,
        sql_type: c.sql_type,
      })),
    });
  });

  router.get("/datasets/:id/preview", async (ctx) => {
    const { limit, version } = parseInput(previewQuery, ctx.query, "query");
    ctx.body = success(await datasets.preview(id(ctx.params.id), limit, version));
  });

  router.get("/datasets/:id/download", async (ctx) => {
    const { version, redirect } = parseInput(downloadQuery, ctx.query, "query");
    const link = await datasets.download(id(ctx.params.id), version);
    if (redirect === "true") {
      ctx.redirect(link.url);
      return;
    }
    ctx.body = success(link);
  });
}
