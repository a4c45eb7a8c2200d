import type { Logger } from "@one-data/platform";
import { createDataApiClient } from "./adapters/data-api-client.js";
import { createMemoryStore } from "./adapters/memory-store.js";
import { createModelClient } from "./adapters/model-client.js";
import type { AppDependencies } from "./app.js";
import type { AgentConfig } from "./config.js";

/** The real adapters for a configuration, and how to release them. */
export function connectDependencies(config: AgentConfig, log: Logger): AppDependencies & { close(): Promise<void> } {
  const memory = createMemoryStore({ ...config.redis, ...config.memory }, log);
  return {
    model: createModelClient(config.model),
    data: createDataApiClient(config.dataApi),
    memory,
    log,
    readyTimeoutMs: config.readyTimeoutMs,
    close: () => memory.close(),
  };
}
