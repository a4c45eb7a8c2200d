import { expect } from "chai";
import { clearWinner, pickTables } from "../src/domain/table-choice.js";
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

  it("without a name in the question, offers exactly the tables whose columns share a word with it, in catalog order", () => {
    const tables = (question: string) => pickTables(catalog, question).tables.map((t) => t.table);
    expect(tables("What is the total amount per customer?")).to.deep.equal(["ds_002_v1", "ds_001_v1", "ds_003_v1"]);
    expect(tables("Which region sells most?")).to.deep.equal(["ds_009_v1"]);
    expect(tables("每个地区有几个？")).to.deep.equal(["ds_009_v1"]);
    expect(tables("Show the model_output column")).to.deep.equal(["ds_002_v1", "ds_003_v1"]);
  });

  it("offers at most five tables, however many are named, match or exist", () => {
    const many = { tables: [2, 3, 4, 5, 6, 7, 8].map(derived) };
    expect(pickTables(many, "Compare sales_data_v1.0__model_ datasets").tables.map((t) => t.table)).to.deep.equal([
      "ds_002_v1",
      "ds_003_v1",
      "ds_004_v1",
      "ds_005_v1",
      "ds_006_v1",
    ]);
    expect(pickTables(many, "total amount per customer").tables).to.have.length(5);
    expect(pickTables(many, "Zzz?").tables).to.have.length(5);
    const namingAll = `Join ${[8, 7, 6, 5, 4, 3, 2].map((n) => `ds_00${n}_v1`).join(", ")}`;
    expect(pickTables(many, namingAll).tables.map((t) => t.table)).to.deep.equal([
      "ds_002_v1",
      "ds_003_v1",
      "ds_004_v1",
      "ds_005_v1",
      "ds_006_v1",
    ]);
  });

  it("lets the question decide between offered tables when one shares more of its words, and leaves a tie to the model", () => {
    const orders = {
      ...regions,
      dataset_id: "ds-010",
      dataset_name: "shop_orders",
      table: "ds_010_v1",
      columns: [{ name: "amount", type: "decimal" as const, nullable: false, comment: "amount" }],
    };
    const offered = { tables: [orders, salesTable] };
    expect(clearWinner(offered, "What is the total amount of sales?")?.table).to.equal("ds_001_v1");
    expect(clearWinner(offered, "What is the total amount?")).to.equal(undefined);
    expect(clearWinner({ tables: [orders] }, "anything")?.table).to.equal("ds_010_v1");
  });
});
