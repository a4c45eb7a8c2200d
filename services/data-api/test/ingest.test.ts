import type { Dataset, Ingest } from "@one-data/data-api-contract";
import { expect } from "chai";
import type { RowDataPacket } from "mysql2/promise";
import { Readable } from "node:stream";
import { DatasetTables } from "../src/adapters/dataset-tables.js";
import { createMysqlPool } from "../src/adapters/mysql.js";
import { inferSchema, typedRowBatches } from "../src/domain/ingest.js";
import { requireEnv } from "../../../test/support/testkit.js";
import { call, listKeys, onceBack, ownerConnection, putObject, startHarness, uploadForm, type Harness } from "./support/harness.js";
import { OwnMariadb } from "./support/own-mariadb.js";
import { TcpSwitch } from "./support/tcp-switch.js";

type Connect = () => Promise<{ query: (sql: string, values?: unknown[]) => Promise<unknown>; end: () => Promise<void> }>;

/** Everything the registry, the datasets schema and the bucket hold: what a failed registration must not add to. */
async function leftovers(h: Harness, connect: Connect = () => ownerConnection(h.config)) {
  const connection = await connect();
  try {
    const [versions] = (await connection.query(
      `SELECT dataset_seq, version, status FROM \`${h.config.MYSQL_DATABASE}\`.dataset_versions ORDER BY 1, 2`,
    )) as [RowDataPacket[]];
    const [datasets] = (await connection.query(`SELECT seq, name FROM \`${h.config.MYSQL_DATABASE}\`.datasets ORDER BY 1`)) as [
      RowDataPacket[],
    ];
    const [tables] = (await connection.query("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY 1", [
      h.config.MYSQL_DATASETS_DATABASE,
    ])) as [RowDataPacket[]];
    return {
      versions: versions.map((v) => `${v.dataset_seq}:${v.version}:${v.status}`),
      datasets: datasets.map((d) => String(d.name)),
      tables: tables.map((t) => String(t.t)),
      uploads: await listKeys(h.config, "uploads/"),
    };
  } finally {
    await connection.end();
  }
}

