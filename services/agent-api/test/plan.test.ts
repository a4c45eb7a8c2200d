import { readFileSync } from "node:fs";
import { expect } from "chai";
import type { TableMeta } from "../src/domain/catalog.js";
import { readDefinitions } from "../src/domain/plan/definitions.js";
import { planQuery, type Choice } from "../src/domain/plan/plan.js";
import { compileQuery } from "../src/domain/sql-compiler.js";
import { salesTable } from "./fixtures.js";

const orders: TableMeta = {
  dataset_id: "ds-010",
  version: "1",
  dataset_name: "shop_orders",
  table: "ds_010_v1",
  description: null,
  row_count: 9,
  sample_rows: [],
  columns: [
    { name: "order_id", type: "integer", nullable: false, comment: "order_id" },
    { name: "customer", type: "string", nullable: false, comment: "customer" },
    { name: "城市", type: "string", nullable: false, comment: "城市" },
    { name: "amount", type: "decimal", nullable: false, comment: "amount" },
    { name: "quantity", type: "integer", nullable: false, comment: "quantity" },
    { name: "paid", type: "boolean", nullable: false, comment: "paid" },
    { name: "order_date", type: "date", nullable: false, comment: "order_date" },
  ],
};
const values = new Map([
  ["customer", ["Acme, Inc.", "Blue Sky"]],
  ["城市", ["上海", "北京"]],
]);
const glossary = [
  { chunk_id: "g#1", text: "已付款订单：paid 为 true 的订单。\nA paid order is an order whose paid is true." },
  {
    chunk_id: "g#2",
    text: "A key account is a customer whose paid total (the sum of amount over paid orders with the same customer) is at least 15000.",
  },
];

async function sqlFor(
  question: string,
  table = orders,
  choose: (c: Choice) => Promise<string | undefined> = async () => undefined,
): Promise<string> {
  const plan = await planQuery({ question, table, values, definitions: readDefinitions(glossary, table), choose });
  if (plan.kind === "decline") return `DECLINE: ${plan.reason}`;
  if (plan.kind === "open") return "OPEN";
  return compileQuery(plan.query, { tables: [table] }).sql;
}

describe("agent-api: a data question split into decisions", () => {
  it("takes every decision from the question when it can, in English and Chinese", async () => {
    expect(await sqlFor("How many paid orders came from 上海?")).to.equal(
      "SELECT COUNT(*) AS `count_all` FROM `ds_010_v1` WHERE `paid` = TRUE AND `城市` = '上海' LIMIT 1",
    );
    expect(await sqlFor("Acme, Inc. 在 2025年3月 的订单总金额是多少？")).to.equal(
      "SELECT SUM(`amount`) AS `sum_amount` FROM `ds_010_v1` WHERE `customer` = 'Acme, Inc.' AND `order_date` >= '2025-03-01' AND `order_date` < '2025-04-01' LIMIT 1",
    );
    expect(await sqlFor("Which 2 customers have the highest total amount?")).to.equal(
      "SELECT `customer` AS `customer`, SUM(`amount`) AS `sum_amount` FROM `ds_010_v1` GROUP BY `customer` ORDER BY `sum_amount` DESC LIMIT 2",
    );
    expect(await sqlFor("哪个城市的订单最多？")).to.equal(
      "SELECT `城市` AS `城市`, COUNT(*) AS `count_all` FROM `ds_010_v1` GROUP BY `城市` ORDER BY `count_all` DESC LIMIT 1",
    );
    expect(await sqlFor("How many orders have an amount of at least 100?")).to.equal(
      "SELECT COUNT(*) AS `count_all` FROM `ds_010_v1` WHERE `amount` >= 100 LIMIT 1",
    );
    expect(await sqlFor("How many unpaid orders are there?")).to.equal(
      "SELECT COUNT(*) AS `count_all` FROM `ds_010_v1` WHERE `paid` = FALSE LIMIT 1",
    );
  });

  it("applies the glossary's definitions: a filter, and a group condition that takes on the filter its body names", async () => {
    expect(await sqlFor("有多少个 key accounts？")).to.equal(
      "SELECT COUNT(*) AS `row_count` FROM (SELECT `customer` AS `customer` FROM `ds_010_v1` WHERE `paid` = TRUE GROUP BY `customer` HAVING SUM(`amount`) >= 15000) AS `matched`",
    );
    const seedGlossary = readFileSync(new URL("../../data-api/bootstrap/glossary.md", import.meta.url), "utf8");
    const plan = await planQuery({
      question: "列出所有大客户",
      table: salesTable,
      values: new Map(),
      definitions: readDefinitions([{ chunk_id: "s", text: seedGlossary }], salesTable),
      choose: async () => undefined,
    });
    expect(plan.kind === "query" && compileQuery(plan.query, { tables: [salesTable] }).sql).to.equal(
      "SELECT `customer_id` AS `customer_id`, SUM(`amount`) AS `sum_amount` FROM `ds_001_v1` GROUP BY `customer_id` HAVING SUM(`amount`) >= 500 LIMIT 100",
    );
  });

  it("asks the model only between the options the question leaves open, and declines when it picks none", async () => {
    const asked: Choice[] = [];
    const sql = await sqlFor("What is the average amount and quantity?", orders, async (choice) => {
      asked.push(choice);
      return "quantity";
    });
    expect(asked).to.deep.equal([{ decision: "the numeric column the question measures", options: ["amount", "quantity"] }]);
    expect(sql).to.equal("SELECT AVG(`quantity`) AS `avg_quantity` FROM `ds_010_v1` LIMIT 1");
    expect(await sqlFor("What is the average amount and quantity?")).to.match(/^DECLINE: the model did not pick the numeric column/);
  });

  it("declines what the data cannot answer, with the reason", async () => {
    expect(await sqlFor("What will the total amount be next year?")).to.match(/^DECLINE: it asks about the future/);
    expect(await sqlFor("How many orders were returned?")).to.equal('DECLINE: the table shop_orders records nothing about "returned"');
    expect(await sqlFor("订单的平均折扣是多少？")).to.match(
      /^DECLINE: it names no measure shop_orders holds \(numeric columns: amount, quantity\)/,
    );
    expect(await sqlFor("Show the orders of Acme, Inc.")).to.equal("OPEN");
  });
});

