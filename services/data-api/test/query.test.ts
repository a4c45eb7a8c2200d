import type { QueryResult } from "@one-data/data-api-contract";
import { expect } from "chai";
import mysql from "mysql2/promise";
import { salesDataCsv } from "../src/bootstrap.js";
import { call, ownerConnection, putObject, startHarness, type Harness } from "./support/harness.js";

describe("data-api query endpoint against real MariaDB", function () {
  this.timeout(60_000);
  let h: Harness;

  before(async () => {
    h = await startHarness({ QUERY_MAX_LIMIT: "50" });
    await putObject(h.config, "sales_data.csv", salesDataCsv);
    const res = await call(`${h.url}/datasets`, {
      method: "POST",
      json: { name: "sales_data_v1.0", storage_path: `s3://${h.config.S3_BUCKET}/sales_data.csv`, format: "csv" },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  });
  after(async () => {
    await h?.stop();
  });

  const query = (json: unknown) => call<QueryResult>(`${h.url}/query`, { method: "POST", json });

  it("runs an aggregate and returns typed columns, rows, the executed SQL and timing", async () => {
    const res = await query({
      sql: "SELECT customer_id, SUM(amount) AS total, COUNT(*) AS orders FROM ds_001_v1 GROUP BY customer_id ORDER BY total DESC",
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const data = res.body.data!;
    expect(data.rows).to.deep.equal([
      { customer_id: 1004, total: 799.99, orders: 1 },
      { customer_id: 1001, total: 699.98, orders: 2 },
      { customer_id: 1002, total: 599.99, orders: 1 },
      { customer_id: 1003, total: 199.99, orders: 1 },
    ]);
    expect(data.columns).to.deep.equal([
      { name: "customer_id", type: "integer" },
      { name: "total", type: "decimal" },
      { name: "orders", type: "integer" },
    ]);
    expect(data).to.include({ row_count: 4, truncated: false });
    expect(data.sql).to.equal(
      "SELECT `customer_id`, SUM(`amount`) AS `total`, COUNT(*) AS `orders` FROM `ds_001_v1` GROUP BY `customer_id` ORDER BY `total` DESC LIMIT 51",
    );
    expect(data.duration_ms).to.be.a("number").and.to.be.at.least(0);
    expect(data.tables).to.deep.equal(["ds_001_v1"]);
  });

  it("returns timestamps as ISO UTC strings", async () => {
    const res = await query({ sql: "SELECT created_at, DATE(created_at) AS day FROM ds_001_v1 WHERE id = 1" });
    expect(res.body.data!.rows).to.deep.equal([{ created_at: "2024-01-01T10:00:00Z", day: "2024-01-01" }]);
  });

  it("applies the row limit and says when it truncated", async () => {
    const res = await query({ sql: "SELECT id FROM ds_001_v1 ORDER BY id", limit: 2 });
    expect(res.body.data).to.include({ row_count: 2, truncated: true, limit: 2 });
    expect(res.body.data!.rows).to.deep.equal([{ id: 1 }, { id: 2 }]);
    expect(res.body.data!.sql).to.match(/LIMIT 3$/);
    const clamped = await query({ sql: "SELECT id FROM ds_001_v1", limit: 10_000 });
    expect(clamped.body.data!.limit).to.equal(50);
    const exact = await query({ sql: "SELECT id FROM ds_001_v1", limit: 5 });
    expect(exact.body.data).to.include({ row_count: 5, truncated: false });
  });

  it("refuses what the guard refuses with 400/40003 and a reason", async () => {
    for (const [sql, why] of [
      ["DELETE FROM ds_001_v1", /only SELECT/],
      ["SELECT 1; DROP TABLE ds_001_v1", /exactly one statement|only SELECT/],
      ["SELECT * FROM mysql.user", /schema mysql/],
      [`SELECT * FROM ${h.config.MYSQL_DATABASE}.dataset_versions`, /is not allowed/],
      ["SELECT LOAD_FILE('/etc/passwd')", /LOAD_FILE/],
      ["SELECT * FROM ds_001_v1 INTO OUTFILE '/tmp/x'", /INTO/],
    ] as const) {
      const res = await query({ sql });
      expect(res.status, sql).to.equal(400);
      expect(res.body.code, sql).to.equal(40003);
      expect(res.body.message, sql).to.match(why);
    }
  });

  it("refuses a table named like a CTE of a derived table, which MariaDB would read from the datasets schema", async () => {
    const leak =
      "SELECT x.a AS from_cte, s.a AS from_table FROM (WITH secrets AS (SELECT 'cte' AS a) SELECT a FROM secrets) x JOIN secrets s ON 1 = 1";
    const owner = await ownerConnection(h.config);
    try {
      await owner.query(`CREATE TABLE \`${h.config.MYSQL_DATASETS_DATABASE}\`.secrets (a VARCHAR(20))`);
      await owner.query(`INSERT INTO \`${h.config.MYSQL_DATASETS_DATABASE}\`.secrets VALUES ('secret')`);
      // Run as is, the query reads the real table through the outer `secrets`.
      await owner.query(`USE \`${h.config.MYSQL_DATASETS_DATABASE}\``);
      const [rows] = await owner.query(leak);
      expect(rows).to.deep.equal([{ from_cte: "cte", from_table: "secret" }]);
      const res = await query({ sql: leak });
      expect(res.status, JSON.stringify(res.body)).to.equal(400);
      expect(res.body.code).to.equal(40003);
      expect(res.body.message).to.equal("table secrets is not a registered dataset table");
    } finally {
      await owner.query(`DROP TABLE IF EXISTS \`${h.config.MYSQL_DATASETS_DATABASE}\`.secrets`);
      await owner.end();
    }
  });

  it("passes database errors back as 400/40004 (for example an unknown column)", async () => {
    const res = await query({ sql: "SELECT no_such_column FROM ds_001_v1" });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal(40004);
    expect(res.body.message).to.match(/Unknown column/);
  });

  it("stops a query that exceeds its timeout_ms on the server, with 408/40801", async () => {
    const joins = Array.from({ length: 14 }, (_, i) => `ds_001_v1 t${i}`).join(", ");
    // 5^14 rows to count: only the server's statement timeout ends it within the test's timeout.
    const res = await query({ sql: `SELECT COUNT(*) AS n FROM ${joins}`, timeout_ms: 300 });
    expect(res.status, JSON.stringify(res.body)).to.equal(408);
    expect(res.body.code).to.equal(40801);
    // The connection is healthy afterwards.
    expect((await query({ sql: "SELECT COUNT(*) AS n FROM ds_001_v1" })).body.data!.rows).to.deep.equal([{ n: 5 }]);
  });

  it("validates the body: missing sql, wrong types, unknown fields, malformed JSON", async () => {
    for (const json of [{}, { sql: 1 }, { sql: "SELECT 1", limit: "ten" }, { sql: "SELECT 1", extra: true }]) {
      const res = await query(json);
      expect(res.status, JSON.stringify(json)).to.equal(400);
      expect(res.body.code).to.equal(40001);
    }
    const broken = await call(`${h.url}/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"sql": "SELECT',
    });
    expect(broken.status).to.equal(400);
    expect(broken.body.code).to.equal(40002);
  });

  it("runs as a user the database itself keeps read-only and confined to the datasets schema", async () => {
    const reader = await mysql.createConnection({
      host: h.config.MYSQL_HOST,
      port: h.config.MYSQL_PORT,
      user: h.config.MYSQL_READONLY_USER,
      password: h.config.MYSQL_READONLY_PASSWORD,
      database: h.config.MYSQL_DATASETS_DATABASE,
    });
    try {
      const [rows] = await reader.query("SELECT COUNT(*) AS n FROM ds_001_v1");
      expect(rows).to.deep.equal([{ n: 5 }]);
      const denied = async (sql: string) => {
        try {
          await reader.query(sql);
        } catch (error) {
          return (error as { code?: string }).code;
        }
        return "allowed";
      };
      expect(await denied("INSERT INTO ds_001_v1 (id, customer_id, amount, created_at) VALUES (9, 9, 9, NOW())")).to.equal(
        "ER_TABLEACCESS_DENIED_ERROR",
      );
      expect(await denied("UPDATE ds_001_v1 SET amount = 0")).to.equal("ER_TABLEACCESS_DENIED_ERROR");
      expect(await denied("DELETE FROM ds_001_v1")).to.equal("ER_TABLEACCESS_DENIED_ERROR");
      expect(await denied("DROP TABLE ds_001_v1")).to.equal("ER_TABLEACCESS_DENIED_ERROR");
      expect(await denied("CREATE TABLE x (a INT)")).to.equal("ER_TABLEACCESS_DENIED_ERROR");
      expect(await denied(`SELECT * FROM \`${h.config.MYSQL_DATABASE}\`.datasets`)).to.match(/ACCESS_DENIED/);
      expect(await denied("SELECT * FROM mysql.user")).to.match(/ACCESS_DENIED/);
      expect(await denied("SELECT * FROM ds_001_v1 INTO OUTFILE '/tmp/one-data-should-not-exist'")).to.match(/ACCESS_DENIED/);
      expect(await denied(`CREATE USER 'x'@'%'`)).to.match(/ACCESS_DENIED|SPECIFIC_ACCESS/);
      const [grants] = (await reader.query("SHOW GRANTS")) as unknown as [Record<string, string>[]];
      const lines = grants.map((g) => Object.values(g)[0]!);
      expect(lines.filter((l) => !/^GRANT USAGE ON \*\.\*/.test(l))).to.deep.equal([
        `GRANT SELECT ON \`${h.config.MYSQL_DATASETS_DATABASE}\`.* TO \`${h.config.MYSQL_READONLY_USER}\`@\`%\``,
      ]);
    } finally {
      await reader.end();
    }
  });
});
