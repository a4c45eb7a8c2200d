import type { QueryResult } from "@one-data/data-api-contract";
import { expect } from "chai";
import { renderSqlAnswer, sourcesFooter } from "../src/domain/answer.js";
import { citationsOf, sqlProvenance } from "../src/domain/provenance.js";
import { glossaryChunks, salesTable } from "./fixtures.js";

const result: QueryResult = {
  columns: [
    { name: "customer_id", type: "integer" },
    { name: "sum_amount", type: "decimal" },
  ],
  rows: [
    { customer_id: 1004, sum_amount: "799.99" },
    { customer_id: 1001, sum_amount: "699.98" },
    { customer_id: 1002, sum_amount: "599.99" },
  ],
  row_count: 3,
  truncated: false,
  limit: 20,
  duration_ms: 2,
  sql: "SELECT 1",
  tables: ["ds_001_v1"],
};

describe("agent-api: provenance and SQL answers", () => {
  it("records the SQL, dataset, version, row count and rows behind an answer", () => {
    const provenance = sqlProvenance(salesTable, "SELECT ours", result, 2);
    expect(provenance).to.deep.include({
      sql: "SELECT 1",
      dataset_id: "ds-001",
      dataset_name: "sales_data_v1.0",
      version: "1",
      table: "ds_001_v1",
      row_count: 3,
      truncated: false,
      attempts: 2,
    });
    expect(provenance.rows).to.deep.equal(result.rows);
  });

  it("writes every figure from the result rows and names the source", () => {
    const reply = renderSqlAnswer(sqlProvenance(salesTable, "SELECT ours", result, 1), "en");
    expect(reply).to.include("Result: 3 rows");
    expect(reply).to.include("customer_id = 1004, sum_amount = 799.99");
    expect(reply).to.include("customer_id = 1002, sum_amount = 599.99");
    expect(reply).to.include("Source: dataset sales_data_v1.0 (ds-001, version 1), SQL: SELECT 1");
    // Every number outside the source line is the row count or a value from the rows.
    const figures = reply.replace(/\nSource: .*$/s, "").match(/\d+(\.\d+)?/g) ?? [];
    const allowed = new Set(["3", ...result.rows.flatMap((r) => Object.values(r).map(String))]);
    expect(figures.length).to.be.greaterThan(5);
    expect(figures.filter((f) => !allowed.has(f))).to.deep.equal([]);
  });

  it("renders a single value and cites the definition it used", () => {
    const single: QueryResult = { ...result, columns: [{ name: "row_count", type: "integer" }], rows: [{ row_count: 3 }], row_count: 1 };
    const citations = citationsOf([{ ...glossaryChunks[0]!, score: 0.8 }]);
    const reply = renderSqlAnswer(sqlProvenance(salesTable, "x", single, 1), "zh", citations);
    expect(reply).to.include("查询结果：row_count = 3");
    expect(reply).to.include("[1]");
    expect(citations[0]).to.deep.equal({
      n: 1,
      document_id: "doc-7",
      document_name: "glossary.md",
      chunk_id: "doc-7#0",
      position: 0,
      score: 0.8,
      text: glossaryChunks[0]!.text,
    });
  });

  it("lists numbered sources under a document answer", () => {
    const footer = sourcesFooter(citationsOf(glossaryChunks.map((c) => ({ ...c, score: 1 }))), "en");
    expect(footer).to.equal("\n\nSources: [1] glossary.md #0; [2] glossary.md #1");
  });
});
