import { expect } from "chai";
import { ConfigError } from "@one-data/platform";
import { loadDataApiConfig } from "../src/config.js";

const complete = {
  MYSQL_HOST: "127.0.0.1",
  MYSQL_USER: "owner",
  MYSQL_PASSWORD: "pw-from-test",
  MYSQL_DATABASE: "one_data",
  MYSQL_DATASETS_DATABASE: "one_data_datasets",
  MYSQL_READONLY_USER: "reader",
  MYSQL_READONLY_PASSWORD: "pw-from-test",
  S3_ENDPOINT: "http://127.0.0.1:9000",
  S3_ACCESS_KEY: "key",
  S3_SECRET_KEY: "secret",
  MILVUS_ADDRESS: "milvus.one-data-infra:19530",
  EMBEDDING_ENDPOINT: "http://embedding.one-data-model:8000",
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadDataApiConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("data-api configuration (one schema, knowledge search included)", () => {
  it("reads the knowledge settings with their defaults; EMBEDDING_MODEL stays optional (discovered from /v1/models)", () => {
    const config = loadDataApiConfig(complete);
    expect(config).to.include({
      MILVUS_ADDRESS: "milvus.one-data-infra:19530",
      EMBEDDING_ENDPOINT: "http://embedding.one-data-model:8000",
      KNOWLEDGE_COLLECTION_PREFIX: "knowledge",
      KNOWLEDGE_CHUNK_SIZE: 400,
      MILVUS_TIMEOUT_MS: 5000,
    });
    expect(config.EMBEDDING_MODEL).to.equal(undefined);
  });

  it("names every missing or malformed knowledge variable in one message", () => {
    expect(problemsOf({ ...complete, MILVUS_ADDRESS: undefined, EMBEDDING_ENDPOINT: undefined })).to.deep.equal([
      "MILVUS_ADDRESS is required",
      "EMBEDDING_ENDPOINT is required",
    ]);
    const bad = problemsOf({
      ...complete,
      MILVUS_ADDRESS: "http://milvus:19530",
      EMBEDDING_ENDPOINT: "milvus:19530",
      KNOWLEDGE_COLLECTION_PREFIX: "Bad-Prefix",
    });
    expect(bad.map((problem) => problem.split(":")[0])).to.deep.equal([
      "MILVUS_ADDRESS",
      "EMBEDDING_ENDPOINT",
      "KNOWLEDGE_COLLECTION_PREFIX",
    ]);
  });
});
