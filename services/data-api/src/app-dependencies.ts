import type { Compensations, Logger } from "@one-data/platform";
import type { ObjectStore } from "./adapters/s3.js";
import type { DataApiConfig } from "./config.js";
import type { DatasetService } from "./domain/datasets.js";
import type { KnowledgeService } from "./domain/knowledge.js";
import type { QueryService } from "./domain/query.js";

/**
 * Everything the HTTP layer needs, built once by `connectDependencies` (wiring.ts) (or by
 * a test). Features add their service here and mount their router in
 * `routes/index.ts`.
 */
export interface AppDependencies {
  config: DataApiConfig;
  log: Logger;
  datasets: DatasetService;
  query: QueryService;
  knowledge: KnowledgeService;
  objects: ObjectStore;
  /** Background undo of writes a failed request may still cause (a hung dependency answering late). */
  compensations: Compensations;
  /** Readiness checks by dependency name; each throws when its dependency is not usable. */
  readiness: Record<string, () => Promise<void>>;
}