/** A deterministic generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("data-api registration through LOAD DATA: values, progress, failures", function () {
  this.timeout(120_000);
  let h: Harness;

  before(async () => {
    h = await startHarness({ INGEST_PROGRESS_MS: "20" });
  });
  after(async () => {
    await h?.stop();
  });

  /** The rows the INSERT path (the way tables were loaded before LOAD DATA) stores for the same file and schema. */
  async function insertPathRows(key: string, registered: Dataset): Promise<unknown[]> {
    const pool = createMysqlPool({
      host: h.config.MYSQL_HOST,
      port: h.config.MYSQL_PORT,
      user: h.config.MYSQL_USER,
      password: h.config.MYSQL_PASSWORD,
      timeoutMs: 5000,
    });
    const tables = new DatasetTables(pool, h.config.MYSQL_DATASETS_DATABASE);
    const open = async () => h.deps.objects.open({ bucket: h.config.S3_BUCKET, key });
    try {
      const schema = await inferSchema(await open(), registered.format as "csv" | "jsonl");
      const stored = (await call<{ columns: { sql_type: string }[] }>(`${h.url}/datasets/${registered.dataset_id}/schema`)).body.data!;
      schema.columns = schema.columns.map((c, i) => ({ ...c, sql_type: stored.columns[i]!.sql_type }));
      await tables.create("insert_path", schema.columns, "reference");
      for await (const batch of typedRowBatches(await open(), schema)) await tables.insert("insert_path", schema.columns, batch);
      const [rows] = await pool.query(`SELECT * FROM \`${h.config.MYSQL_DATASETS_DATABASE}\`.insert_path`);
      await tables.drop("insert_path");
      return rows as unknown[];
    } finally {
      await pool.end();
    }
  }

  /** Rows as the Data API's own pool reads them (the same settings as the reference's). */
  async function tableRows(table: string): Promise<unknown[]> {
    const pool = createMysqlPool({
      host: h.config.MYSQL_HOST,
      port: h.config.MYSQL_PORT,
      user: h.config.MYSQL_USER,
      password: h.config.MYSQL_PASSWORD,
      timeoutMs: 5000,
    });
    try {
      const [rows] = await pool.query(`SELECT * FROM \`${h.config.MYSQL_DATASETS_DATABASE}\`.\`${table}\``);
      return rows as unknown[];
    } finally {
      await pool.end();
    }
  }

  const tricky = [
    "back\\slash",
    "tab\tinside",
    "new\nline",
    "carriage\rreturn",
    "\\N",
    "NULL",
    "\\t not a tab",
    "trailing\\",
    "北京 上海",
    "emoji 😀 𝄞",
    "comma, inside",
    'quote " inside',
    "semi;colon",
    "  spaced  ",
    "a|b",
  ];

  it("stores exactly what the INSERT path stored, for tricky CSV (escapes, separators, NULLs, Chinese, utf8mb4, types)", async () => {
    const next = random(12);
    const pick = <T>(values: readonly T[]) => values[Math.floor(next() * values.length)]!;
    const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
    const lines = ["id,文本,amount,flag,at,big,day"];
    for (let i = 1; i <= 300; i += 1) {
      lines.push(
        [
          String(i),
          next() < 0.2 ? "" : quote(pick(tricky)),
          next() < 0.2 ? "" : pick(["12.50", "-0.5", "+3", ".25", "7.", "1234567.891"]),
          pick(["true", "FALSE", "True", ""]),
          pick([
            "2024-01-01T10:00:00Z",
            "2024-02-29 23:59:59",
            "2024-03-01T08:00:00+08:00",
            "2024-03-01T00:00:00.125-0130",
            "2024-12-31",
            "",
          ]),
          pick(["9007199254740993", "-9223372036854775808", "42", ""]),
          pick(["2024-01-01", "1999-12-31", ""]),
        ].join(","),
      );
    }
    await putObject(h.config, "tricky.csv", `${lines.join("\r\n")}\r\n`);
    const res = await call<Dataset>(`${h.url}/datasets`, {
      method: "POST",
      json: { name: "tricky", storage_path: `s3://${h.config.S3_BUCKET}/tricky.csv`, format: "csv" },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.data!.row_count).to.equal(300);
    const loaded = await tableRows(res.body.data!.table!);
    expect(loaded).to.have.length(300);
    expect(loaded).to.deep.equal(await insertPathRows("tricky.csv", res.body.data!));
    // The escapes really round-trip (a broken encoder could corrupt both paths' reads alike only if it touched both).
    const texts = new Set((loaded as { 文本?: string; col_2?: string }[]).map((r) => r.col_2));
    for (const value of texts) if (value !== null) expect(tricky).to.include(value);
    expect(texts.has("tab\tinside") || texts.has("back\\slash") || texts.has("\\N")).to.equal(true);
  });

  it("stores exactly what the INSERT path stored, for tricky JSON Lines (late keys, nested values, escapes, NULLs)", async () => {
    const next = random(34);
    const pick = <T>(values: readonly T[]) => values[Math.floor(next() * values.length)]!;
    const lines: string[] = [];
    for (let i = 1; i <= 300; i += 1) {
      const row: Record<string, unknown> = {
        id: i,
        text: next() < 0.2 ? null : pick(tricky),
        price: pick([1.25, 0.1, -3, 100, null]),
        ok: pick([true, false, null]),
      };
      if (next() < 0.5) row.at = pick(["2024-05-01T12:00:00+02:00", "2024-05-01", "2024-05-02T00:00:00Z"]);
      if (i > 150) row.tags = pick([["a", "b"], { k: "v\tw" }, "plain", ""]);
      lines.push(JSON.stringify(row));
    }
    await putObject(h.config, "tricky.jsonl", `${lines.join("\n")}\n`);
    const res = await call<Dataset>(`${h.url}/datasets`, {
      method: "POST",
      json: { name: "tricky-jsonl", storage_path: `s3://${h.config.S3_BUCKET}/tricky.jsonl`, format: "jsonl" },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const loaded = await tableRows(res.body.data!.table!);
    expect(loaded).to.have.length(300);
    expect(loaded).to.deep.equal(await insertPathRows("tricky.jsonl", res.body.data!));
  });

  it("falls back to batched INSERTs on a server with local_infile OFF, storing the same rows", async () => {
    const admin = await ownerConnection(h.config);
    const lines = ["id,文本,amount,at"];
    for (let i = 1; i <= 1200; i += 1)
      lines.push(`${i},"${tricky[i % tricky.length]!.replaceAll('"', '""')}",${i % 7 === 0 ? "" : `${i}.25`},2024-03-01T08:00:00+08:00`);
    await putObject(h.config, "no-infile.csv", `${lines.join("\n")}\n`);
    try {
      await admin.query("SET GLOBAL local_infile = 0");
      const res = await call<Dataset>(`${h.url}/datasets`, {
        method: "POST",
        json: { name: "no-infile", storage_path: `s3://${h.config.S3_BUCKET}/no-infile.csv`, format: "csv" },
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.data!.row_count).to.equal(1200);
      const loaded = await tableRows(res.body.data!.table!);
      expect(loaded).to.have.length(1200);
      expect(loaded).to.deep.equal(await insertPathRows("no-infile.csv", res.body.data!));
    } finally {
      await admin.query("SET GLOBAL local_infile = 1");
      await admin.end();
    }
  });

  it("fails with 422 when a value does not fit its column while the table loads, and drops the table", async () => {
    // 1e400 looks like every other double of the column but overflows DOUBLE: only the load itself can find out.
    const before = await leftovers(h);
    const res = await uploadForm(
      h.url,
      { name: "overflow", format: "csv" },
      { name: "overflow.csv", content: "id,x\n1,1e5\n2,1e400\n3,2.5e3\n" },
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.code).to.equal(42201);
    expect(res.body.message).to.match(/does not fit its inferred column type: Out of range value for column 'x'/);
    expect(await leftovers(h)).to.deep.equal(before);
    expect((await call<Ingest[]>(`${h.url}/ingests`)).body.data).to.deep.equal([]);
  });

  it("reports a running registration's rows and bytes on GET /ingests, and nothing once it is done", async () => {
    const rows = 60_000;
    const csv = ["id,comment", ...Array.from({ length: rows }, (_, i) => `${i},"row ${i} ${"x".repeat(80)}"`)].join("\n") + "\n";
    await putObject(h.config, "progress.csv", csv);
    const registering = call<Dataset>(`${h.url}/datasets`, {
      method: "POST",
      json: { name: "progress", storage_path: `s3://${h.config.S3_BUCKET}/progress.csv`, format: "csv" },
    });
    let done = false;
    void registering.finally(() => {
      done = true;
    });
    const seen: Ingest[] = [];
    while (!done) {
      const res = await call<Ingest[]>(`${h.url}/ingests?name=progress`);
      expect(res.status).to.equal(200);
      seen.push(...res.body.data!);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await registering).status).to.equal(200);
    const moving = seen.filter((s) => s.bytes_processed > 0);
    expect(moving.length, "progress was seen while the registration ran").to.be.greaterThan(0);
    for (const s of moving) {
      expect(s).to.include({ name: "progress", bytes_total: Buffer.byteLength(csv) });
      expect(["inferring", "loading"]).to.include(s.phase);
      expect(s.bytes_processed).to.be.at.most(Buffer.byteLength(csv));
      expect(s.rows_processed).to.be.at.most(rows);
    }
    const last = moving.at(-1)!;
    expect(last.rows_processed).to.be.greaterThan(0);
    expect((await call<Ingest[]>(`${h.url}/ingests?name=progress`)).body.data).to.deep.equal([]);
  });
});

describe("data-api registration while MariaDB hangs or dies: nothing is left, whatever it does after answering late", function () {
  this.timeout(180_000);

  it("a registration given up on while MariaDB hung leaves nothing once MariaDB resumes, and the name registers as version 1", async () => {
    const mysqlSwitch = new TcpSwitch(process.env.MYSQL_HOST!, Number(process.env.MYSQL_PORT));
    await mysqlSwitch.up();
    const h = await startHarness({ MYSQL_PORT: String(mysqlSwitch.port), MYSQL_TIMEOUT_MS: "1500", REGISTRY_CACHE_MS: "0" });
    try {
      // Hung until the registration has answered: only its own deadline can end it.
      mysqlSwitch.hang();
      const hung = await uploadForm(h.url, { name: "orders", format: "csv" }, { name: "orders.csv", content: "id,amount\n1,2.5\n2,3.5\n" });
      expect([503, 504], JSON.stringify(hung.body)).to.include(hung.status);
      // The statements sent before the deadline now reach MariaDB and run, after the client heard 504.
      mysqlSwitch.resume();
      const again = await onceBack(() =>
        uploadForm(h.url, { name: "orders", format: "csv" }, { name: "orders.csv", content: "id,amount\n1,2.5\n2,3.5\n" }),
      );
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect(again.body.data).to.include({ name: "orders", version: 1, row_count: 2 });
      await h.deps.datasets.compensationsSettled();
      const left = await leftovers(h);
      const { dataset_id, table } = again.body.data as Dataset;
      const seq = Number(dataset_id.slice(3));
      expect(left.versions).to.deep.equal([`${seq}:1:active`]);
      expect(left.datasets).to.deep.equal(["orders"]);
      expect(left.tables).to.deep.equal([table]);
      expect(left.uploads).to.have.length(1);
    } finally {
      mysqlSwitch.resume();
      await h.stop();
      await mysqlSwitch.down();
    }
  });

  it("a registration whose MariaDB is killed mid-load leaves nothing behind once MariaDB is back, and the name registers as version 1", async () => {
    const mariadb = await OwnMariadb.create();
    const h = await startHarness({
      MYSQL_HOST: "127.0.0.1",
      MYSQL_PORT: String(mariadb.port),
      MYSQL_USER: mariadb.user,
      MYSQL_PASSWORD: mariadb.password,
      MYSQL_TIMEOUT_MS: "2000",
      REGISTRY_CACHE_MS: "0",
      INGEST_PROGRESS_MS: "20",
    });
    const connect = () => mariadb.connection();
    try {
      const rows = 200_000;
      const csv =
        ["id,amount,comment", ...Array.from({ length: rows }, (_, i) => `${i},${i % 1000}.25,"row ${i} ${"y".repeat(60)}"`)].join("\n") +
        "\n";
      const location = { bucket: h.config.S3_BUCKET, key: "big.csv" };
      await h.deps.objects.upload(location, Readable.from([Buffer.from(csv)]), "text/csv");
      const registering = call<Dataset>(`${h.url}/datasets`, {
        method: "POST",
        json: { name: "big", storage_path: `s3://${location.bucket}/big.csv`, format: "csv" },
      });
      for (;;) {
        const running = await h.deps.datasets.ingesting("big").catch(() => []);
        if (running.some((r) => r.phase === "loading" && r.rows_processed > 0)) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await mariadb.kill();
      const failed = await registering;
      expect([503, 504], JSON.stringify(failed.body)).to.include(failed.status);
      await mariadb.start();
      const again = await onceBack(() =>
        call<Dataset>(`${h.url}/datasets`, {
          method: "POST",
          json: { name: "big", storage_path: `s3://${location.bucket}/big.csv`, format: "csv" },
        }),
      );
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect(again.body.data).to.include({ name: "big", version: 1, row_count: rows });
      await h.deps.datasets.compensationsSettled();
      const left = await leftovers(h, connect);
      const seq = Number(again.body.data!.dataset_id.slice(3));
      expect(left.versions).to.deep.equal([`${seq}:1:active`]);
      expect(left.datasets).to.deep.equal(["big"]);
      expect(left.tables).to.deep.equal([again.body.data!.table]);
    } finally {
      await h.stop().catch(() => undefined);
      await mariadb.stop();
    }
  });
});

describe("data-api registration while MinIO stops or drops in the middle of the object", function () {
  this.timeout(180_000);

  for (const then of ["hang", "cut"] as const) {
    it(`answers ${then === "hang" ? "504" : "503"} naming s3 when MinIO ${then === "hang" ? "stops answering" : "drops the connection"} mid-object, leaves nothing, and registers the name once MinIO is back`, async () => {
      const minio = new URL(requireEnv("S3_ENDPOINT"));
      const s3Switch = new TcpSwitch(minio.hostname, Number(minio.port));
      await s3Switch.up();
      const h = await startHarness({ S3_ENDPOINT: `http://127.0.0.1:${s3Switch.port}`, S3_TIMEOUT_MS: "1500", REGISTRY_CACHE_MS: "0" });
      try {
        const csv = ["id,comment", ...Array.from({ length: 100_000 }, (_, i) => `${i},"row ${i} ${"z".repeat(60)}"`)].join("\n") + "\n";
        await putObject(h.config, "mid.csv", csv);
        const before = await leftovers(h);
        // 1 MiB of the 7 MiB object gets through, then MinIO stops (or drops the connection) until the registration has answered.
        const failed = s3Switch.failMidAnswer(1024 * 1024, then);
        const res = await call(`${h.url}/datasets`, {
          method: "POST",
          json: { name: "mid", storage_path: `s3://${h.config.S3_BUCKET}/mid.csv`, format: "csv" },
        });
        await failed;
        expect(
          [res.status, res.body.code, (res.body.details as { dependency?: string } | undefined)?.dependency],
          JSON.stringify(res.body),
        ).to.deep.equal(then === "hang" ? [504, 50401, "s3"] : [503, 50301, "s3"]);
        s3Switch.resume();
        await h.deps.datasets.compensationsSettled();
        expect(await leftovers(h)).to.deep.equal(before);
        const again = await onceBack(() =>
          call<Dataset>(`${h.url}/datasets`, {
            method: "POST",
            json: { name: "mid", storage_path: `s3://${h.config.S3_BUCKET}/mid.csv`, format: "csv" },
          }),
        );
        expect(again.status, JSON.stringify(again.body)).to.equal(200);
        expect(again.body.data).to.include({ name: "mid", version: 1, row_count: 100_000 });
      } finally {
        s3Switch.resume();
        await h.stop();
        await s3Switch.down();
      }
    });
  }
});
