import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { expect } from "chai";
import { loadDataApiConfig } from "../src/config.js";
import { freePort, requireEnv, waitUntil } from "../../../test/support/testkit.js";
import { call, dropEverything, isolatedEnv } from "./support/harness.js";
import { TcpSwitch } from "./support/tcp-switch.js";

const repoRoot = resolve(import.meta.dirname, "../../..");

interface Readiness {
  checks: Record<string, string>;
  degraded?: string[];
}

/**
 * The Data API as its own process (as in a pod), started while Milvus refuses
 * connections: the Milvus client's own connection attempt fails in the
 * background, which must neither end the process nor keep it from using
 * Milvus once Milvus answers.
 */
describe("data-api as a process, started while Milvus refuses connections", function () {
  this.timeout(180_000);

  it("keeps serving with Milvus reported degraded and knowledge search 503, then uses Milvus once it answers", async () => {
    const [milvusHost, milvusPort] = requireEnv("MILVUS_ADDRESS").split(":") as [string, string];
    const milvus = new TcpSwitch(milvusHost, Number(milvusPort));
    await milvus.up();
    await milvus.down();
    const port = await freePort();
    const env = isolatedEnv({
      PORT: String(port),
      LOG_LEVEL: "warn",
      MILVUS_ADDRESS: `127.0.0.1:${milvus.port}`,
      MILVUS_TIMEOUT_MS: "1500",
    });
    const api = spawn(
      "timeout",
      [
        "--signal=TERM",
        "--kill-after=5s",
        "170",
        process.execPath,
        "--conditions=source",
        "--import",
        "tsx",
        "services/data-api/src/main.ts",
      ],
      { cwd: repoRoot, env, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    api.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let exit: number | null | undefined;
    api.on("exit", (code) => (exit = code));
    const url = `http://127.0.0.1:${port}/api/v1`;
    const ready = () => call<Readiness>(`${url}/ready`);
    try {
      await waitUntil("data-api", async () => (await call(`${url}/health`).catch(() => undefined))?.status === 200, {
        timeoutMs: 120_000,
        ...(api.pid !== undefined ? { pid: api.pid } : {}),
      });
      // Each of these makes the client try Milvus; its failed connection attempt settles meanwhile.
      const degraded = await ready();
      expect(degraded.body.data?.degraded, JSON.stringify(degraded.body)).to.deep.equal(["milvus"]);
      const search = await call(`${url}/vector/search`, { method: "POST", json: { query: "x" } });
      expect([503, 504], JSON.stringify(search.body)).to.include(search.status);
      expect((await ready()).body.data?.degraded).to.deep.equal(["milvus"]);
      expect((await call(`${url}/health`)).status, stderr).to.equal(200);
      expect(exit, stderr).to.equal(undefined);

      await milvus.up();
      await waitUntil("milvus ok in /ready", async () => (await ready()).body.data?.checks.milvus === "ok", { timeoutMs: 120_000 });
      expect(exit, stderr).to.equal(undefined);
    } finally {
      api.kill("SIGTERM");
      await milvus.down();
      await dropEverything(loadDataApiConfig(env)).catch(() => undefined);
    }
  });
});
