import { z } from "zod";
import { envVar, loadConfig } from "@one-data/platform";

/**
 * The suite is configured only by endpoints, so the same code runs against
 * local processes and, packaged as an image, inside the cluster.
 */
export const acceptanceEnv = z.object({
  DATA_API_URL: envVar.url(),
  AGENT_API_URL: envVar.url(),
  MODEL_ENDPOINT: envVar.url(),
  /** The model id the deployment serves (Qwen/Qwen2.5-0.5B-Instruct in the cluster). */
  EXPECTED_MODEL_ID: envVar.string(),
  ACCEPTANCE_TOLERATE_WRONG_ANSWERS: envVar.bool(false),
  ACCEPTANCE_JUNIT_PATH: z.string().optional(),
  ACCEPTANCE_LABEL: z.string().default("one-data-poc"),
  ACCEPTANCE_REQUEST_TIMEOUT_MS: envVar.int(120_000, 1000),
});

export type AcceptanceConfig = z.infer<typeof acceptanceEnv>;

export function loadAcceptanceConfig(env: NodeJS.ProcessEnv = process.env): AcceptanceConfig {
  return loadConfig("acceptance", acceptanceEnv, env);
}
