import { envVar, loadConfig } from "@one-data/platform";
import { z } from "zod";

/** Environment variables the batch job reads (the same names locally and in its Kubernetes Job). */
export const modelJobsEnvSchema = z.object({
  LOG_LEVEL: envVar.string().default("info"),
  DATA_API_URL: envVar.url(),
  DATA_API_TIMEOUT_MS: envVar.int(30_000, 100),
  MODEL_ENDPOINT: envVar.url(),
  MODEL_NAME: envVar.string().optional(),
  MODEL_API_KEY: envVar.secret().optional(),
  MODEL_TIMEOUT_MS: envVar.int(60_000, 100),
  MODEL_MAX_RETRIES: envVar.int(3, 0),
});

export type ModelJobsConfig = z.infer<typeof modelJobsEnvSchema>;

export function loadModelJobsConfig(env: NodeJS.ProcessEnv = process.env): ModelJobsConfig {
  return loadConfig("model-jobs", modelJobsEnvSchema, env);
}
