import type { Dataset } from "@one-data/data-api-contract";
import { createLogger, listen, type RunningServer } from "@one-data/platform";
import { expect } from "chai";
import type { RowDataPacket } from "mysql2/promise";
import { createApp } from "../src/app.js";
import { connectDependencies, type ConnectedDependencies } from "../src/wiring.js";
import {
  call,
  dropEverything,
  isolatedConfig,
  listKeys,
  ownerConnection,
  putObject,
  startHarness,
  uploadForm,
  type Harness,
} from "./support/harness.js";
import { TcpSwitch } from "./support/tcp-switch.js";

describe("data-api bad input: clear 4xx and nothing half-written", function () {
  this.timeout(60_000);
  let h: Harness;

  before(async () => {
    h = await startHarness({ UPLOAD_MAX_BYTES: "4096", JSON_BODY_LIMIT: "2kb" });
  });
  after(async () => {
    await h?.stop();
  });

  async function assertNothingWritten(): Promise<void> {
    expect((await call<Dataset[]>(`${h.url}/datasets`)).body.data).to.deep.equal([]);
    expect(await listKeys(h.config, "uploads/")).to.deep.equal([]);
    const connection = await ownerConnection(h.config);
    try {
      const [tables] = await connection.query<RowDataPacket[]>("SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [
        h.config.MYSQL_DATASETS_DATABASE,
      ]);
      expect(tables).to.deep.equal([]);
      const [versions] = await connection.query<RowDataPacket[]>(`SELECT * FROM \`${h.config.MYSQL_DATABASE}\`.dataset_versions`);
      expect(versions).to.deep.equal([]);
      const [datasets] = await connection.query<RowDataPacket[]>(`SELECT * FROM \`${h.config.MYSQL_DATABASE}\`.datasets`);
      expect(datasets).to.deep.equal([]);
    } finally {
      await connection.end();
    }
  }

  it("refuses ragged CSV, binary and non-UTF-8 files with 422 and removes the uploaded object, table and reservation", async () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ["ragged.csv", "a,b\n1,2\n3,4,5\n", /ragged CSV: line 3 has 3 fields, the header has 2/],
      ["image.csv", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]), /binary/],
      ["latin1.csv", Buffer.from("name\nJos\xe9\n", "latin1"), /UTF-8/],
      ["bad.jsonl", '{"a":1}\n{"a":\n', /not valid JSON Lines/],
    ];
    for (const [name, content, why] of cases) {
      const res = await uploadForm(h.url, { name: `bad-${name}`, format: name.endsWith(".jsonl") ? "jsonl" : "csv" }, { name, content });
      expect(res.status, name).to.equal(422);
      expect(res.body.code, name).to.equal(42201);
      expect(res.body.message, name).to.match(why);
    }
    await assertNothingWritten();
  });

  it("refuses an upload over UPLOAD_MAX_BYTES with 413 and keeps no object", async () => {
    const big = "a,b\n" + "1,2\n".repeat(5000);
    const res = await uploadForm(h.url, { name: "big", format: "csv" }, { name: "big.csv", content: big });
    expect(res.status).to.equal(413);
    expect(res.body.code).to.equal(41301);
    await assertNothingWritten();
  });

  it("refuses malformed upload forms with 400 or 415", async () => {
    const noFile = await uploadForm(h.url, { name: "x", format: "csv" }, undefined);
    expect([noFile.status, noFile.body.code]).to.deep.equal([400, 40001]);
    const noName = await uploadForm(h.url, { format: "csv" }, { name: "a.csv", content: "a\n1\n" });
    expect([noName.status, noName.body.code]).to.deep.equal([400, 40001]);
    expect(noName.body.message).to.match(/name/);
    const json = await call(`${h.url}/datasets/upload`, { method: "POST", json: { name: "x" } });
    expect([json.status, json.body.code]).to.deep.equal([415, 41501]);
    const noBoundary = await call(`${h.url}/datasets/upload`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data" },
      body: "x",
    });
    expect(noBoundary.status).to.equal(400);
    await assertNothingWritten();
  });

  it("refuses bad registrations: missing or wrongly typed fields, bad paths, missing objects, unknown parents, oversized and malformed JSON", async () => {
    const post = (json: unknown) => call(`${h.url}/datasets`, { method: "POST", json });
    const path = `s3://${h.config.S3_BUCKET}/exists.csv`;
    await putObject(h.config, "exists.csv", "a\n1\n");
    for (const [json, status, code] of [
      [{}, 400, 40001],
      [{ name: "x", storage_path: path }, 400, 40001],
      [{ name: 5, storage_path: path, format: "csv" }, 400, 40001],
      [{ name: "x", storage_path: "/etc/passwd", format: "csv" }, 400, 40001],
      [{ name: "x", storage_path: path, format: "csv", derived_from: { dataset_id: "ds-001" } }, 400, 40001],
      [{ name: "x", storage_path: `s3://${h.config.S3_BUCKET}/missing.csv`, format: "csv" }, 422, 42201],
      [{ name: "x", storage_path: "s3://no-such-bucket-zz/missing.csv", format: "csv" }, 422, 42201],
      [{ name: "x", storage_path: path, format: "csv", derived_from: { dataset_id: "ds-404", version: 1 } }, 422, 42201],
      [{ name: "x".repeat(3000), storage_path: path, format: "csv" }, 413, 41301],
    ] as const) {
      const res = await post(json);
      expect([res.status, res.body.code], JSON.stringify(json).slice(0, 120)).to.deep.equal([status, code]);
    }
    const malformed = await call(`${h.url}/datasets`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect([malformed.status, malformed.body.code]).to.deep.equal([400, 40002]);
    expect((await call<Dataset[]>(`${h.url}/datasets`)).body.data).to.deep.equal([]);
  });
});

