import { ConfigError } from "@one-data/platform";
import { expect } from "chai";
import { readConfig } from "../src/config.js";
import type { RouteBudgets } from "../src/domain/budgets.js";
import { glossaryChunks, openQuestion, salesMetadata } from "./fixtures.js";
import { isQueryRequest, parseSse, startHarness, structuredQuery, type Harness } from "./harness.js";

/**
 * Each route's deadline and token budget (issue 11 item 10): small talk must
 * not wait as long, or ask for as many tokens, as a data answer; a stream
 * keeps the client informed while the model is slow, and ends with an error
 * event, not silence, when the deadline passes. The scripted model is made
 * slow; it still answers only from what the agent sent.
 */
describe("agent-api: route deadlines, token budgets and streams that keep the client informed", function () {
  this.timeout(20_000);
  let h: Harness;
  const budgets: RouteBudgets = {
    chat: { timeoutMs: 400, maxTokens: 64 },
    rag: { timeoutMs: 2_000, maxTokens: 96 },
    sql: { timeoutMs: 4_000, maxTokens: 128 },
  };

  beforeEach(async () => {
    h = await startHarness({
      data: { tables: [salesMetadata], chunks: glossaryChunks },
      budgets,
      heartbeatMs: 100,
      modelTimeoutMs: 10_000,
    });
    h.model.onChat(isQueryRequest, { content: structuredQuery() });
    h.data.onQuery(() => ({ columns: [{ name: "sum_amount", type: "decimal" }], rows: [{ sum_amount: "2299.95" }] }));
  });
  afterEach(() => h.close());

  const timed = async <T>(work: () => Promise<T>): Promise<T & { ms: number }> => {
    const started = Date.now();
    const result = await work();
    return { ...result, ms: Date.now() - started };
  };

  it("asks the model for each route's token budget", async () => {
    await h.post("/api/v1/chat", { message: "Hello" });
    await h.post("/api/v1/chat", { message: "What is a key customer?" });
    await h.post("/api/v1/chat", { message: openQuestion });
    const asked = h.model
      .chatRequests()
      .map((r) => [isQueryRequest(r) ? "query" : r.lastUserText.includes("key customer") ? "documents" : "chat", r.body.max_tokens]);
    expect(asked).to.deep.equal([
      ["chat", 64],
      ["documents", 96],
      ["query", 128],
    ]);
  });

  it("gives up on small talk at the chat route's deadline, while a data answer may take longer", async () => {
    // Small talk waits on a model slower than the test's timeout; the data question's 1 s delay fits its 4 s budget.
    h.model.onChat(() => true, { content: "slow hello" }, { delayMs: 60_000 });
    h.model.onChat(isQueryRequest, { content: structuredQuery() }, { delayMs: 1_000 });
    const chat = await timed(() => h.post("/api/v1/chat", { message: "Hello" }));
    expect([chat.status, chat.body.code]).to.deep.equal([504, 50401]);
    expect(chat.body.details).to.deep.equal({ dependency: "model", timeout_ms: 400, route: "chat" });
    expect(chat.body.message).to.equal("model did not answer within the chat route's deadline of 400 ms");
    // Not before its deadline (a slow machine can only make it later).
    expect(chat.ms).to.be.at.least(350);
    const data = await h.post("/api/v1/chat", { message: openQuestion });
    expect(data.status, data.text).to.equal(200);
    expect(data.body.data.sources.sql.rows).to.deep.equal([{ sum_amount: "2299.95" }]);
  });

  it("never ends a data answer in 504 while its deadline has time: each attempt gets its share, and the reply says what could not be had", async () => {
    h.model.onChat(isQueryRequest, { content: structuredQuery() }, { delayMs: 6_000 });
    const res = await h.post("/api/v1/chat", { message: openQuestion });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.data.route).to.equal("sql");
    const failures = res.body.data.sources.query_failures as string[];
    expect(failures.length).to.be.within(1, 3);
    for (const failure of failures) expect(failure).to.match(/did not answer within/);
    expect(res.body.data.reply)
      .to.match(/could not turn this question into a valid query/)
      .and.not.include("2299");
    const timeouts = h.model.chatRequests().filter(isQueryRequest).length;
    expect(timeouts).to.equal(failures.length);
  });

  it("keeps a slow stream alive with comments, then delivers the answer", async () => {
    h.model.onChat(
      () => true,
      (r) => ({ content: `echo: ${r.lastUserText}` }),
      { delayMs: 1_200 },
    );
    const res = await h.post("/api/v1/chat", { message: "What is a key customer?", stream: true });
    const beforeFirstEvent = res.text.slice(0, res.text.indexOf("event: "));
    expect(beforeFirstEvent.match(/^: working$/gm)?.length ?? 0, "keep-alive comments while the model works").to.be.at.least(1);
    const done = parseSse(res.text).find((e) => e.event === "done");
    const reply = JSON.parse(done!.data).reply as string;
    expect(reply)
      .to.match(/^echo: /)
      .and.include("What is a key customer?");
  });

  it("ends a stream that runs out of its deadline with an error event naming the model and the route", async () => {
    h.model.onChat(() => true, { content: "too late" }, { delayMs: 60_000 });
    const res = await h.post("/api/v1/chat", { message: "Hello", stream: true });
    expect(res.text).to.match(/^: working$/m);
    const events = parseSse(res.text).filter((e) => e.event !== undefined);
    expect(events.map((e) => e.event)).to.deep.equal(["error"]);
    expect(JSON.parse(events[0]!.data)).to.deep.equal({
      code: 50401,
      message: "model did not answer within the chat route's deadline of 400 ms",
    });
  });

  it("does the same on the OpenAI-compatible stream: comments, then an OpenAI error chunk and [DONE]", async () => {
    h.model.onChat(() => true, { content: "too late" }, { delayMs: 60_000 });
    const res = await h.post("/v1/chat/completions", {
      model: "one-data-agent",
      stream: true,
      messages: [{ role: "user", content: "你好" }],
    });
    expect(res.text).to.match(/^: working$/m);
    const data = parseSse(res.text)
      .map((e) => e.data)
      .filter((d) => d !== "");
    expect(data.at(-1)).to.equal("[DONE]");
    expect(JSON.parse(data.at(-2)!).error).to.include({ code: "50401", type: "server_error" });
  });

  it("reads the budgets from the environment, validated", () => {
    const minimal = {
      HOST: "127.0.0.1",
      PORT: "8080",
      MODEL_ENDPOINT: "http://m:8000",
      DATA_API_URL: "http://d:8080",
      REDIS_HOST: "r",
      REDIS_PORT: "6379",
    };
    const config = readConfig({
      ...minimal,
      AGENT_CHAT_TIMEOUT_MS: "15000",
      AGENT_CHAT_MAX_TOKENS: "128",
      AGENT_SQL_TIMEOUT_MS: "90000",
      AGENT_STREAM_HEARTBEAT_MS: "2000",
    });
    expect(config.budgets.chat).to.deep.equal({ timeoutMs: 15_000, maxTokens: 128 });
    expect(config.budgets.sql.timeoutMs).to.equal(90_000);
    expect(config.heartbeatMs).to.equal(2_000);
    expect(readConfig(minimal).budgets).to.deep.equal({
      chat: { timeoutMs: 30_000, maxTokens: 256 },
      rag: { timeoutMs: 60_000, maxTokens: 384 },
      sql: { timeoutMs: 120_000, maxTokens: 512 },
    });
    expect(() => readConfig({ ...minimal, AGENT_CHAT_TIMEOUT_MS: "0", AGENT_RAG_MAX_TOKENS: "many" }))
      .to.throw(ConfigError)
      .with.property("message")
      .that.matches(/AGENT_CHAT_TIMEOUT_MS/)
      .and.matches(/AGENT_RAG_MAX_TOKENS/);
  });
});
