import { expect } from "chai";
import { pickTables } from "../src/domain/table-choice.js";
import { salesTable } from "./fixtures.js";

const derived = (n: number) => ({
  ...salesTable,
  dataset_id: `ds-00${n}`,
  dataset_name: `sales_data_v1.0__model_${n}`,
  table: `ds_00${n}_v1`,
  columns: [...salesTable.columns, { name: "model_output", type: "string" as const, nullable: true, comment: "model_output" }],
});
const regions = {
  ...salesTable,
  dataset_id: "ds-009",
  dataset_name: "regions",
  table: "ds_009_v1",
  columns: [{ name: "region", type: "string" as const, nullable: false, comment: "地区" }],
};
const catalog = { tables: [derived(2), salesTable, derived(3), regions] };

describe("agent-api: choosing the tables offered to the model", () => {
  it("keeps only the dataset the question names outright", () => {
    const picked = pickTables(catalog, "数据集 sales_data_v1.0 一共有多少笔订单？").tables.map((t) => t.table);
    expect(picked).to.deep.equal(["ds_001_v1"]);
    expect(pickTables(catalog, "How many rows does ds_009_v1 have?").tables.map((t) => t.table)).to.deep.equal(["ds_009_v1"]);
  });

  it("falls back to tables sharing words with the question, then to all (capped)", () => {
    expect(pickTables(catalog, "How many regions are there?").tables.map((t) => t.table)).to.deep.equal(["ds_009_v1"]);
    expect(pickTables(catalog, "Zzz?").tables).to.have.length(4);
  });
});