describe("data-api with its dependencies down", function () {
  this.timeout(60_000);

  async function start(deps: ConnectedDependencies): Promise<{ server: RunningServer; url: string }> {
    const server = await listen(createApp(deps), { host: "127.0.0.1", port: 0, log: deps.log, handleSignals: false });
    return { server, url: `${server.url}/api/v1` };
  }

  it("answers 503 with a code quickly, never hanging, when MySQL and MinIO are unreachable", async () => {
    const config = isolatedConfig({ MYSQL_PORT: "1", S3_ENDPOINT: "http://127.0.0.1:1", MYSQL_TIMEOUT_MS: "1500", S3_TIMEOUT_MS: "1500" });
    const deps = connectDependencies(config, createLogger("data-api-test", "silent"));
    const { server, url } = await start(deps);
    try {
      for (const [method, path, json] of [
        ["GET", "/ready", undefined],
        ["GET", "/datasets", undefined],
        ["GET", "/datasets/ds-001", undefined],
        ["POST", "/query", { sql: "SELECT 1" }],
        ["GET", "/metadata/tables", undefined],
      ] as const) {
        const res = await call(`${url}${path}`, { method, ...(json ? { json } : {}) });
        expect(res.status, path).to.equal(503);
        expect(res.body.code, path).to.equal(50301);
      }
      const ready = await call<never>(`${url}/ready`);
      expect((ready.body.details as { checks: Record<string, string> }).checks).to.have.keys("mysql", "s3", "milvus");
      expect((ready.body.details as { checks: Record<string, string> }).checks.mysql).to.not.equal("ok");
      expect((await call(`${url}/health`)).status).to.equal(200);
    } finally {
      await server.close();
      await deps.close();
    }
  });

  it("recovers by itself when MySQL and MinIO come back", async () => {
    const mysqlSwitch = new TcpSwitch(process.env.MYSQL_HOST!, Number(process.env.MYSQL_PORT));
    const s3Url = new URL(process.env.S3_ENDPOINT!);
    const s3Switch = new TcpSwitch(s3Url.hostname, Number(s3Url.port));
    await mysqlSwitch.up();
    await s3Switch.up();
    const config = isolatedConfig({
      MYSQL_PORT: String(mysqlSwitch.port),
      S3_ENDPOINT: `http://127.0.0.1:${s3Switch.port}`,
      MYSQL_TIMEOUT_MS: "1500",
      S3_TIMEOUT_MS: "1500",
      // Registry reads are cached for a second by default; this test wants to see every outage.
      REGISTRY_CACHE_MS: "0",
    });
    const deps = connectDependencies(config, createLogger("data-api-test", "silent"));
    await deps.prepare();
    const { server, url } = await start(deps);
    try {
      expect((await call(`${url}/ready`)).status).to.equal(200);
      expect((await call(`${url}/datasets`)).status).to.equal(200);

      await mysqlSwitch.down();
      await s3Switch.down();
      const down = await call(`${url}/datasets`);
      expect([down.status, down.body.code]).to.deep.equal([503, 50301]);
      expect((await call(`${url}/ready`)).status).to.equal(503);

      await mysqlSwitch.up();
      await s3Switch.up();
      const back = await call(`${url}/datasets`);
      expect(back.status, JSON.stringify(back.body)).to.equal(200);
      const ready = await call(`${url}/ready`);
      expect(ready.status, JSON.stringify(ready.body)).to.equal(200);
    } finally {
      await server.close();
      await deps.close();
      await mysqlSwitch.down();
      await s3Switch.down();
      await dropEverything({ ...config, MYSQL_PORT: Number(process.env.MYSQL_PORT), S3_ENDPOINT: process.env.S3_ENDPOINT! });
    }
  });
});
