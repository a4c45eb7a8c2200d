import { ConfigError } from "@one-data/platform";
import { expect } from "chai";
import { readConfig } from "../src/config.js";

const minimal = {
  HOST: "127.0.0.1",
  PORT: "8080",
  MODEL_ENDPOINT: "http://vllm-serving.one-data-model.svc.cluster.local:8000",
  DATA_API_URL: "http://data-api.one-data-data.svc.cluster.local:8080",
  REDIS_HOST: "redis-master",
  REDIS_PORT: "6379",
};

describe("agent-api: configuration", () => {
  it("reads the shared variable names with defaults for deadlines and memory", () => {
    const config = readConfig(minimal);
    expect(config.model).to.deep.equal({ endpoint: minimal.MODEL_ENDPOINT, name: undefined, apiKey: undefined, timeoutMs: 60_000 });
    expect(config.dataApi).to.deep.equal({ url: minimal.DATA_API_URL, timeoutMs: 10_000 });
    expect(config.memory).to.deep.equal({ ttlSeconds: 86_400, maxMessages: 20, timeoutMs: 500 });
  });

  it("accepts a model endpoint given with /v1 and strips it", () => {
    expect(readConfig({ ...minimal, MODEL_ENDPOINT: "http://127.0.0.1:8000/v1/" }).model.endpoint).to.equal("http://127.0.0.1:8000");
  });

  it("names every missing or malformed variable", () => {
    try {
      readConfig({ HOST: "127.0.0.1", PORT: "0", MODEL_ENDPOINT: "not a url" });
      expect.fail("should have thrown");
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      const message = (error as ConfigError).message;
      for (const name of ["PORT", "MODEL_ENDPOINT", "DATA_API_URL", "REDIS_HOST", "REDIS_PORT"]) expect(message).to.include(name);
    }
  });
});
