import Router from "@koa/router";
import { success } from "@one-data/platform";
import type { DataApiClient } from "../adapters/data-api-client.js";

/** The seed's proxied dataset list, as the Data API returns it. */
export function datasetRoutes(data: DataApiClient): Router {
  const router = new Router();
  router.get("/api/v1/datasets", async (ctx) => {
    ctx.body = success(await data.datasets());
  });
  return router;
}
