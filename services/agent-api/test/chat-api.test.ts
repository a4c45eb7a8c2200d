import { expect } from "chai";
import { glossaryChunks, salesMetadata } from "./fixtures.js";
import { isQueryRequest, parseSse, startHarness, structuredQuery, type Harness } from "./harness.js";

const datasets = [
  { dataset_id: "ds-001", name: "sales_data_v1.0", storage_path: "s3://test-datasets/sales_data.csv", format: "csv", status: "active" },
];

describe("agent-api: chat API (doubles)", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ data: { tables: [salesMetadata], chunks: glossaryChunks, datasets }, maxMessages: 4 });
  });
  afterEach(() => h.close());

  it("reports healthy with the model endpoint it uses", async () => {
    const res = await h.get("/api/v1/health");
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({ code: 0, message: "healthy", model_endpoint: h.model.url });
  });

  it("keeps the seed's chat contract and discovers the served model", async () => {
    h.model.onChat((r) => r.lastUserText === "Hello", { content: "Hi there" });
    const res = await h.post("/api/v1/chat", { message: "Hello" });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({ code: 0, message: "success" });
    expect(res.body.data.reply).to.equal("Hi there");
    expect(res.body.data.route).to.equal("chat");
    expect(h.model.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal(["GET /v1/models", "POST /v1/chat/completions"]);
    expect(h.model.chatRequests()[0]!.model).to.equal("double-model");
  });

  it("proxies the dataset list from the Data API", async () => {
    const res = await h.get("/api/v1/datasets");
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ code: 0, message: "success", data: datasets });
  });

  it("answers from documents with numbered citations mapped to chunks", async () => {
    h.model.onChat((r) => r.lastUserText.includes("What is a key customer?"), {
      content: "A key customer has a total amount of at least 500 [1].",
    });
    const res = await h.post("/api/v1/chat", { message: "What is a key customer?" });
    expect(res.status).to.equal(200);
    expect(res.body.data.route).to.equal("rag");
    expect(res.body.data.reply).to.match(/^A key customer .* \[1\]\.\n\nSources: \[1\] glossary\.md #0/);
    expect(res.body.data.sources.documents[0]).to.deep.include({ n: 1, document_id: "doc-7", chunk_id: "doc-7#0", position: 0 });
    const prompt = h.model.chatRequests()[0]!.messages.at(-1)!.content;
    expect(prompt).to.include("<<<DATA sources>>>\n[1] glossary.md: Key customer");
    expect(h.data.queries).to.deep.equal([]);
  });

  it("answers a follow-up to a data question with a query that carries both questions", async () => {
    h.model.onChat(isQueryRequest, { content: structuredQuery({ filters: [{ column: "customer_id", op: "=", value: 1001 }] }) });
    h.data.onQuery(() => ({ columns: [{ name: "sum_amount", type: "decimal" }], rows: [{ sum_amount: "699.98" }] }));
    const first = await h.post("/api/v1/chat", { message: "What is the total amount for customer 1001?" });
    const id = first.body.data.conversation_id as string;
    const followUp = await h.post("/api/v1/chat", { message: "And for customer 1002?", conversation_id: id });
    expect(followUp.status).to.equal(200);
    expect(followUp.body.data.route).to.equal("sql");
    expect(followUp.body.data.sources.sql.sql).to.be.a("string");
    // The follow-up's customer replaces the first question's; the rest of that question still stands.
    expect(h.data.queries.at(-1)).to.equal("SELECT SUM(`amount`) AS `sum_amount` FROM `ds_001_v1` WHERE `customer_id` = 1002 LIMIT 1");
    // Without the conversation the same words are small talk.
    const alone = await h.post("/api/v1/chat", { message: "And for customer 1002?" });
    expect(alone.body.data.route).to.equal("chat");
  });

  it("remembers a conversation in Redis, capped to the last messages", async () => {
    const first = await h.post("/api/v1/chat", { message: "Hello" });
    const id = first.body.data.conversation_id as string;
    expect(id).to.match(/^[0-9a-f-]{36}$/);
    await h.post("/api/v1/chat", { message: "second", conversation_id: id });
    const historySeen = h.model
      .chatRequests()
      .at(-1)!
      .messages.map((m) => `${m.role}:${m.content}`);
    expect(historySeen.slice(1)).to.deep.equal(["user:Hello", "assistant:echo: Hello", "user:second"]);
    await h.post("/api/v1/chat", { message: "third", conversation_id: id });
    const stored = await h.get(`/api/v1/conversations/${id}`);
    expect(stored.status).to.equal(200);
    expect(stored.body.data.messages).to.deep.equal([
      { role: "user", content: "second" },
      { role: "assistant", content: "echo: second" },
      { role: "user", content: "third" },
      { role: "assistant", content: "echo: third" },
    ]);
    expect((await h.get("/api/v1/conversations/unknown-conversation")).status).to.equal(404);
  });

  it("streams a reply as Server-Sent Events ending with the sources", async () => {
    h.model.onChat((r) => r.lastUserText === "Stream please", { content: "one two three", chunks: ["one ", "two ", "three"] });
    const res = await h.post("/api/v1/chat", { message: "Stream please", stream: true });
    expect(res.status).to.equal(200);
    const events = parseSse(res.text);
    expect(events.filter((e) => e.event === "delta").map((e) => JSON.parse(e.data).text)).to.deep.equal(["one ", "two ", "three"]);
    const done = events.at(-1)!;
    expect(done.event).to.equal("done");
    expect(JSON.parse(done.data)).to.deep.include({ reply: "one two three", route: "chat" });
  });

  it("streams a data answer whose figures come from the query", async () => {
    h.model.onChat(isQueryRequest, { content: structuredQuery() });
    h.data.onQuery(() => ({ columns: [{ name: "sum_amount", type: "decimal" }], rows: [{ sum_amount: "2299.95" }] }));
    const res = await h.post("/api/v1/chat", { message: "What is the total amount?" }, { accept: "text/event-stream" });
    const events = parseSse(res.text);
    const done = JSON.parse(events.at(-1)!.data);
    expect(done.sources.sql.rows).to.deep.equal([{ sum_amount: "2299.95" }]);
    expect(
      events
        .filter((e) => e.event === "delta")
        .map((e) => JSON.parse(e.data).text)
        .join(""),
    ).to.equal(done.reply);
  });

  it("sends a failure during a stream as an error event", async () => {
    h.model.fail({ path: "/v1/chat/completions", status: 500 });
    const res = await h.post("/api/v1/chat", { message: "Hello", stream: true });
    const events = parseSse(res.text);
    expect(events.at(-1)!.event).to.equal("error");
    expect(JSON.parse(events.at(-1)!.data)).to.deep.equal({ code: 50301, message: "model is unavailable (HTTP 500)" });
    expect(res.text).not.to.match(/\bat .*\.ts:\d+/);
  });

  it("rejects empty, oversized and malformed requests with 4xx codes", async () => {
    const cases: [unknown, number, number][] = [
      [{ message: "" }, 400, 40001],
      [{ message: "   " }, 400, 40001],
      [{}, 400, 40001],
      [{ message: 42 }, 400, 40001],
      [{ message: "x".repeat(8001) }, 400, 40001],
      [{ message: "hi", conversation_id: "../../etc" }, 400, 40001],
      ["{not json", 400, 40002],
      [{ message: "x".repeat(70_000) }, 413, 41301],
    ];
    for (const [body, status, code] of cases) {
      const res = await h.post("/api/v1/chat", body);
      expect([res.status, res.body?.code], JSON.stringify(body).slice(0, 40)).to.deep.equal([status, code]);
    }
    expect(h.model.chatRequests()).to.have.length(0);
  });
});

