import { expect } from "chai";
import { Readable } from "node:stream";
import type { Pool } from "mysql2/promise";
import { createMysqlPool } from "../src/adapters/mysql.js";
import { RegistryStore } from "../src/adapters/registry.js";
import { salesDataCsv } from "../src/bootstrap.js";
import { call, listKeys, ownerConnection, startHarness, type Harness } from "./support/harness.js";

/** A registration that died mid-ingest, as the registry, the datasets schema and the bucket would show it. */
describe("data-api start-up sweep of registrations abandoned mid-ingest", function () {
  this.timeout(60_000);
  let h: Harness;
  let pool: Pool;
  let registry: RegistryStore;

  before(async () => {
    h = await startHarness({ INGEST_STALE_AFTER_SECONDS: "0" });
    pool = createMysqlPool({
      host: h.config.MYSQL_HOST,
      port: h.config.MYSQL_PORT,
      user: h.config.MYSQL_USER,
      password: h.config.MYSQL_PASSWORD,
      timeoutMs: 5000,
    });
    registry = new RegistryStore(pool, h.config.MYSQL_DATABASE);
  });
  after(async () => {
    await pool?.end();
    await h?.stop();
  });

  async function tableExists(table: string): Promise<boolean> {
    const connection = await ownerConnection(h.config);
    try {
      const [rows] = await connection.query("SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [
        h.config.MYSQL_DATASETS_DATABASE,
        table,
      ]);
      return (rows as unknown[]).length > 0;
    } finally {
      await connection.end();
    }
  }

  async function ingestingRows(): Promise<number> {
    const connection = await ownerConnection(h.config);
    try {
      const [rows] = await connection.query(
        `SELECT COUNT(*) AS n FROM \`${h.config.MYSQL_DATABASE}\`.dataset_versions WHERE status = 'ingesting'`,
      );
      return Number((rows as { n: number }[])[0]!.n);
    } finally {
      await connection.end();
    }
  }

  it("removes the stale reservation, its half-built table and the object the API wrote, and nothing else", async () => {
    const bucket = h.config.S3_BUCKET;
    const upload = async (key: string) => h.deps.objects.upload({ bucket, key }, Readable.from([Buffer.from(salesDataCsv)]), "text/csv");
    await upload("sales_data.csv");
    const kept = await h.deps.datasets.register({ name: "kept", storage_path: `s3://${bucket}/sales_data.csv`, format: "csv" });

    // Crash 1: a streamed upload reserved ds-002 v1 and had started its table.
    await upload("uploads/crashed/orders.csv");
    const crashedUpload = await registry.reserve({
      name: "crashed_upload",
      storagePath: `s3://${bucket}/uploads/crashed/orders.csv`,
      format: "csv",
      description: null,
      sizeBytes: 1,
      etag: null,
      derivedFrom: null,
    });
    const connection = await ownerConnection(h.config);
    await connection.query(`CREATE TABLE \`${h.config.MYSQL_DATASETS_DATABASE}\`.ds_002_v1 (id INT)`);
    await connection.end();
    // Crash 2: a registration of an object someone else put in the bucket (the seed's mc cp flow): that object stays.
    await upload("user/orders.csv");
    await registry.reserve({
      name: "crashed_register",
      storagePath: `s3://${bucket}/user/orders.csv`,
      format: "csv",
      description: null,
      sizeBytes: 1,
      etag: null,
      derivedFrom: null,
    });
    // Crash 3: a new version of a live dataset: the dataset and its first version stay.
    await registry.reserve({
      name: "kept",
      storagePath: `s3://${bucket}/sales_data.csv`,
      format: "csv",
      description: null,
      sizeBytes: 1,
      etag: null,
      derivedFrom: null,
    });

    expect(crashedUpload).to.deep.equal({ seq: 2, version: 1 });
    expect(await ingestingRows()).to.equal(3);
    expect(await tableExists("ds_002_v1")).to.equal(true);

    // A registration younger than the threshold may still be running in another replica: untouched.
    expect(await h.deps.datasets.sweepAbandoned(3600)).to.deep.equal([]);
    expect(await ingestingRows()).to.equal(3);

    await h.deps.prepare();

    expect(await ingestingRows()).to.equal(0);
    expect(await tableExists("ds_002_v1")).to.equal(false);
    expect(await tableExists("ds_001_v1")).to.equal(true);
    expect((await listKeys(h.config)).sort()).to.deep.equal(["sales_data.csv", "user/orders.csv"]);
    const listed = await call<{ dataset_id: string; name: string; version: number }[]>(`${h.url}/datasets`);
    expect(listed.body.data!.map((d) => [d.dataset_id, d.name, d.version])).to.deep.equal([[kept.dataset_id, "kept", 1]]);
    // The next registration of the swept name starts afresh instead of tripping over the leftovers.
    const again = await h.deps.datasets.register({ name: "kept", storage_path: `s3://${bucket}/sales_data.csv`, format: "csv" });
    expect(again).to.include({ dataset_id: kept.dataset_id, version: 2, row_count: 5 });
  });
});
