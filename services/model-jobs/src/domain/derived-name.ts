import { createHash } from "node:crypto";
import type { JobSpec } from "./job-spec.js";

export interface SourceRef {
  datasetId: string;
  version: number;
  name: string;
}

/**
 * The derived dataset's name is a function of everything that shapes its
 * content, so re-running the same job finds its earlier output instead of
 * registering a duplicate, while a changed prompt or model gets a new name.
 */
export function derivedName(source: SourceRef, spec: JobSpec, model: string): string {
  if (spec.outputName) return spec.outputName;
  const fingerprint = createHash("sha256")
    .update(
      JSON.stringify([
        source.datasetId,
        source.version,
        model,
        spec.prompt,
        spec.column ?? null,
        spec.outputColumn,
        spec.maxTokens,
        spec.temperature,
        spec.limit ?? null,
      ]),
    )
    .digest("hex")
    .slice(0, 10);
  const base = source.name.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 80);
  return `${base}__model_${fingerprint}`;
}
