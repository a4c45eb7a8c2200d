import type { AcceptanceConfig } from "./config.js";

export interface SuiteContext {
  config: AcceptanceConfig;
  dataApi: string;
  agentApi: string;
  modelEndpoint: string;
  requestTimeoutMs: number;
}

export function suiteContext(config: AcceptanceConfig): SuiteContext {
  const trim = (url: string) => url.replace(/\/+$/, "");
  return {
    config,
    dataApi: trim(config.DATA_API_URL),
    agentApi: trim(config.AGENT_API_URL),
    modelEndpoint: trim(config.MODEL_ENDPOINT),
    requestTimeoutMs: config.ACCEPTANCE_REQUEST_TIMEOUT_MS,
  };
}
