import { expect } from "chai";
import { pino } from "pino";
import { salesMetadata } from "./fixtures.js";
import { startHarness, type Harness } from "./harness.js";

/** The access log records the status each client got, errors included (issue 11 item 11, the agent's part). */
describe("agent-api: access log", () => {
  const lines: { msg: string; method: string; path: string; status: number }[] = [];
  let h: Harness;
  before(async () => {
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
    h = await startHarness({ data: { tables: [salesMetadata] }, log, modelTimeoutMs: 300 });
  });
  after(() => h.close());

  it("logs 200, 400, 404, 405, 413, 503 and 504 as answered", async () => {
    const answered: [string, string, number][] = [];
    const send = async (method: string, path: string, body?: string) => {
      const res = await fetch(`${h.url}${path}`, { method, headers: body ? { "content-type": "application/json" } : {}, body });
      await res.arrayBuffer();
      answered.push([method, path, res.status]);
    };
    await send("GET", "/api/v1/health");
    await send("POST", "/api/v1/chat", "{}");
    await send("GET", "/api/v1/nothing-here");
    await send("PUT", "/api/v1/ready");
    await send("POST", "/api/v1/chat", JSON.stringify({ message: "x".repeat(70_000) }));
    h.model.fail({ path: "/v1/chat/completions", status: 500 });
    await send("POST", "/api/v1/chat", JSON.stringify({ message: "Hello" }));
    h.model.onChat(() => true, { content: "late" }, { delayMs: 1_000, times: 1 });
    await send("POST", "/v1/chat/completions", JSON.stringify({ model: "one-data-agent", messages: [{ role: "user", content: "Hello" }] }));
    expect(answered.map(([, , status]) => status)).to.deep.equal([200, 400, 404, 405, 413, 503, 504]);
    const logged = lines.filter((l) => l.msg === "request").map((l) => [l.method, l.path, l.status]);
    expect(logged).to.deep.equal(answered);
  });
});
