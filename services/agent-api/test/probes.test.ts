import { expect } from "chai";
import { salesMetadata } from "./fixtures.js";
import { startHarness, type Harness } from "./harness.js";
import { OwnedRedis } from "../../../test/support/owned-processes.js";

/**
 * The probes of agent-api's Deployment: liveness (`/api/v1/health`) must not
 * depend on any other service, readiness (`/api/v1/ready`) must check what
 * answering needs — the Data API, the model and Redis — each within a short
 * deadline, and name the dependency that is down.
 */
describe("agent-api: liveness and readiness probes", function () {
  this.timeout(30_000);
  const readyTimeoutMs = 300;
  let redis: OwnedRedis;
  let h: Harness;

  before(async () => {
    redis = await OwnedRedis.start();
  });
  after(async () => {
    await redis?.kill();
  });
  beforeEach(async () => {
    h = await startHarness({ data: { tables: [salesMetadata] }, redis: { host: redis.host, port: redis.port }, readyTimeoutMs });
  });
  afterEach(async () => {
    await h.close();
  });

  const ready = () => h.get("/api/v1/ready");

  it("is ready when the Data API, the model and Redis answer", async () => {
    const res = await ready();
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ code: 0, message: "ready", data: { checks: { "data-api": "ok", model: "ok", redis: "ok" } } });
    expect(h.data.calls.health, "the Data API was asked").to.equal(1);
    expect(
      h.model.requests.filter((r) => r.path === "/v1/models"),
      "the model was asked",
    ).to.have.length(1);
  });

  it("names the model when it fails, and asks again on the next probe", async () => {
    h.model.fail({ path: "/v1/models", status: 502 });
    const res = await ready();
    expect([res.status, res.body.code, res.body.details.dependency]).to.deep.equal([503, 50301, "model"]);
    expect(res.body.details.checks).to.include({ "data-api": "ok", redis: "ok" });
    expect(res.body.message).to.equal("not ready: model unavailable");
    expect((await ready()).status, "recovered without a restart").to.equal(200);
  });

  it("names the Data API when it hangs up or does not answer within the check's deadline", async () => {
    h.data.fail("health", { status: 0, hangUp: true });
    const down = await ready();
    expect([down.status, down.body.code, down.body.details.dependency]).to.deep.equal([503, 50301, "data-api"]);
    // Slower than the test's own timeout: an answer can only come from the check's deadline.
    h.data.fail("health", { status: 200, delayMs: 60_000 });
    const slow = await ready();
    expect([slow.status, slow.body.details.dependency]).to.deep.equal([503, "data-api"]);
    expect(slow.body.details.checks["data-api"]).to.equal(`data-api did not answer within ${readyTimeoutMs} ms`);
    h.data.fail("health", undefined);
    expect((await ready()).status).to.equal(200);
  });

  it("names Redis when it is hung (connection open, no answers) and is ready again once it resumes", async () => {
    redis.hang();
    try {
      const res = await ready();
      expect([res.status, res.body.code, res.body.details.dependency]).to.deep.equal([503, 50301, "redis"]);
      expect(res.body.details.checks).to.include({ "data-api": "ok", model: "ok" });
    } finally {
      redis.resume();
    }
    expect((await ready()).status).to.equal(200);
  });

  it("keeps liveness at the seed's contract whatever the dependencies do", async () => {
    h.model.fail({ status: 500, times: 10 });
    h.data.fail("health", { status: 0, hangUp: true });
    redis.hang();
    try {
      // Redis stays hung until after the answer: liveness that waited on it would not answer at all.
      const res = await h.get("/api/v1/health");
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.include({ code: 0, message: "healthy", model_endpoint: h.model.url });
      expect(h.model.requests, "liveness asked the model nothing").to.deep.equal([]);
      expect(h.data.calls.health, "liveness asked the Data API nothing").to.equal(0);
    } finally {
      redis.resume();
    }
  });
});
