import type { Dataset } from "@one-data/data-api-contract";
import { createLogger, listen, type RunningServer } from "@one-data/platform";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { createApp } from "../src/app.js";
import type { DataApiConfig } from "../src/config.js";
import { connectDependencies, type ConnectedDependencies } from "../src/wiring.js";
import { OpenAiDouble } from "../../../test/doubles/openai-double.js";
import { findHalfWritten } from "./support/consistency.js";
import { DrillServer } from "./support/drill-servers.js";
import { requireEnv, waitUntil } from "../../../test/support/testkit.js";
import { dropEverything, isolatedConfig, onceBack, uploadForm, type ApiResponse } from "./support/harness.js";
import { TcpSwitch } from "./support/tcp-switch.js";

/**
 * Fault drills (issue 11): MinIO, Milvus and MariaDB hung and killed while a
 * mixed workload runs against one Data API. Every answer must be a success or
 * a 503/504 with its code, within the dependency's deadline; once the
 * dependency is back the same Data API process answers again by itself; and
 * the consistency check finds nothing half-written. MinIO and Milvus are
 * throwaway servers the drill starts, SIGSTOPs and SIGKILLs by PID; MariaDB
 * is the shared server behind a switchable forwarder (hang = forwarding stops,
 * kill = connections cut and refused), so the other tests' database is untouched.
 */
