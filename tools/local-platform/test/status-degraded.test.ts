/**
 * `status` over a Data API that is ready but degraded (Milvus down): an HTTP
 * double on loopback answers /api/v1/ready as the Data API does then.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultPorts } from "../src/components.js";
import { status } from "../src/platform.js";
import { StateDir } from "../src/state.js";

describe("local platform status: a Data API ready without Milvus", function () {
  this.timeout(30_000);
  let dir: string;
  let server: Server;
  let stand_in: ChildProcess;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "platform-status-"));
    server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          code: 0,
          message: "ready, degraded: milvus unavailable (knowledge search answers 503)",
          data: { checks: { mysql: "ok", s3: "ok", milvus: "unavailable: x" }, degraded: ["milvus"] },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    stand_in = spawn("sleep", ["60"], { stdio: "ignore" });
  });
  after(() => {
    stand_in.kill();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows data-api as degraded, naming what is down, not as healthy", async () => {
    const state = new StateDir(join(dir, "s"));
    state.ensure();
    const ports = { ...defaultPorts(32200), "data-api": (server.address() as AddressInfo).port };
    state.writeRecord({ ports, model: { kind: "local", endpoint: "http://127.0.0.1:32206", name: "m" }, lifetime: null, startedAt: "" });
    state.writePid("data-api", stand_in.pid!);
    const { rows } = await status({ stateDir: state.path });
    const dataApi = rows.find((row) => row.name === "data-api")!;
    expect(dataApi).to.include({ running: true, healthy: true });
    expect(dataApi.degraded).to.deep.equal(["milvus"]);
  });
});
