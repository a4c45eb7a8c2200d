import { expect } from "chai";
import Koa from "koa";
import { connect } from "node:net";
import { Readable, Writable } from "node:stream";
import { pino } from "pino";
import { listen } from "../src/server.js";

describe("listen: a client that disconnects during a streamed response", () => {
  it("is one JSON log line through the service's logger, not Koa's stack on stderr", async () => {
    const lines: Record<string, unknown>[] = [];
    let closedLine!: (line: Record<string, unknown>) => void;
    const loggedClose = new Promise<Record<string, unknown>>((resolve) => (closedLine = resolve));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split("\n").filter(Boolean)) {
          const line = JSON.parse(text) as Record<string, unknown>;
          lines.push(line);
          if (line.level !== 30 || line.msg !== "listening") closedLine(line);
        }
        done();
      },
    });
    const log = pino({ level: "debug" }, sink);
    let sentFirst!: () => void;
    const firstSent = new Promise<void>((resolve) => (sentFirst = resolve));
    const app = new Koa();
    app.use((ctx) => {
      // A body that never ends by itself: only the client going away ends the response.
      ctx.body = new Readable({
        read() {
          if (this.readableLength === 0) {
            this.push("row\n");
            sentFirst();
          }
        },
      });
    });
    const printed: unknown[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void printed.push(args);
    const running = await listen(app, { host: "127.0.0.1", port: 0, log, handleSignals: false });
    try {
      const socket = connect(Number(new URL(running.url).port), "127.0.0.1");
      socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await firstSent;
      await new Promise((resolve) => socket.once("data", resolve));
      socket.destroy();
      // Waits for the next line the server logs (mocha's timeout bounds it): the one about the disconnect.
      expect(await loggedClose, JSON.stringify(lines)).to.include({
        msg: "client closed the connection before the response ended",
        code: "ERR_STREAM_PREMATURE_CLOSE",
        method: "GET",
        path: "/",
      });
      expect(printed, "nothing printed outside the log").to.deep.equal([]);
    } finally {
      console.error = consoleError;
      await running.close();
    }
  });
});