describe("agent-api: configured model name", () => {
  it("uses MODEL_NAME without asking /v1/models", async () => {
    const h = await startHarness({ data: { tables: [salesMetadata] }, modelName: "configured-model" });
    try {
      await h.post("/api/v1/chat", { message: "Hello" });
      expect(h.model.requests.map((r) => r.path)).to.deep.equal(["/v1/chat/completions"]);
      expect(h.model.chatRequests()[0]!.model).to.equal("configured-model");
    } finally {
      await h.close();
    }
  });
});

describe("agent-api: without Redis", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ data: { tables: [salesMetadata] }, redisDown: true });
  });
  after(() => h.close());

  it("still answers, says memory is degraded, and readiness names Redis", async () => {
    const res = await h.post("/api/v1/chat", { message: "Hello", conversation_id: "c-1" });
    expect(res.status).to.equal(200);
    expect(res.body.data.reply).to.equal("echo: Hello");
    expect(res.body.data.degraded).to.deep.equal(["memory"]);
    const ready = await h.get("/api/v1/ready");
    expect([ready.status, ready.body.details.dependency]).to.deep.equal([503, "redis"]);
    const history = await h.get("/api/v1/conversations/c-1");
    expect([history.status, history.body.code]).to.deep.equal([503, 50301]);
  });
});
