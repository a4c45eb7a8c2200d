import { envVar, loadConfig } from "@one-data/platform";
import { z } from "zod";

/**
 * Environment variables the Agent API reads. Exported so the Kubernetes
 * wiring can be cross-checked against the variables this service requires.
 */
export const envSchema = z.object({
  HOST: envVar.string(),
  PORT: envVar.port(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  MODEL_ENDPOINT: envVar.url(),
  MODEL_NAME: envVar.string().optional(),
  MODEL_API_KEY: envVar.secret().optional(),
  MODEL_TIMEOUT_MS: envVar.int(60_000, 1),
  DATA_API_URL: envVar.url(),
  DATA_API_TIMEOUT_MS: envVar.int(10_000, 1),
  REDIS_HOST: envVar.string(),
  REDIS_PORT: envVar.port(),
  REDIS_PASSWORD: envVar.secret().optional(),
  AGENT_MEMORY_TTL_SECONDS: envVar.int(86_400, 1),
  AGENT_MEMORY_MAX_MESSAGES: envVar.int(20, 2),
  AGENT_MEMORY_TIMEOUT_MS: envVar.int(500, 1),
  /** Deadline of each readiness check (Data API, model, Redis); the probe itself times out after 3 s. */
  AGENT_READY_TIMEOUT_MS: envVar.int(1_000, 1),
});

export type Env = z.infer<typeof envSchema>;

export interface AgentConfig {
  host: string;
  port: number;
  logLevel: string;
  model: { endpoint: string; name: string | undefined; apiKey: string | undefined; timeoutMs: number };
  dataApi: { url: string; timeoutMs: number };
  redis: { host: string; port: number; password: string | undefined };
  memory: { ttlSeconds: number; maxMessages: number; timeoutMs: number };
  readyTimeoutMs: number;
}

export function toAgentConfig(env: Env): AgentConfig {
  return {
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    model: {
      // MODEL_ENDPOINT is the base URL without /v1, as in the seed; tolerate a trailing slash or /v1.
      endpoint: env.MODEL_ENDPOINT.replace(/\/+$/, "").replace(/\/v1$/, ""),
      name: env.MODEL_NAME,
      apiKey: env.MODEL_API_KEY,
      timeoutMs: env.MODEL_TIMEOUT_MS,
    },
    dataApi: { url: env.DATA_API_URL.replace(/\/+$/, ""), timeoutMs: env.DATA_API_TIMEOUT_MS },
    redis: { host: env.REDIS_HOST, port: env.REDIS_PORT, password: env.REDIS_PASSWORD },
    memory: {
      ttlSeconds: env.AGENT_MEMORY_TTL_SECONDS,
      maxMessages: env.AGENT_MEMORY_MAX_MESSAGES,
      timeoutMs: env.AGENT_MEMORY_TIMEOUT_MS,
    },
    readyTimeoutMs: env.AGENT_READY_TIMEOUT_MS,
  };
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  return toAgentConfig(loadConfig("agent-api", envSchema, env));
}
