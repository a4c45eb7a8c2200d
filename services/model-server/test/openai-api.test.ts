import { expect } from "chai";
import OpenAI, { APIError } from "openai";
import { realModelDeadlineMs, requireEnv } from "../../../test/support/testkit.js";

/**
 * Against the real local model server (started by scripts/local/servers.sh):
 * the small model is weak, so these check the protocol, not the wording.
 */
describe("model-server over the OpenAI API (real SmolLM2-135M)", function () {
  this.timeout(realModelDeadlineMs);
  let modelName = "";
  let client: OpenAI;
  before(() => {
    modelName = requireEnv("MODEL_NAME");
    client = new OpenAI({ baseURL: `${requireEnv("MODEL_ENDPOINT")}/v1`, apiKey: "unused", maxRetries: 0 });
  });

  it("lists the served model", async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).to.include(modelName);
  });

  it("answers a chat completion with tokens and usage", async () => {
    const completion = await client.chat.completions.create({
      model: modelName,
      messages: [{ role: "user", content: "What is the capital of France?" }],
      max_tokens: 24,
      temperature: 0,
    });
    const choice = completion.choices[0];
    expect(choice?.message.content ?? "").to.have.length.greaterThan(0);
    expect(completion.usage?.completion_tokens).to.be.within(1, 24);
    expect(completion.usage?.prompt_tokens).to.be.greaterThan(5);
  });

  it("streams the answer in several chunks ending with a finish reason", async () => {
    const stream = await client.chat.completions.create({
      model: modelName,
      messages: [{ role: "user", content: "Tell me about the sea." }],
      max_tokens: 16,
      stream: true,
    });
    const pieces: string[] = [];
    let finishReason: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) pieces.push(choice.delta.content);
      if (choice?.finish_reason) finishReason = choice.finish_reason;
    }
    expect(pieces.length).to.be.greaterThan(1);
    expect(finishReason).to.be.oneOf(["stop", "length"]);
  });

  it("enforces a JSON schema with enums through the grammar", async () => {
    const completion = await client.chat.completions.create({
      model: modelName,
      messages: [{ role: "user", content: "Which table holds sales? Answer as JSON." }],
      max_tokens: 64,
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "pick",
          schema: {
            type: "object",
            properties: { table: { enum: ["sales_data", "customers"] }, limit: { type: "integer" } },
            required: ["table", "limit"],
            additionalProperties: false,
          },
        },
      },
    });
    const parsed = JSON.parse(completion.choices[0]?.message.content ?? "") as { table: string; limit: number };
    expect(parsed.table).to.be.oneOf(["sales_data", "customers"]);
    expect(Number.isInteger(parsed.limit)).to.equal(true);
    expect(Object.keys(parsed).sort()).to.deep.equal(["limit", "table"]);
  });

  it("enforces an anyOf of object branches (one per table), never answering null", async () => {
    const branch = (table: string, columns: string[]) => ({
      type: "object",
      properties: { table: { const: table }, column: { enum: columns } },
      required: ["table", "column"],
      additionalProperties: false,
    });
    const completion = await client.chat.completions.create({
      model: modelName,
      messages: [{ role: "user", content: "Which column holds the order amount? Answer as JSON." }],
      max_tokens: 64,
      temperature: 0,
      response_format: {
        type: "json_schema",
        json_schema: { name: "pick", schema: { anyOf: [branch("ds_001_v1", ["id", "amount"]), branch("ds_002_v1", ["review"])] } },
      },
    });
    const parsed = JSON.parse(completion.choices[0]?.message.content ?? "") as { table: string; column: string } | null;
    expect(parsed).to.be.an("object");
    const allowed: Record<string, string[]> = { ds_001_v1: ["id", "amount"], ds_002_v1: ["review"] };
    expect(allowed[parsed!.table]).to.include(parsed!.column);
  });

  it("refuses schema keywords a grammar cannot enforce with a 400 instead of ignoring them", async () => {
    const res = await fetch(`${requireEnv("MODEL_ENDPOINT")}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: modelName,
        messages: [{ role: "user", content: "hi" }],
        response_format: { type: "json_schema", json_schema: { name: "x", schema: { allOf: [{ type: "object" }] } } },
      }),
    });
    expect(res.status).to.equal(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).to.match(/schema\.allOf cannot be enforced by a grammar/);
  });

  it("returns unit-length embeddings of one fixed dimension, also as base64 (the SDK default)", async () => {
    const inputs = ["hi", "大客户是指订单总金额不少于 500 的客户。A key customer has total orders of at least 500."];
    const asFloats = await client.embeddings.create({ model: modelName, input: inputs, encoding_format: "float" });
    const asBase64 = await client.embeddings.create({ model: modelName, input: inputs });
    const dimensions = [...asFloats.data, ...asBase64.data].map((item) => item.embedding.length);
    expect(new Set(dimensions).size).to.equal(1);
    expect(dimensions[0]).to.be.greaterThan(100);
    const first = asFloats.data[0]?.embedding ?? [];
    const norm = Math.sqrt(first.reduce((sum, value) => sum + value * value, 0));
    expect(norm).to.be.closeTo(1, 1e-3);
    expect(asBase64.data[1]?.embedding[3]).to.be.closeTo(asFloats.data[1]?.embedding[3] ?? NaN, 1e-6);
  });

  it("refuses an unknown model with 404, a bad request with 400 and another method on a served path with 405, each with a code", async () => {
    const unknown = await client.chat.completions
      .create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(unknown).to.be.instanceOf(APIError);
    expect((unknown as APIError).status).to.equal(404);
    const bad = await client.chat.completions.create({ model: modelName, messages: [] }).catch((error: unknown) => error);
    expect((bad as APIError).status).to.equal(400);
    expect((bad as APIError).code).to.equal("40001");
    const malformed = await fetch(`${requireEnv("MODEL_ENDPOINT")}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).to.equal(400);
    expect(await malformed.json()).to.deep.equal({
      error: { message: "request body is not valid JSON", type: "invalid_request_error", code: "40002", param: null },
    });
    const noRoute = await fetch(`${requireEnv("MODEL_ENDPOINT")}/v1/completions`, { method: "POST" });
    expect(noRoute.status).to.equal(404);
    expect(((await noRoute.json()) as { error: { code: string } }).error.code).to.equal("40401");
    const wrongMethod = await fetch(`${requireEnv("MODEL_ENDPOINT")}/v1/models`, { method: "DELETE" });
    expect([wrongMethod.status, wrongMethod.headers.get("allow")]).to.deep.equal([405, "HEAD, GET"]);
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).to.equal("40501");
  });

  it("accepts valid JSON holding escaped lone surrogates, in chat and in embeddings", async () => {
    const post = (path: string, json: string) =>
      fetch(`${requireEnv("MODEL_ENDPOINT")}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: json });
    // Escapes written out, as a client in another language sends them: JSON.stringify would not produce them from a JS string.
    const text = String.raw`"half a pair \ud83d here, a low one \udc00 there"`;
    const chat = await post(
      "/v1/chat/completions",
      `{"model":${JSON.stringify(modelName)},"messages":[{"role":"user","content":${text}}],"max_tokens":4}`,
    );
    const chatBody = (await chat.json()) as { choices?: unknown[]; error?: unknown };
    expect(chat.status, JSON.stringify(chatBody)).to.equal(200);
    expect(chatBody.choices).to.have.length(1);
    const embedding = await post("/v1/embeddings", `{"model":${JSON.stringify(modelName)},"input":${text}}`);
    expect(embedding.status, await embedding.clone().text()).to.equal(200);
  });
});
