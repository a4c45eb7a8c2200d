import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import type { AcceptanceConfig } from "../src/config.js";
import type { SuiteContext } from "../src/context.js";
import { CheckFailure } from "../src/index.js";
import { everyHealthEndpoint } from "../src/checks/smoke.js";

/**
 * A double of the platform's health endpoints, never shipped: the Data API's
 * /ready answers "not ready" (503, as the Data API does when a dependency is
 * slow to answer) to its first `notReadyAnswers` requests, then ready; the
 * health endpoints and the model list always answer.
 */
async function startHealthDouble(
  notReadyAnswers: number,
): Promise<{ url: string; readyRequests: () => number; close: () => Promise<void> }> {
  let readyRequests = 0;
  const send = (res: import("node:http").ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  const server: Server = createServer((req, res) => {
    if (req.url === "/api/v1/health") return send(res, 200, { code: 0, message: "healthy" });
    if (req.url === "/v1/models") return send(res, 200, { object: "list", data: [{ id: "double-model", object: "model" }] });
    if (req.url === "/api/v1/ready") {
      readyRequests += 1;
      return readyRequests <= notReadyAnswers
        ? send(res, 503, { code: 50301, message: "not ready: mysql did not answer within 2500 ms" })
        : send(res, 200, { code: 0, message: "ready", data: { checks: { mysql: "ok" } } });
    }
    return send(res, 404, { code: 40401, message: "not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    readyRequests: () => readyRequests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function context(url: string): SuiteContext {
  return { config: {} as AcceptanceConfig, dataApi: url, agentApi: url, modelEndpoint: url, requestTimeoutMs: 10_000 };
}

describe("acceptance: smoke.health reads the Data API's readiness as the kubelet's probe does", function () {
  this.timeout(60_000);

  it("passes when one answer was 'not ready' and the next is ready (one slow dependency check is not an outage)", async () => {
    const platform = await startHealthDouble(1);
    try {
      expect(await everyHealthEndpoint.run(context(platform.url))).to.include("ready");
      expect(platform.readyRequests()).to.equal(2);
    } finally {
      await platform.close();
    }
  });

  it("fails with the Data API's own reason when it stays not ready", async () => {
    const platform = await startHealthDouble(Number.POSITIVE_INFINITY);
    try {
      const error = await everyHealthEndpoint.run(context(platform.url)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(CheckFailure);
      expect((error as CheckFailure).message).to.include("mysql did not answer within 2500 ms");
      expect(platform.readyRequests(), "three answers in a row, as a readiness probe's failure threshold").to.equal(3);
    } finally {
      await platform.close();
    }
  });
});