describe("fault drills: MinIO, Milvus and MariaDB hung and killed under load", function () {
  this.timeout(600_000);
  const log = createLogger("data-api-drill", process.env.TEST_LOG_LEVEL ?? "silent");
  const timeouts = { MYSQL_TIMEOUT_MS: 2000, S3_TIMEOUT_MS: 2000, MILVUS_TIMEOUT_MS: 3000 };
  // A request may meet its dependency's deadline twice (its work, then the clean-up of that work); the fault lasts
  // until every request has answered, so an answer comes from a deadline. A client still waiting this long sees a hang.
  const hangAfterMs = 2 * timeouts.MILVUS_TIMEOUT_MS + 23_000;
  let minio: Awaited<ReturnType<typeof DrillServer.minio>>;
  let milvus: Awaited<ReturnType<typeof DrillServer.milvus>>;
  let mysql: TcpSwitch;
  let model: OpenAiDouble;
  let config: DataApiConfig;
  let deps: ConnectedDependencies;
  let server: RunningServer;
  let url: string;
  let round = 0;
  const figures: { drill: string; requests: number; failed_cleanly: number; slowest_ms: number; recovery_ms: number }[] = [];

  before(async () => {
    requireEnv("MINIO_BIN");
    minio = await DrillServer.minio(DrillServer.port(0));
    milvus = await DrillServer.milvus(DrillServer.port(2));
    mysql = new TcpSwitch(requireEnv("MYSQL_HOST"), Number(requireEnv("MYSQL_PORT")));
    await mysql.up();
    model = await OpenAiDouble.start({ modelName: "drill-embed", embeddingDimension: 8 });
    config = isolatedConfig({
      S3_ENDPOINT: minio.endpoint,
      S3_ACCESS_KEY: minio.accessKey,
      S3_SECRET_KEY: minio.secretKey,
      MILVUS_ADDRESS: milvus.address,
      MYSQL_PORT: String(mysql.port),
      EMBEDDING_ENDPOINT: model.url,
      EMBEDDING_MODEL: "drill-embed",
      REGISTRY_CACHE_MS: "0",
      MYSQL_TIMEOUT_MS: String(timeouts.MYSQL_TIMEOUT_MS),
      S3_TIMEOUT_MS: String(timeouts.S3_TIMEOUT_MS),
      MILVUS_TIMEOUT_MS: String(timeouts.MILVUS_TIMEOUT_MS),
    });
    deps = connectDependencies(config, log);
    await deps.prepare();
    server = await listen(createApp(deps), { host: "127.0.0.1", port: 0, log, handleSignals: false });
    url = `${server.url}/api/v1`;
    // Seeded with the drill's short deadlines: on a busy machine the first calls may meet them; they are retried.
    const seeded = await onceBack(() =>
      uploadForm(
        url,
        { name: "orders", format: "csv" },
        { name: "orders.csv", content: "id,customer_id,amount\n1,1001,120.5\n2,1002,80\n3,1001,400\n" },
      ),
    );
    expect(seeded.status, JSON.stringify(seeded.body)).to.equal(200);
    const doc = await onceBack(() =>
      post("/knowledge/documents", { name: "glossary", content: "# Key customer\nA key customer spends at least 500 in total." }),
    );
    expect(doc.status, JSON.stringify(doc.body)).to.equal(201);
  });

  after(async () => {
    console.log(`    drill figures: ${JSON.stringify(figures)}`);
    await server?.close();
    await deps?.compensations.settled();
    await deps?.close();
    await model?.close();
    if (mysql) {
      mysql.resume();
      await mysql.down();
    }
    if (config) await dropEverything({ ...config, MYSQL_PORT: Number(requireEnv("MYSQL_PORT")) }).catch(() => undefined);
    await minio?.stop();
    await milvus?.stop();
  });

  async function timed(path: string, init: RequestInit & { json?: unknown } = {}): Promise<ApiResponse & { ms: number }> {
    const started = Date.now();
    const { json, ...rest } = init;
    // The client gives up well after the deadlines, so a hang shows as a failure, not as a stuck test.
    const response = await fetch(`${url}${path}`, {
      ...rest,
      signal: AbortSignal.timeout(hangAfterMs),
      headers: json === undefined ? rest.headers : { "content-type": "application/json" },
      body: json === undefined ? rest.body : JSON.stringify(json),
    });
    const text = await response.text();
    let body: ApiResponse["body"];
    try {
      body = JSON.parse(text) as ApiResponse["body"];
    } catch {
      body = { code: -1, message: text };
    }
    return { status: response.status, body, headers: response.headers, ms: Date.now() - started };
  }

  function post(path: string, json: unknown) {
    return timed(path, { method: "POST", json });
  }

  /** One of everything the API does, reads and (unless `writes` is false) writes, at once. */
  async function workload(writes = true): Promise<{ op: string; status: number; code: number; ms: number }[]> {
    round += 1;
    const suffix = `${round}_${randomBytes(2).toString("hex")}`;
    const form = new FormData();
    form.append("name", `drill_upload_${suffix}`);
    form.append("format", "csv");
    form.append("file", new Blob([`id,amount\n1,${round}\n2,${round + 1}\n`], { type: "text/csv" }), "drill.csv");
    const ops: [string, () => Promise<ApiResponse & { ms: number }>][] = [
      ["list datasets", () => timed("/datasets")],
      ["get dataset", () => timed("/datasets/ds-001")],
      ["preview", () => timed("/datasets/ds-001/preview")],
      ["schema", () => timed("/datasets/ds-001/schema")],
      ["download link", () => timed("/datasets/ds-001/download")],
      ["metadata", () => timed("/metadata/tables")],
      ["query", () => post("/query", { sql: "SELECT customer_id, SUM(amount) AS total FROM ds_001_v1 GROUP BY customer_id" })],
      ["ready", () => timed("/ready")],
      ["upload", () => timed("/datasets/upload", { method: "POST", body: form })],
      [
        "register knowledge",
        () => post("/knowledge/documents", { name: `drill_doc_${suffix}`, content: `# Drill ${suffix}\nRound ${round} of the drill.` }),
      ],
      ["list knowledge", () => timed("/knowledge/documents")],
      ["search", () => post("/vector/search", { query: "key customer", top_k: 3 })],
    ];
    const writing = new Set(["upload", "register knowledge"]);
    return Promise.all(
      ops
        .filter(([op]) => writes || !writing.has(op))
        .map(async ([op, run]) => {
          const res = await run();
          return { op, status: res.status, code: res.body.code, ms: res.ms };
        }),
    );
  }

  /** Polls a request that needs the dependency until it succeeds: how long the Data API took to notice it is back. */
  async function recovery(probe: () => Promise<ApiResponse>, limitMs = 60_000): Promise<number> {
    const started = Date.now();
    let last: ApiResponse | undefined;
    await waitUntil("recovery", async () => (last = await probe()).status < 300, { timeoutMs: limitMs, intervalMs: 100 }).catch(() => {
      throw new Error(`no recovery within ${limitMs} ms: ${last?.status} ${JSON.stringify(last?.body)}`);
    });
    return Date.now() - started;
  }

  const probes = {
    minio: () => timed("/datasets/ds-001/download?redirect=false").then(async (res) => (res.status < 300 ? timed("/ready") : res)),
    milvus: () => post("/vector/search", { query: "key customer", top_k: 1 }),
    mariadb: () => timed("/datasets"),
  };

  // MariaDB drills run reads only: a registration that meets a hung or dying MariaDB is issue 11 item 2
  // (registration compensation), tested with that work.
  const drills: {
    dependency: keyof typeof probes;
    fault: "hung" | "killed";
    writes?: false;
    inject: () => Promise<void>;
    heal: () => Promise<void>;
  }[] = [
    { dependency: "minio", fault: "hung", inject: async () => minio.hang(), heal: async () => minio.resume() },
    { dependency: "minio", fault: "killed", inject: () => minio.kill(), heal: async () => void (await minio.start()) },
    { dependency: "milvus", fault: "hung", inject: async () => milvus.hang(), heal: async () => milvus.resume() },
    { dependency: "milvus", fault: "killed", inject: () => milvus.kill(), heal: async () => void (await milvus.start()) },
    { dependency: "mariadb", fault: "hung", writes: false, inject: async () => mysql.hang(), heal: async () => mysql.resume() },
    { dependency: "mariadb", fault: "killed", writes: false, inject: () => mysql.down(), heal: () => mysql.up() },
  ];

  for (const drill of drills) {
    it(`${drill.dependency} ${drill.fault}: answers 503/504 with a code while it lasts, recovers by itself, leaves nothing half-written`, async () => {
      await drill.inject();
      let outcomes: Awaited<ReturnType<typeof workload>>;
      try {
        outcomes = await workload(drill.writes ?? true);
      } finally {
        await drill.heal();
      }
      const recoveryMs = await recovery(probes[drill.dependency]);
      for (const outcome of outcomes) {
        const clean = outcome.status < 300 || ([503, 504].includes(outcome.status) && [50301, 50401].includes(outcome.code));
        expect(clean, `${outcome.op}: ${JSON.stringify(outcome)}`).to.equal(true);
      }
      const failedCleanly = outcomes.filter((o) => o.status >= 500).length;
      expect(failedCleanly, "the fault was felt").to.be.greaterThan(0);

      // The same process, not restarted, serves everything again.
      const after = await workload();
      expect(
        after.filter((o) => o.status >= 300),
        JSON.stringify(after),
      ).to.deep.equal([]);
      await deps.compensations.settled();
      expect(await findHalfWritten({ ...config, MYSQL_PORT: Number(requireEnv("MYSQL_PORT")) })).to.deep.equal([]);
      figures.push({
        drill: `${drill.dependency} ${drill.fault}`,
        requests: outcomes.length,
        failed_cleanly: failedCleanly,
        slowest_ms: Math.max(...outcomes.map((o) => o.ms)),
        recovery_ms: recoveryMs,
      });
      const listed = await timed("/datasets");
      expect((listed.body.data as Dataset[]).map((d) => d.name)).to.include("orders");
    });
  }
});
