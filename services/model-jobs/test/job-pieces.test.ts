import { expect } from "chai";
import { APIConnectionTimeoutError } from "openai";
import { ModelClient } from "../src/adapters/model-client.js";
import { parseJobArgs } from "../src/cli-args.js";
import { boundedMap } from "../src/domain/bounded-map.js";
import { derivedName } from "../src/domain/derived-name.js";
import { JobError } from "../src/domain/errors.js";
import { jobSpecSchema } from "../src/domain/job-spec.js";
import { messagesFor } from "../src/domain/row-prompt.js";
import { OpenAiDouble } from "../../../test/doubles/openai-double.js";

describe("model-jobs: command line", () => {
  it("parses the options into a job spec with defaults", () => {
    const spec = parseJobArgs(["--dataset", "ds-001", "--prompt", "Summarise", "--column", "amount", "--concurrency", "3"]);
    expect(spec).to.include({
      datasetId: "ds-001",
      prompt: "Summarise",
      column: "amount",
      concurrency: 3,
      outputColumn: "model_output",
      maxTokens: 128,
    });
  });

  it("refuses a missing prompt and unknown options as usage errors", () => {
    const missing = (() => {
      try {
        parseJobArgs(["--dataset", "ds-001"]);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(missing).to.be.instanceOf(JobError);
    expect((missing as JobError).reason).to.equal("usage");
    expect((missing as JobError).message).to.match(/prompt/);
    expect(() => parseJobArgs(["--dataset", "ds-001", "--prompt", "x", "--bogus", "1"])).to.throw(JobError, /bogus/);
  });
});

describe("model-jobs: derived dataset name", () => {
  const spec = jobSpecSchema.parse({ datasetId: "ds-001", prompt: "Classify" });
  const source = { datasetId: "ds-001", version: 2, name: "sales_data" };

  it("is the same for the same inputs and differs when the prompt, version or model changes", () => {
    const name = derivedName(source, spec, "m1");
    expect(name).to.match(/^sales_data__model_[0-9a-f]{10}$/);
    expect(derivedName(source, spec, "m1")).to.equal(name);
    expect(derivedName(source, { ...spec, prompt: "Other" }, "m1")).to.not.equal(name);
    expect(derivedName({ ...source, version: 3 }, spec, "m1")).to.not.equal(name);
    expect(derivedName(source, spec, "m2")).to.not.equal(name);
  });
});

describe("model-jobs: prompts", () => {
  it("sends the chosen cell, or the whole row as JSON", () => {
    const row = { id: "1", amount: "299.99" };
    const withColumn = jobSpecSchema.parse({ datasetId: "d", prompt: "P", column: "amount" });
    const whole = jobSpecSchema.parse({ datasetId: "d", prompt: "P" });
    expect(messagesFor(withColumn, row)).to.deep.equal([
      { role: "system", content: "P" },
      { role: "user", content: "299.99" },
    ]);
    expect(JSON.parse(messagesFor(whole, row)[1]?.content ?? "")).to.deep.equal(row);
  });
});

describe("model-jobs: bounded concurrency", () => {
  it("never has more than the limit in flight, keeps order and reports progress", async () => {
    let inFlight = 0;
    let peak = 0;
    const progress: number[] = [];
    const results = await boundedMap(
      Array.from({ length: 10 }, (_, i) => i),
      async (item) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5 + ((item * 7) % 5)));
        inFlight -= 1;
        return item * 2;
      },
      { concurrency: 3, every: 4, onProgress: ({ done }) => progress.push(done) },
    );
    expect(results).to.deep.equal([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(peak).to.equal(3);
    expect(progress).to.deep.equal([4, 8, 10]);
  });

  it("rejects with the first failure", async () => {
    const failure = await boundedMap([1, 2, 3], async (n) => (n === 2 ? Promise.reject(new Error("row 2 broke")) : n), {
      concurrency: 1,
      every: 10,
      onProgress: () => undefined,
    }).catch((error: unknown) => error);
    expect((failure as Error).message).to.equal("row 2 broke");
  });
});

describe("model-jobs: model client against the OpenAI double", function () {
  this.timeout(20_000);
  let model: OpenAiDouble;
  before(async () => {
    model = await OpenAiDouble.start({ modelName: "double-chat" });
  });
  afterEach(() => model.reset());
  after(() => model.close());

  it("discovers the model from /v1/models when MODEL_NAME is not set", async () => {
    const client = new ModelClient({ endpoint: model.url, timeoutMs: 2000, maxRetries: 0 });
    expect(await client.resolveModel(undefined)).to.equal("double-chat");
    expect(await client.resolveModel("configured")).to.equal("configured");
  });

  it("retries 5xx answers with backoff and then succeeds", async () => {
    model.fail({ path: "/v1/chat/completions", status: 500, times: 2 });
    model.onChat(() => true, { content: "fine" });
    const client = new ModelClient({ endpoint: model.url, timeoutMs: 2000, maxRetries: 3 });
    const started = performance.now();
    const answer = await client.complete("double-chat", [{ role: "user", content: "hi" }], { maxTokens: 5, temperature: 0 });
    expect(answer).to.equal("fine");
    expect(model.chatRequests()).to.have.length(3);
    expect(performance.now() - started).to.be.greaterThan(300);
  });

  it("retries a request that times out, and gives up after maxRetries", async () => {
    model.onChat(() => true, { content: "late" }, { delayMs: 1500 });
    const client = new ModelClient({ endpoint: model.url, timeoutMs: 200, maxRetries: 1 });
    const failure = await client
      .complete("double-chat", [{ role: "user", content: "hi" }], { maxTokens: 5, temperature: 0 })
      .catch((e: unknown) => e);
    expect(failure).to.be.instanceOf(APIConnectionTimeoutError);
    expect(model.chatRequests()).to.have.length(2);
  });

  it("does not retry a 400", async () => {
    model.fail({ path: "/v1/chat/completions", status: 400, times: 5 });
    const client = new ModelClient({ endpoint: model.url, timeoutMs: 2000, maxRetries: 3 });
    const failure = await client
      .complete("double-chat", [{ role: "user", content: "hi" }], { maxTokens: 5, temperature: 0 })
      .catch((e: unknown) => e);
    expect((failure as { status?: number }).status).to.equal(400);
    expect(model.chatRequests()).to.have.length(1);
  });
});
