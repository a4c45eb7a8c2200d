import { expect } from "chai";
import { createLogger } from "@one-data/platform";
import { runBootstrap, salesDataset } from "../src/bootstrap.js";
import { call, listKeys, startHarness, type Harness } from "./support/harness.js";

describe("data-api bootstrap job", function () {
  this.timeout(60_000);
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  it("seeds sales_data.csv as ds-001 sales_data_v1.0, and a second run changes nothing", async () => {
    const log = createLogger("bootstrap-test", "silent");
    await runBootstrap(h.deps, log);
    await runBootstrap(h.deps, log);
    const list = await call<{ dataset_id: string; name: string; version: number; storage_path: string; row_count: number }[]>(`${h.url}/datasets`);
    expect(list.body.data).to.have.length(1);
    expect(list.body.data![0]).to.include({
      dataset_id: "ds-001",
      name: salesDataset.name,
      version: 1,
      storage_path: `s3://${h.config.S3_BUCKET}/sales_data.csv`,
      row_count: 5,
    });
    expect(await listKeys(h.config)).to.deep.equal(["sales_data.csv"]);
    const total = await call<{ rows: { total: number }[] }>(`${h.url}/query`, { method: "POST", json: { sql: "SELECT SUM(amount) AS total FROM ds_001_v1" } });
    expect(total.body.data!.rows).to.deep.equal([{ total: 2299.95 }]);
  });
});
