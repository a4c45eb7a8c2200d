import type Router from "@koa/router";
import type { AppDependencies } from "../app-dependencies.js";
import { mountDatasetRoutes } from "./datasets.js";
import { mountHealthRoutes } from "./health.js";
import { mountKnowledgeRoutes } from "./knowledge.js";
import { mountMetadataRoutes } from "./metadata.js";
import { mountOpenApiRoute } from "./openapi.js";
import { mountQueryRoutes } from "./query.js";
import { mountUploadRoute } from "./upload.js";

/** The one place routers are mounted (paths are relative to /api/v1). */
export function mountRoutes(router: Router, deps: AppDependencies): void {
  mountHealthRoutes(router, deps);
  mountUploadRoute(router, deps);
  mountDatasetRoutes(router, deps);
  mountMetadataRoutes(router, deps);
  mountQueryRoutes(router, deps);
  mountKnowledgeRoutes(router, deps);
  mountOpenApiRoute(router);
}
