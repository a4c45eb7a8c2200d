import type { Dataset } from "@one-data/data-api-contract";
import { expect } from "chai";
import { salesDataCsv } from "../src/bootstrap.js";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { call, listKeys, ownerConnection, putObject, s3Client, startHarness, uploadForm, type Harness } from "./support/harness.js";

describe("data-api datasets against real MariaDB and MinIO", function () {
  this.timeout(60_000);
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  it("answers health and readiness", async () => {
    const health = await call(`${h.url}/health`);
    expect(health.status).to.equal(200);
    expect(health.body).to.deep.equal({ code: 0, message: "healthy" });
    const ready = await call(`${h.url}/ready`);
    expect(ready.status).to.equal(200);
    expect(ready.body).to.deep.equal({
      code: 0,
      message: "ready",
      data: { checks: { mysql: "ok", s3: "ok", milvus: "ok" }, degraded: [] },
    });
  });

  it("registers an object already in the bucket (the seed's flow) as ds-001 with a typed table", async () => {
    await putObject(h.config, "sales_data.csv", salesDataCsv);
    const res = await call<Dataset>(`${h.url}/datasets`, {
      method: "POST",
      json: { name: "sales_data_v1.0", storage_path: `s3://${h.config.S3_BUCKET}/sales_data.csv`, format: "csv" },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.code).to.equal(0);
    const ds = res.body.data!;
    expect(ds).to.include({
      dataset_id: "ds-001",
      name: "sales_data_v1.0",
      version: 1,
      format: "csv",
      status: "active",
      row_count: 5,
      table: "ds_001_v1",
    });
    expect(ds.storage_path).to.equal(`s3://${h.config.S3_BUCKET}/sales_data.csv`);
    expect(ds.derived_from).to.equal(null);
    expect(Date.parse(ds.created_at)).to.be.closeTo(Date.now(), 60_000);

    const got = await call<Dataset>(`${h.url}/datasets/ds-001`);
    expect(got.body.data).to.deep.equal(ds);
    const list = await call<Dataset[]>(`${h.url}/datasets`);
    expect(list.body.data!.map((d) => d.dataset_id)).to.deep.equal(["ds-001"]);

    const connection = await ownerConnection(h.config);
    try {
      const [rows] = await connection.query(
        `SELECT SUM(amount) AS total, COUNT(*) AS n FROM \`${h.config.MYSQL_DATASETS_DATABASE}\`.ds_001_v1`,
      );
      expect(rows).to.deep.equal([{ total: "2299.95", n: 5 }]);
    } finally {
      await connection.end();
    }
  });

  it("infers the schema: types, nullability, samples, delimiter", async () => {
    const res = await call<{
      columns: { name: string; type: string; nullable: boolean; samples: unknown[]; sql_type: string; comment: string }[];
      row_count: number;
      delimiter: string;
      has_header: boolean;
    }>(`${h.url}/datasets/ds-001/schema`);
    expect(res.status).to.equal(200);
    const schema = res.body.data!;
    expect(schema).to.include({ row_count: 5, delimiter: ",", has_header: true });
    expect(schema.columns.map((c) => [c.name, c.type, c.sql_type, c.nullable])).to.deep.equal([
      ["id", "integer", "INT", false],
      ["customer_id", "integer", "INT", false],
      ["amount", "decimal", "DECIMAL(5,2)", false],
      ["created_at", "timestamp", "DATETIME", false],
    ]);
    expect(schema.columns[2]!.samples).to.deep.equal([299.99, 599.99, 199.99]);
    expect(schema.columns[3]!.samples[0]).to.equal("2024-01-01T10:00:00Z");
  });

  it("previews typed rows", async () => {
    const res = await call<{ rows: Record<string, unknown>[] }>(`${h.url}/datasets/ds-001/preview?limit=2`);
    expect(res.status).to.equal(200);
    expect(res.body.data!.rows).to.deep.equal([
      { id: 1, customer_id: 1001, amount: 299.99, created_at: "2024-01-01T10:00:00Z" },
      { id: 2, customer_id: 1002, amount: 599.99, created_at: "2024-01-01T11:00:00Z" },
    ]);
  });

  it("hands out a presigned URL that MinIO honours, and redirects to it on request", async () => {
    const res = await call<{ url: string; expires_in: number }>(`${h.url}/datasets/ds-001/download`);
    expect(res.status).to.equal(200);
    expect(res.body.data!.expires_in).to.equal(h.config.DOWNLOAD_URL_TTL_SECONDS);
    const object = await fetch(res.body.data!.url);
    expect(object.status).to.equal(200);
    expect(await object.text()).to.equal(salesDataCsv);
    const tampered = await fetch(res.body.data!.url.replace("X-Amz-Signature=", "X-Amz-Signature=0"));
    expect(tampered.status).to.equal(403);
    const redirect = await call(`${h.url}/datasets/ds-001/download?redirect=true`);
    expect(redirect.status).to.equal(302);
    expect(redirect.headers.get("location")).to.match(/X-Amz-Signature=/);
  });

  it("uploads a file with Chinese headers, keeping them as comments and exposing SQL names", async () => {
    const csv = "城市;销售额;日期;active\n北京;12.5;2024-02-01;true\n上海;;2024-02-02;false\n";
    const res = await uploadForm(
      h.url,
      { name: "城市销售", format: "csv", description: "按城市的销售额" },
      { name: "城市.csv", content: csv },
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const ds = res.body.data as Dataset;
    expect(ds).to.include({ dataset_id: "ds-002", version: 1, row_count: 2, table: "ds_002_v1" });
    expect(ds.storage_path).to.match(new RegExp(`^s3://${h.config.S3_BUCKET}/uploads/[0-9a-f-]+/城市\\.csv$`));
    const schema = await call<{ delimiter: string; columns: { name: string; comment: string; type: string; nullable: boolean }[] }>(
      `${h.url}/datasets/${ds.dataset_id}/schema`,
    );
    expect(schema.body.data!.delimiter).to.equal(";");
    expect(schema.body.data!.columns.map((c) => [c.name, c.comment, c.type, c.nullable])).to.deep.equal([
      ["col_1", "城市", "string", false],
      ["col_2", "销售额", "decimal", true],
      ["col_3", "日期", "date", false],
      ["active", "active", "boolean", false],
    ]);
    const preview = await call<{ rows: unknown[] }>(`${h.url}/datasets/${ds.dataset_id}/preview`);
    expect(preview.body.data!.rows).to.deep.equal([
      { col_1: "北京", col_2: 12.5, col_3: "2024-02-01", active: true },
      { col_1: "上海", col_2: null, col_3: "2024-02-02", active: false },
    ]);
  });

  it("registers an existing name as the next version under the same id, with lineage", async () => {
    await putObject(h.config, "sales_v2.jsonl", '{"id":1,"amount":10.5}\n{"id":2,"amount":null,"note":"x"}\n');
    const v2 = await call<Dataset>(`${h.url}/datasets`, {
      method: "POST",
      json: {
        name: "sales_data_v1.0",
        storage_path: `s3://${h.config.S3_BUCKET}/sales_v2.jsonl`,
        format: "jsonl",
        description: "second cut",
        derived_from: { dataset_id: "ds-001", version: 1 },
      },
    });
    expect(v2.status, JSON.stringify(v2.body)).to.equal(200);
    expect(v2.body.data).to.include({ dataset_id: "ds-001", version: 2, table: "ds_001_v2", row_count: 2 });
    expect(v2.body.data!.derived_from).to.deep.equal({ dataset_id: "ds-001", version: 1 });
    expect((await call<Dataset>(`${h.url}/datasets/ds-001`)).body.data!.version).to.equal(2);
    expect((await call<Dataset>(`${h.url}/datasets/ds-001?version=1`)).body.data!.table).to.equal("ds_001_v1");
    const versions = await call<Dataset[]>(`${h.url}/datasets/ds-001/versions`);
    expect(versions.body.data!.map((v) => v.version)).to.deep.equal([1, 2]);
    const byName = await call<Dataset[]>(`${h.url}/datasets?name=sales_data_v1.0`);
    expect(byName.body.data!.map((d) => [d.dataset_id, d.version])).to.deep.equal([["ds-001", 2]]);
    const schema = await call<{ columns: { name: string; type: string; nullable: boolean }[] }>(`${h.url}/datasets/ds-001/schema`);
    expect(schema.body.data!.columns.map((c) => [c.name, c.type, c.nullable])).to.deep.equal([
      ["id", "integer", false],
      ["amount", "decimal", true],
      ["note", "string", true],
    ]);
  });

  it("stores non-tabular formats as objects without a table", async () => {
    const res = await uploadForm(
      h.url,
      { name: "glossary", format: "text" },
      { name: "glossary.txt", content: "GMV: gross merchandise value\n", type: "text/plain" },
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const ds = res.body.data as Dataset;
    expect(ds).to.include({ format: "text", table: null, row_count: null });
    const schema = await call(`${h.url}/datasets/${ds.dataset_id}/schema`);
    expect(schema.status).to.equal(422);
    expect(schema.body.code).to.equal(42201);
  });

  it("describes tables for the Agent, filtered by keywords over names, descriptions and columns", async () => {
    type Tables = {
      tables: {
        dataset_id: string;
        table: string;
        columns: { name: string; comment: string }[];
        sample_rows: unknown[];
        row_count: number;
      }[];
    };
    const all = await call<Tables>(`${h.url}/metadata/tables`);
    expect(all.body.data!.tables.map((t) => t.table).sort()).to.deep.equal(["ds_001_v2", "ds_002_v1"]);
    const byComment = await call<Tables>(`${h.url}/metadata/tables?keywords=${encodeURIComponent("销售额")}`);
    expect(byComment.body.data!.tables.map((t) => t.table)).to.deep.equal(["ds_002_v1"]);
    const t = byComment.body.data!.tables[0]!;
    expect(t.row_count).to.equal(2);
    expect(t.sample_rows).to.have.length(2);
    expect(t.columns[1]).to.include({ name: "col_2", comment: "销售额" });
    const byColumn = await call<Tables>(`${h.url}/metadata/tables?keywords=nothing-here,note`);
    expect(byColumn.body.data!.tables.map((x) => x.table)).to.deep.equal(["ds_001_v2"]);
    const none = await call<Tables>(`${h.url}/metadata/tables?keywords=zzz`);
    expect(none.body.data!.tables).to.deep.equal([]);
  });

  it("registers only the formats it supports, refusing any other token with 400 and nothing stored", async () => {
    const storagePath = await putObject(h.config, "formats/data.bin", "x");
    const before = (await call<Dataset[]>(`${h.url}/datasets?limit=1000`)).body.data!.length;
    for (const format of ["0", "exe", "CSV2", "csv;drop", "parquet2"]) {
      const res = await call(`${h.url}/datasets`, {
        method: "POST",
        json: { name: `format-${format}`, storage_path: storagePath, format },
      });
      expect(res.status, format).to.equal(400);
      expect(res.body.code, format).to.equal(40001);
      expect(res.body.message, format).to.match(/format: must be one of csv, tsv, jsonl, markdown, text, parquet/);
    }
    const upload = await uploadForm(h.url, { name: "format-upload", format: "0" }, { name: "a.csv", content: "a\n1\n" });
    expect(upload.status).to.equal(400);
    expect((await call<Dataset[]>(`${h.url}/datasets?limit=1000`)).body.data!.length).to.equal(before);
    const parquet = await call<Dataset>(`${h.url}/datasets`, {
      method: "POST",
      json: { name: "format-parquet", storage_path: storagePath, format: " parquet " },
    });
    expect(parquet.status, JSON.stringify(parquet.body)).to.equal(200);
    expect(parquet.body.data).to.include({ format: "parquet", table: null });
  });

  it("stores an upload under the Content-Type it was sent with", async () => {
    for (const [name, format, type] of [
      ["typed.csv", "csv", "text/csv"],
      ["typed.tsv", "tsv", "text/tab-separated-values"],
      ["typed.json", "json", "application/json"],
    ] as const) {
      const res = await uploadForm(
        h.url,
        { name: `typed-${format}`, format },
        { name, content: format === "json" ? "{}" : "a\n1\n", type },
      );
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const key = (res.body.data as Dataset).storage_path.replace(`s3://${h.config.S3_BUCKET}/`, "");
      const head = await s3Client(h.config).send(new HeadObjectCommand({ Bucket: h.config.S3_BUCKET, Key: key }));
      expect(head.ContentType, name).to.match(new RegExp(`^${type}(;|$)`));
    }
  });

  it("stores an upload sent as application/octet-stream (curl -F file=@x.csv) under its format's type", async () => {
    for (const [name, format, type] of [
      ["generic.csv", "csv", "text/csv"],
      ["generic.parquet", "parquet", "application/vnd.apache.parquet"],
    ] as const) {
      const res = await uploadForm(
        h.url,
        { name: `generic-${format}`, format },
        { name, content: "a\n1\n", type: "application/octet-stream" },
      );
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const key = (res.body.data as Dataset).storage_path.replace(`s3://${h.config.S3_BUCKET}/`, "");
      const head = await s3Client(h.config).send(new HeadObjectCommand({ Bucket: h.config.S3_BUCKET, Key: key }));
      expect(head.ContentType, name).to.equal(type);
    }
  });

  it("answers unknown ids and versions with 40401", async () => {
    for (const path of [
      "/datasets/ds-999",
      "/datasets/ds-001?version=9",
      "/datasets/ds-999/versions",
      "/datasets/ds-999/schema",
      "/datasets/ds-999/download",
    ]) {
      const res = await call(`${h.url}${path}`);
      expect(res.status, path).to.equal(404);
      expect(res.body.code, path).to.equal(40401);
    }
    const malformed = await call(`${h.url}/datasets/not-an-id`);
    expect(malformed.status).to.equal(400);
    expect(malformed.body.code).to.equal(40001);
  });

  it("keeps only registered objects: the bucket holds exactly what the registry points at", async () => {
    const keys = await listKeys(h.config);
    const datasets = (await call<Dataset[]>(`${h.url}/datasets`)).body.data!;
    const versions = (await Promise.all(datasets.map((d) => call<Dataset[]>(`${h.url}/datasets/${d.dataset_id}/versions`)))).flatMap(
      (r) => r.body.data!,
    );
    const referenced = versions.map((v) => v.storage_path.replace(`s3://${h.config.S3_BUCKET}/`, ""));
    expect(keys.sort()).to.deep.equal([...new Set(referenced)].sort());
  });
});
