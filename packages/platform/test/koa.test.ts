import { expect } from "chai";
import Koa from "koa";
import { pino } from "pino";
import {
  createLogger,
  dependencyUnavailable,
  errorEnvelope,
  jsonBody,
  listen,
  notFound,
  requestLog,
  toAppError,
  type RunningServer,
} from "../src/index.js";

describe("koa middleware", () => {
  let running: RunningServer;

  before(async () => {
    const log = createLogger("platform-test", "silent");
    const app = new Koa();
    app.use(errorEnvelope(log));
    app.use(jsonBody("64b"));
    app.use(async (ctx) => {
      if (ctx.path === "/missing") throw notFound("Dataset not found");
      if (ctx.path === "/boom") throw new Error("secret internals at /var/lib/x");
      if (ctx.path === "/echo") {
        ctx.body = { code: 0, message: "success", data: ctx.request.body };
      }
    });
    running = await listen(app, { host: "127.0.0.1", port: 0, log, handleSignals: false });
  });

  after(() => running.close());

  const codeOf = async (res: Response): Promise<number> => ((await res.json()) as { code: number }).code;

  const post = (path: string, body: string) =>
    fetch(`${running.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });

  it("answers AppErrors with their status and the envelope", async () => {
    const res = await fetch(`${running.url}/missing`);
    expect(res.status).to.equal(404);
    expect(await res.json()).to.deep.equal({ code: 40401, message: "Dataset not found" });
  });

  it("answers unknown routes with a 404 envelope", async () => {
    const res = await fetch(`${running.url}/nowhere`);
    expect(res.status).to.equal(404);
    expect(await codeOf(res)).to.equal(40401);
  });

  it("hides unexpected errors behind a generic 500", async () => {
    const res = await fetch(`${running.url}/boom`);
    expect(res.status).to.equal(500);
    const body = await res.json();
    expect(body).to.deep.equal({ code: 50001, message: "internal error" });
  });

  it("rejects malformed JSON with 400/40002", async () => {
    const res = await post("/echo", "{not json");
    expect(res.status).to.equal(400);
    expect(await codeOf(res)).to.equal(40002);
  });

  it("rejects bodies over the limit with 413/41301", async () => {
    const res = await post("/echo", JSON.stringify({ text: "x".repeat(200) }));
    expect(res.status).to.equal(413);
    expect(await codeOf(res)).to.equal(41301);
  });

  it("parses JSON bodies within the limit", async () => {
    const res = await post("/echo", JSON.stringify({ a: 1 }));
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { data: unknown }).data).to.deep.equal({ a: 1 });
  });
});

describe("koa middleware: the access log and unknown methods", () => {
  const lines: { method: string; path: string; status: number }[] = [];
  const access = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });

  async function serve(order: "outside" | "inside"): Promise<RunningServer> {
    const silent = createLogger("platform-test", "silent");
    const app = new Koa();
    if (order === "outside") app.use(requestLog(access));
    app.use(errorEnvelope(silent));
    if (order === "inside") app.use(requestLog(access));
    app.use(async (ctx) => {
      if (ctx.path === "/down") throw dependencyUnavailable("mysql");
      if (ctx.path === "/ok") ctx.body = { code: 0, message: "success" };
    });
    return listen(app, { host: "127.0.0.1", port: 0, log: silent, handleSignals: false });
  }

  for (const order of ["outside", "inside"] as const) {
    it(`logs the status the client got (503, 404, 200) with the logger ${order} the error envelope`, async () => {
      const running = await serve(order);
      try {
        lines.length = 0;
        expect((await fetch(`${running.url}/down`)).status).to.equal(503);
        expect((await fetch(`${running.url}/nowhere`)).status).to.equal(404);
        expect((await fetch(`${running.url}/ok`)).status).to.equal(200);
        expect(lines.map((line) => [line.path, line.status])).to.deep.equal([
          ["/down", 503],
          ["/nowhere", 404],
          ["/ok", 200],
        ]);
      } finally {
        await running.close();
      }
    });
  }

  it("maps a router's 501 for a method it does not know (TRACE, PROPFIND) to a 405 with a code, not a 500", () => {
    const error = toAppError(Object.assign(new Error("Not Implemented"), { status: 501, expose: false }));
    expect([error.status, error.code]).to.deep.equal([405, 40501]);
  });
});

describe("koa middleware: what the error envelope logs", () => {
  it("logs a dependency being down as a warning without a stack, and an unexpected failure as an error with its stack", async () => {
    const lines: { level: number; msg: string; code?: number; err?: { stack?: string } }[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
    const app = new Koa();
    app.use(errorEnvelope(log));
    app.use(async (ctx) => {
      if (ctx.path === "/down") throw dependencyUnavailable("mysql");
      if (ctx.path === "/boom") throw new Error("a bug");
      if (ctx.path === "/missing") throw notFound("Dataset not found");
    });
    const running = await listen(app, { host: "127.0.0.1", port: 0, log: createLogger("platform-test", "silent"), handleSignals: false });
    try {
      expect((await fetch(`${running.url}/down`)).status).to.equal(503);
      expect((await fetch(`${running.url}/boom`)).status).to.equal(500);
      expect((await fetch(`${running.url}/missing`)).status).to.equal(404);
    } finally {
      await running.close();
    }
    const warn = 40;
    const error = 50;
    expect(lines.map((line) => [line.level, line.code, line.err?.stack !== undefined])).to.deep.equal([
      [warn, 50301, false],
      [error, 50001, true],
    ]);
    expect(lines[1]!.err!.stack).to.match(/a bug/);
  });
});
