import { expect } from "chai";
import { glossaryChunks, salesMetadata } from "./fixtures.js";
import { isQueryRequest, startHarness, structuredQuery, type Harness } from "./harness.js";

describe("agent-api: dependency faults (doubles)", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ data: { tables: [salesMetadata], chunks: glossaryChunks }, modelTimeoutMs: 400, dataTimeoutMs: 400 });
    h.model.onChat(isQueryRequest, { content: structuredQuery() });
    h.data.onQuery(() => ({ columns: [{ name: "sum_amount", type: "decimal" }], rows: [{ sum_amount: "2299.95" }] }));
  });
  afterEach(() => h.close());

  // A slow dependency here answers only after the test's own timeout: a 504 can only come from the agent's deadline.
  const slowMs = 60_000;

  const expectFault = async (message: string, status: number, code: number, dependency: string) => {
    const res = await h.post("/api/v1/chat", { message });
    expect(res.status, res.text).to.equal(status);
    expect(res.body.code).to.equal(code);
    expect(res.body.details.dependency).to.equal(dependency);
    expect(res.text).not.to.match(/\bat .*\.ts:\d+|stack/i);
  };

  it("maps a failing model to 503", async () => {
    h.model.fail({ path: "/v1/chat/completions", status: 500 });
    await expectFault("Hello", 503, 50301, "model");
  });

  it("maps a model that lists no model to 503", async () => {
    h.model.fail({ path: "/v1/models", status: 502 });
    await expectFault("Hello", 503, 50301, "model");
  });

  it("maps a slow model to 504 within its deadline", async () => {
    h.model.onChat(() => true, { content: "late" }, { delayMs: slowMs });
    await expectFault("Hello", 504, 50401, "model");
  });

  it("maps a Data API that is down to 503 for a data question", async () => {
    h.data.fail("metadata", { status: 0, hangUp: true });
    await expectFault("What is the total amount?", 503, 50301, "data-api");
  });

  it("maps a slow Data API to 504", async () => {
    h.data.fail("query", { status: 200, delayMs: slowMs });
    await expectFault("What is the total amount?", 504, 50401, "data-api");
  });

  it("maps knowledge search down (Milvus or embeddings) to 503 for a document question", async () => {
    h.data.fail("search", { status: 503, code: 50301, message: "milvus is unavailable" });
    await expectFault("What is a key customer?", 503, 50301, "knowledge-search");
  });

  it("still answers a data question without knowledge search, saying so", async () => {
    h.data.fail("search", { status: 503, code: 50301, message: "milvus is unavailable" });
    const res = await h.post("/api/v1/chat", { message: "What is the total amount?" });
    expect(res.status).to.equal(200);
    expect(res.body.data.degraded).to.deep.equal(["knowledge-search"]);
    expect(res.body.data.sources.sql.rows).to.deep.equal([{ sum_amount: "2299.95" }]);
  });

  it("declines, saying why, a data question using a term only a document could define while knowledge search is down", async () => {
    h.data.fail("search", { status: 503, code: 50301, message: "milvus is unavailable" });
    const res = await h.post("/api/v1/chat", { message: "How many key customers are there?" });
    expect(res.status).to.equal(200);
    expect(res.body.data.degraded).to.deep.equal(["knowledge-search"]);
    expect(res.body.data.sources.sql).to.equal(undefined);
    expect(res.body.data.reply).to.include("knowledge search is unavailable").and.include("key").and.include("no figures");
    // Chinese splits into bigrams that are mostly not terms: those questions are still answered.
    const zh = await h.post("/api/v1/chat", { message: "数据集 sales_data_v1.0 一共有多少笔订单？" });
    expect(zh.body.data.degraded).to.deep.equal(["knowledge-search"]);
    expect(zh.body.data.sources.sql.sql).to.equal("SELECT COUNT(*) AS `count_all` FROM `ds_001_v1` LIMIT 1");
  });

  it("answers small talk while the Data API is down", async () => {
    h.data.fail("metadata", { status: 503 });
    const res = await h.post("/api/v1/chat", { message: "Hello" });
    expect(res.status).to.equal(200);
    expect(res.body.data.reply).to.equal("echo: Hello");
    expect(res.body.data.degraded).to.deep.equal(["data-api"]);
  });

  it("maps the proxied dataset list failing to 503", async () => {
    h.data.fail("datasets", { status: 500 });
    const res = await h.get("/api/v1/datasets");
    expect([res.status, res.body.code]).to.deep.equal([503, 50301]);
  });
});
