import type { VectorSearchHit } from "@one-data/data-api-contract";
import { readFileSync } from "node:fs";
import { expect } from "chai";
import type { TableMeta } from "../../../services/agent-api/src/domain/catalog.js";
import { queryMessages } from "../../../services/agent-api/src/domain/prompts.js";
import { buildQuerySchema } from "../../../services/agent-api/src/domain/structured-query.js";
import { choiceMessages } from "../../../services/agent-api/src/domain/plan/choice.js";
import { arithmeticReply, offeredTables, pickOption, promptParts, writeQuery } from "../../doubles/competent-reader.js";

/**
 * The gating double must earn its answers from what the agent sent: these
 * feed it the agent's own prompt and schema builders and check that the
 * table, columns and threshold of its query follow what it was offered.
 */
const column = (name: string, type: TableMeta["columns"][number]["type"]) => ({ name, type, nullable: false, comment: name });
const sales: TableMeta = {
  dataset_id: "ds-001",
  version: "1",
  dataset_name: "sales_data_v1.0",
  table: "ds_001_v1",
  description: "orders",
  row_count: 5,
  columns: [column("id", "integer"), column("customer_id", "integer"), column("amount", "decimal"), column("created_at", "timestamp")],
  sample_rows: [],
};
const reviews: TableMeta = {
  dataset_id: "ds-002",
  version: "1",
  dataset_name: "acceptance_reviews",
  table: "ds_002_v1",
  description: "reviews",
  row_count: 7,
  columns: [column("review_id", "integer"), column("review", "string")],
  sample_rows: [],
};

const glossary = readFileSync(new URL("../../../services/data-api/bootstrap/glossary.md", import.meta.url), "utf8");
const section = (heading: string, text = glossary): VectorSearchHit => ({
  chunk_id: `glossary:${heading}`,
  document_id: "glossary",
  document_name: "business_glossary",
  position: 0,
  score: 1,
  text: text.slice(text.indexOf(`## ${heading}`)).split(/\n(?=## )/)[0]!,
});
const keyCustomer = section("大客户");

function ask(question: string, tables: TableMeta[], definitions: VectorSearchHit[]) {
  const [, user] = queryMessages({ question, tables, definitions, failures: [] });
  const schema = buildQuerySchema({ tables }).jsonSchema;
  const { question: line, documents } = promptParts(user!.content);
  return writeQuery({ question: line, documents, tables: offeredTables(schema, user!.content) }) as Record<string, any>;
}

describe("acceptance: the scripted double answers only from what the agent sent", () => {
  const keyQuestion = "在数据集 sales_data_v1.0 中，哪些客户是大客户？列出每个大客户的订单总金额。";

  it("reads the question line, the offered tables and the retrieved chunks out of the agent's prompt", () => {
    const [, user] = queryMessages({
      question: keyQuestion,
      tables: [sales, reviews],
      definitions: [keyCustomer, section("小额订单")],
      failures: [],
    });
    const parts = promptParts(user!.content);
    expect(parts.question).to.equal(keyQuestion);
    expect(parts.documents).to.have.length(2);
    expect(parts.documents[0]).to.contain("不少于 500");
    expect(offeredTables(buildQuerySchema({ tables: [sales, reviews] }).jsonSchema, user!.content)).to.deep.equal([
      { table: "ds_001_v1", dataset: "sales_data_v1.0", columns: ["id", "customer_id", "amount", "created_at"] },
      { table: "ds_002_v1", dataset: "acceptance_reviews", columns: ["review_id", "review"] },
    ]);
  });

  it("takes the table the question names from the offered ones, whichever comes first", () => {
    expect(ask("数据集 sales_data_v1.0 一共有多少笔订单？", [reviews, sales], []).table).to.equal("ds_001_v1");
    expect(ask("数据集 acceptance_reviews 一共有多少条评论？", [sales, reviews], []).table).to.equal("ds_002_v1");
    expect(ask("How many reviews are there?", [sales, reviews], []).table).to.equal("ds_002_v1");
  });

  it("counts rows of whatever single table it is offered, so a wrong choice by the agent gives a wrong count", () => {
    const query = ask("数据集 sales_data_v1.0 一共有多少笔订单？", [reviews], []);
    expect(query).to.deep.include({ table: "ds_002_v1", select: [{ column: "*", aggregate: "count" }], group_by: [], having: [] });
  });

  it("builds the key-customer query from the chunk's definition: grouping, aggregate, comparison and threshold", () => {
    const query = ask(keyQuestion, [sales], [section("小额订单"), keyCustomer]);
    expect(query).to.deep.include({
      table: "ds_001_v1",
      select: [
        { column: "customer_id", aggregate: "none" },
        { column: "amount", aggregate: "sum" },
      ],
      group_by: ["customer_id"],
      having: [{ column: "amount", aggregate: "sum", op: ">=", value: 500 }],
      count_result_rows: false,
    });
    const changed = section("大客户", glossary.replace("不少于 500", "不少于 800"));
    expect(ask(keyQuestion, [sales], [changed]).having).to.deep.equal([{ column: "amount", aggregate: "sum", op: ">=", value: 800 }]);
  });

  it("has no threshold without the defining chunk, and none from a chunk defining another term", () => {
    expect(ask(keyQuestion, [sales], []).having).to.deep.equal([]);
    expect(ask(keyQuestion, [sales], [section("小额订单")]).having).to.deep.equal([]);
  });

  it("uses only the offered column enum: a definition naming columns the table lacks gives no condition", () => {
    const renamed: TableMeta = { ...sales, columns: [column("id", "integer"), column("client", "integer"), column("total", "decimal")] };
    expect(ask(keyQuestion, [renamed], [keyCustomer]).having).to.deep.equal([]);
  });

  it("works arithmetic out from the expression in the message", () => {
    expect(arithmeticReply("2+2等于几？")).to.equal("2+2 = 4");
    expect(arithmeticReply("what is 7 * 6?")).to.equal("7*6 = 42");
    expect(arithmeticReply("9-12")).to.equal("9-12 = -3");
    expect(arithmeticReply("Say hello")).to.equal(undefined);
  });

  it("picks among the options of one decision by the question the agent's choice prompt carries", () => {
    const choice = { decision: "the table the question is about", options: ["ds_001_v1", "ds_002_v1"] };
    const described = ["ds_001_v1: dataset sales_data_v1.0, orders", "ds_002_v1: dataset acceptance_reviews, reviews"];
    const prompt = choiceMessages("How many reviews are there?", choice, described).at(-1)!.content;
    expect(pickOption(promptParts(prompt).question, choice.options, prompt)).to.equal("ds_002_v1");
    expect(pickOption("How many orders are there?", choice.options, prompt)).to.equal("ds_001_v1");
    const measure = { decision: "the numeric column the question measures", options: ["quantity", "amount"] };
    expect(pickOption(promptParts(choiceMessages("客户的订单总金额是多少？", measure).at(-1)!.content).question, measure.options)).to.equal(
      "amount",
    );
  });
});
