import { ErrorCode } from "@one-data/platform";
import { expect } from "chai";
import { EmbeddingClient } from "../src/adapters/embedding-client.js";
import { OpenAiDouble } from "../../../test/doubles/openai-double.js";
import { rejected } from "./support/rejected.js";

describe("the embedding client (the Model layer's /v1/embeddings over the openai SDK)", () => {
  let model: OpenAiDouble;

  before(async () => {
    model = await OpenAiDouble.start({ modelName: "embed-double", embeddingDimension: 4 });
  });
  afterEach(() => model.reset());
  after(() => model.close());

  it("asks the server for its model when none is configured, sends the key, and embeds in batches, in order", async () => {
    model.onEmbedding((text) => [Number(text.slice(1)), 0, 0, 1]);
    const client = new EmbeddingClient(model.url, undefined, "key-1", 5_000);
    const texts = Array.from({ length: 5 }, (_, i) => `t${i}`);
    const vectors = await client.embed(texts, 2);
    expect(vectors.map((v) => v[0])).to.deep.equal([0, 1, 2, 3, 4]);
    const calls = model.requests.map((r) => `${r.method} ${r.path}`);
    expect(calls).to.deep.equal(["GET /v1/models", "POST /v1/embeddings", "POST /v1/embeddings", "POST /v1/embeddings"]);
    const bodies = model.requests.slice(1).map((r) => r.body as { model: string; input: string[] });
    expect(bodies.map((b) => [b.model, b.input.length])).to.deep.equal([
      ["embed-double", 2],
      ["embed-double", 2],
      ["embed-double", 1],
    ]);
    expect(model.requests.every((r) => r.headers.authorization === "Bearer key-1")).to.equal(true);
  });

  it("answers 503 (dependency unavailable) when the server fails", async () => {
    model.fail({ path: "/v1/embeddings", status: 500 });
    const error = await rejected(new EmbeddingClient(model.url, "embed-double", undefined, 5_000).embed(["x"]));
    expect([error.status, error.code]).to.deep.equal([503, ErrorCode.dependencyUnavailable]);
  });

  it("answers 422 with the server's reason when it refuses the text", async () => {
    model.fail({ path: "/v1/embeddings", status: 400, body: { error: { message: "input is longer than 2048 tokens" } } });
    const error = await rejected(new EmbeddingClient(model.url, "embed-double", undefined, 5_000).embed(["x"]));
    expect([error.status, error.message]).to.deep.equal([422, "the embedding model refused the text: input is longer than 2048 tokens"]);
  });

  it("answers 504 when the server does not answer within the deadline", async () => {
    model.fail({ path: "/v1/embeddings", status: 200, delayMs: 2_000 });
    const error = await rejected(new EmbeddingClient(model.url, "embed-double", undefined, 200).embed(["x"]));
    expect([error.status, error.code]).to.deep.equal([504, ErrorCode.dependencyTimeout]);
  });

  it("answers 503 when the answer is not an embedding list", async () => {
    model.fail({ path: "/v1/embeddings", status: 200, body: { object: "list" } });
    const error = await rejected(new EmbeddingClient(model.url, "embed-double", undefined, 5_000).embed(["x"]));
    expect(error.status).to.equal(503);
    model.fail({ path: "/v1/models", status: 200, body: { data: [{ name: "no id" }] } });
    const modelError = await rejected(new EmbeddingClient(model.url, undefined, undefined, 5_000).modelName());
    expect(modelError.status).to.equal(503);
  });

  it("answers 503 when vectors differ in dimension", async () => {
    model.onEmbedding((text) => (text === "a" ? [1, 0, 0, 0] : [1, 0, 0]));
    const error = await rejected(new EmbeddingClient(model.url, "embed-double", undefined, 5_000).embed(["a", "b"]));
    expect(error.status).to.equal(503);
  });
});