describe("agent-api: columns named through the dataset's own description", () => {
  const visits: TableMeta = {
    dataset_id: "ds-011",
    version: "1",
    dataset_name: "ward_visits",
    table: "ds_011_v1",
    description: "Ward visits: one row per visit, with ward (病区), charge (收费) and handling fee (手续费)",
    row_count: 4,
    sample_rows: [],
    columns: [
      { name: "col_1", type: "string", nullable: false, comment: "病区" },
      { name: "col_2", type: "decimal", nullable: false, comment: "收费" },
      { name: "handling_fee", type: "decimal", nullable: false, comment: "handling_fee" },
    ],
  };
  const plain = { ...visits, description: null };

  it("matches an English word to a Chinese header, and a Chinese word to an English header, by the description's glosses", async () => {
    expect(await sqlFor("What is the total charge per ward?", visits)).to.equal(
      "SELECT `col_1` AS `col_1`, SUM(`col_2`) AS `sum_col_2` FROM `ds_011_v1` GROUP BY `col_1` LIMIT 100",
    );
    expect(await sqlFor("手续费最高是多少？", visits)).to.equal(
      "SELECT MAX(`handling_fee`) AS `max_handling_fee` FROM `ds_011_v1` LIMIT 1",
    );
  });

  it("does not guess without the glosses: the English question names no column", async () => {
    expect(await sqlFor("What is the total charge per ward?", plain)).to.match(/^DECLINE|^SELECT SUM\(`[^`]+`\)/);
    expect(await sqlFor("What is the total charge per ward?", plain)).not.to.include("GROUP BY `col_1`");
  });
});

describe("agent-api: a sum named by 总 before a column, and a term defined by a count per group", () => {
  const ward: TableMeta = {
    dataset_id: "ds-012",
    version: "1",
    dataset_name: "ward_stays",
    table: "ds_012_v1",
    description: null,
    row_count: 4,
    sample_rows: [],
    columns: [
      { name: "col_1", type: "string", nullable: false, comment: "护士" },
      { name: "col_2", type: "decimal", nullable: false, comment: "体重" },
    ],
  };

  it("reads 总体重 as the sum of 体重", async () => {
    expect(await sqlFor("护士 张三 的总体重是多少？", ward)).to.equal("SELECT SUM(`col_2`) AS `sum_col_2` FROM `ds_012_v1` LIMIT 1");
  });

  it("reads a term defined by the number of rows per group as a HAVING COUNT(*)", async () => {
    const chunks = [{ chunk_id: "g#9", text: "忙碌护士：值班次数（同一 护士）不少于 3 的护士。" }];
    const plan = await planQuery({
      question: "有多少位忙碌护士？",
      table: ward,
      values: new Map(),
      definitions: readDefinitions(chunks, ward),
      choose: async () => undefined,
    });
    expect(plan.kind === "query" ? compileQuery(plan.query, { tables: [ward] }).sql : plan).to.equal(
      "SELECT COUNT(*) AS `row_count` FROM (SELECT `col_1` AS `col_1` FROM `ds_012_v1` GROUP BY `col_1` HAVING COUNT(*) >= 3) AS `matched`",
    );
  });
});
