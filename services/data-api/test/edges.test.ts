import type { Dataset } from "@one-data/data-api-contract";
import { listen, type RunningServer } from "@one-data/platform";
import { expect } from "chai";
import { request } from "node:http";
import { pino } from "pino";
import { createApp } from "../src/app.js";
import { findHalfWritten } from "./support/consistency.js";
import { connectDependencies } from "../src/wiring.js";
import { call, isolatedConfig, putObject, startHarness, uploadForm, type Harness } from "./support/harness.js";

/** Issue 11 item 8 and 11: unknown methods, dot segments, wrong delimiters, the access log. */
describe("data-api edges: unknown methods, odd paths and files, the access log", function () {
  this.timeout(60_000);
  let h: Harness;
  let logged: RunningServer;
  const lines: { method?: string; path?: string; status?: number; msg?: string }[] = [];
  const access = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });

  before(async () => {
    h = await startHarness({ REGISTRY_CACHE_MS: "0" });
    logged = await listen(createApp({ ...h.deps, log: access }), { host: "127.0.0.1", port: 0, log: access, handleSignals: false });
  });
  after(async () => {
    await logged?.close();
    await h?.stop();
  });

  /** fetch refuses TRACE and friends; node:http sends any method. */
  function send(url: string, method: string): Promise<{ status: number; body: { code?: number }; allow: string | undefined }> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as { code?: number }) : {}, allow: res.headers.allow }),
        );
      });
      req.on("error", reject);
      req.end();
    });
  }

  it("answers TRACE, PROPFIND, PUT and OPTIONS on a served path with 405, code 40501 and Allow; unknown paths with 404", async () => {
    for (const method of ["TRACE", "PROPFIND", "PUT", "PATCH", "OPTIONS"]) {
      for (const path of ["/datasets", "/health", "/datasets/ds-001"]) {
        const res = await send(`${h.url}${path}`, method);
        expect([res.status, res.body.code], `${method} ${path}`).to.deep.equal([405, 40501]);
        expect(res.allow, `${method} ${path}`).to.match(/GET/);
      }
    }
    expect((await send(`${h.url}/datasets`, "TRACE")).allow?.split(", ").sort()).to.deep.equal(["GET", "HEAD", "POST"]);
    // /datasets/upload also matches /datasets/:id, whose methods are not the upload's: the literal route decides.
    expect((await send(`${h.url}/datasets/upload`, "OPTIONS")).allow?.split(", ").sort()).to.deep.equal(["POST"]);
    const getUpload = await send(`${h.url}/datasets/upload`, "GET");
    expect([getUpload.status, getUpload.body.code, getUpload.allow]).to.deep.equal([405, 40501, "POST"]);
    const unknown = await send(`${h.url}/no-such-thing`, "PROPFIND");
    expect([unknown.status, unknown.body.code]).to.deep.equal([404, 40401]);
  });

  it("refuses an integer query parameter given without a value (?sample_rows=) with 400 instead of reading it as 0", async () => {
    for (const path of ["/metadata/tables?sample_rows=", "/datasets?limit=", "/datasets?offset=", "/datasets/ds-001?version="]) {
      const res = await call(`${h.url}${path}`);
      expect([res.status, res.body.code], path).to.deep.equal([400, 40001]);
    }
    expect((await call(`${h.url}/metadata/tables?sample_rows=0`)).status).to.equal(200);
  });

  it("refuses storage paths with . or .. segments with 400 and a code", async () => {
    for (const storage_path of [
      `s3://${h.config.S3_BUCKET}/a/../x.csv`,
      `s3://${h.config.S3_BUCKET}/./x.csv`,
      `s3://${h.config.S3_BUCKET}/..`,
    ]) {
      const res = await call(`${h.url}/datasets`, { method: "POST", json: { name: "dots", storage_path, format: "csv" } });
      expect([res.status, res.body.code], storage_path).to.deep.equal([400, 40001]);
      expect(res.body.message, storage_path).to.match(/\.\. path segments/);
      const doc = await call(`${h.url}/knowledge/documents`, { method: "POST", json: { name: "dots", storage_path } });
      expect([doc.status, doc.body.code], storage_path).to.deep.equal([400, 40001]);
    }
  });

  it("refuses a bucket or key the object store itself refuses with 422, not 500", async () => {
    const res = await call(`${h.url}/datasets`, {
      method: "POST",
      json: { name: "odd", storage_path: `s3://000/${"0".repeat(1050)}`, format: "csv" },
    });
    expect([res.status, res.body.code], JSON.stringify(res.body)).to.deep.equal([422, 42201]);
  });

  it("refuses a comma-separated file registered or uploaded as tsv, and a TSV with a stray quote, with 422 and nothing written", async () => {
    const comma = await putObject(h.config, "comma.csv", 'name,amount\n"x, y",3\nz,4\n');
    const registered = await call(`${h.url}/datasets`, { method: "POST", json: { name: "comma", storage_path: comma, format: "tsv" } });
    expect([registered.status, registered.body.code], JSON.stringify(registered.body)).to.deep.equal([422, 42201]);
    expect(registered.body.message).to.match(/declared tsv but is ","-separated/);
    const plain = await uploadForm(h.url, { name: "comma2", format: "tsv" }, { name: "c.tsv", content: "a,b\n1,2\n" });
    expect([plain.status, plain.body.code]).to.deep.equal([422, 42201]);
    const quoted = await uploadForm(h.url, { name: "quoted", format: "tsv" }, { name: "q.tsv", content: 'name\tnote\nx\ty"z\n"a\tb\n' });
    expect([quoted.status, quoted.body.code], JSON.stringify(quoted.body)).to.deep.equal([422, 42201]);
    expect((await call<Dataset[]>(`${h.url}/datasets`)).body.data).to.deep.equal([]);
    expect(await findHalfWritten(h.config)).to.deep.equal([]);
  });

  it("refuses a recursive CTE that the database stopped at its iteration limit instead of returning a truncated count", async () => {
    const recursive = (n: number) =>
      `WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < ${n}) SELECT COUNT(*) AS c FROM t`;
    const within = await call<{ rows: { c: number }[] }>(`${h.url}/query`, { method: "POST", json: { sql: recursive(500) } });
    expect(within.status, JSON.stringify(within.body)).to.equal(200);
    expect(within.body.data!.rows).to.deep.equal([{ c: 500 }]);
    const beyond = await call(`${h.url}/query`, { method: "POST", json: { sql: recursive(5000) } });
    expect([beyond.status, beyond.body.code], JSON.stringify(beyond.body)).to.deep.equal([400, 40004]);
    expect(beyond.body.message).to.match(/recursive|incomplete/i);
  });

  it("registers many new names at once without a 500 (InnoDB resolves their gap locks as deadlocks, which are retried)", async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        uploadForm(h.url, { name: `concurrent_${i}`, format: "csv" }, { name: `c${i}.csv`, content: `id,v\n1,${i}\n` }),
      ),
    );
    expect(
      results.map((res) => res.status),
      JSON.stringify(results.filter((res) => res.status !== 200).map((res) => res.body)),
    ).to.deep.equal(new Array(12).fill(200));
    expect(new Set(results.map((res) => (res.body.data as Dataset).dataset_id)).size).to.equal(12);
    expect(await findHalfWritten(h.config)).to.deep.equal([]);
  });

  it("writes the status the client got into the access log: 503, 405, 404 and 400 as themselves", async () => {
    const base = `${logged.url}/api/v1`;
    const noDatabase = connectDependencies(isolatedConfig({ MYSQL_PORT: "1", MYSQL_TIMEOUT_MS: "1000" }), access);
    const down = await listen(createApp(noDatabase), { host: "127.0.0.1", port: 0, log: access, handleSignals: false });
    try {
      lines.length = 0;
      expect((await call(`${down.url}/api/v1/datasets`)).status).to.equal(503);
      expect((await send(`${base}/datasets`, "TRACE")).status).to.equal(405);
      expect((await call(`${base}/datasets/ds-404`)).status).to.equal(404);
      expect((await call(`${base}/datasets`, { method: "POST", json: {} })).status).to.equal(400);
      expect((await call(`${base}/health`)).status).to.equal(200);
      const requests = lines.filter((line) => line.msg === "request").map((line) => [line.method, line.path, line.status]);
      expect(requests).to.deep.equal([
        ["GET", "/api/v1/datasets", 503],
        ["TRACE", "/api/v1/datasets", 405],
        ["GET", "/api/v1/datasets/ds-404", 404],
        ["POST", "/api/v1/datasets", 400],
        ["GET", "/api/v1/health", 200],
      ]);
    } finally {
      await down.close();
      await noDatabase.close();
    }
  });
});
