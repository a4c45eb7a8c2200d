import { createLogger } from "@one-data/platform";
import { DataApiClient, ModelClient, jobSpecSchema, runJob, type JobResult } from "@one-data/model-jobs";
import type { SuiteContext } from "./context.js";

/**
 * Runs the Model layer's batch job (the same code its Kubernetes Job runs) on
 * one dataset. It reaches the Data API and the model only by their endpoints
 * and reads rows through the presigned URL, as in the cluster.
 */
export async function runModelJob(
  ctx: SuiteContext,
  input: { datasetId: string; version: number; column: string; prompt: string },
): Promise<JobResult> {
  const spec = jobSpecSchema.parse({ ...input, maxTokens: 16, concurrency: 2 });
  return runJob(spec, {
    dataApi: new DataApiClient(ctx.dataApi, ctx.requestTimeoutMs),
    model: new ModelClient({ endpoint: ctx.modelEndpoint, apiKey: undefined, timeoutMs: ctx.requestTimeoutMs, maxRetries: 2 }),
    modelName: ctx.config.EXPECTED_MODEL_ID,
    downloadTimeoutMs: ctx.requestTimeoutMs,
    log: createLogger("acceptance-model-job", process.env.LOG_LEVEL ?? "warn"),
  });
}
