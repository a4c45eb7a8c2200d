import { expect } from "chai";
import type { Catalog } from "../src/domain/catalog.js";
import { compileQuery, literalFor, QueryCompileError, quoteIdentifier, quoteString } from "../src/domain/sql-compiler.js";
import type { StructuredQuery } from "../src/domain/structured-query.js";
import { salesTable } from "./fixtures.js";

const catalog: Catalog = { tables: [salesTable] };
const base: StructuredQuery = {
  table: "ds_001_v1",
  select: [{ column: "amount", aggregate: "sum" }],
  filters: [],
  group_by: [],
  having: [],
  order_by: [],
  limit: 100,
  count_result_rows: false,
};
const compile = (patch: Partial<StructuredQuery>) => compileQuery({ ...base, ...patch }, catalog).sql;

describe("agent-api: SQL compiler", () => {
  it("compiles an aggregate with quoted identifiers and a limit", () => {
    expect(compile({})).to.equal("SELECT SUM(`amount`) AS `sum_amount` FROM `ds_001_v1` LIMIT 100");
  });

  it("groups plain columns selected next to aggregates and filters groups with HAVING", () => {
    const sql = compile({
      select: [{ column: "customer_id", aggregate: "none" }, { column: "amount", aggregate: "sum" }],
      having: [{ column: "amount", aggregate: "sum", op: ">=", value: 500 }],
      order_by: [{ column: "amount", aggregate: "sum", direction: "desc" }],
    });
    expect(sql).to.equal(
      "SELECT `customer_id` AS `customer_id`, SUM(`amount`) AS `sum_amount` FROM `ds_001_v1` GROUP BY `customer_id` " +
        "HAVING SUM(`amount`) >= 500 ORDER BY `sum_amount` DESC LIMIT 100",
    );
  });

  it("counts matching groups when asked how many", () => {
    const sql = compile({
      select: [{ column: "customer_id", aggregate: "none" }],
      having: [{ column: "amount", aggregate: "sum", op: ">=", value: 500 }],
      count_result_rows: true,
    });
    expect(sql).to.equal(
      "SELECT COUNT(*) AS `row_count` FROM (SELECT `customer_id` AS `customer_id` FROM `ds_001_v1` GROUP BY `customer_id` HAVING SUM(`amount`) >= 500) AS `matched`",
    );
  });

  it("renders filter values as literals of the column type", () => {
    const sql = compile({
      select: [{ column: "*", aggregate: "count" }],
      filters: [
        { column: "customer_id", op: "=", value: "1001" },
        { column: "created_at", op: ">=", value: "2024-01-02T00:00:00Z" },
        { column: "amount", op: ">", value: 300 },
      ],
    });
    expect(sql).to.equal(
      "SELECT COUNT(*) AS `count_all` FROM `ds_001_v1` WHERE `customer_id` = 1001 AND `created_at` >= '2024-01-02 00:00:00' AND `amount` > 300 LIMIT 100",
    );
  });

  it("refuses values that do not fit the column instead of splicing them", () => {
    for (const value of ["1 OR 1=1", "1001; DROP TABLE x", "0x41"]) {
      expect(() => compile({ filters: [{ column: "customer_id", op: "=", value }] })).to.throw(QueryCompileError, /does not fit/);
    }
    expect(() => compile({ filters: [{ column: "created_at", op: "=", value: "yesterday' OR '1'='1" }] })).to.throw(QueryCompileError);
    expect(() => compile({ filters: [{ column: "amount", op: ">", value: Number.POSITIVE_INFINITY }] })).to.throw(QueryCompileError);
  });

  it("escapes string literals so they cannot end early", () => {
    expect(quoteString("O'Brien")).to.equal("'O''Brien'");
    expect(quoteString("a\\' OR 1=1 -- ")).to.equal("'a\\\\'' OR 1=1 -- '");
    expect(quoteString("line\nbreak\0")).to.equal("'line\\nbreak\\0'");
    const stringColumn = { name: "note", type: "string" as const, nullable: true };
    expect(literalFor(stringColumn, "x'; DROP TABLE t; --")).to.equal("'x''; DROP TABLE t; --'");
  });

  it("quotes identifiers by doubling backticks", () => {
    expect(quoteIdentifier("we`ird")).to.equal("`we``ird`");
    expect(() => quoteIdentifier("")).to.throw(QueryCompileError);
  });

  it("rejects tables and columns the catalog does not have, naming the real ones", () => {
    expect(() => compile({ table: "users" })).to.throw(QueryCompileError, /unknown \(tables: ds_001_v1\)/);
    expect(() => compile({ select: [{ column: "price", aggregate: "sum" }] })).to.throw(QueryCompileError, /columns: id, customer_id, amount, created_at/);
    expect(() => compile({ group_by: ["region"] })).to.throw(QueryCompileError, /region/);
  });

  it("rejects aggregates that make no sense for the column", () => {
    expect(() => compile({ select: [{ column: "created_at", aggregate: "sum" }] })).to.throw(QueryCompileError, /numeric/);
    expect(() => compile({ select: [{ column: "*", aggregate: "sum" }] })).to.throw(QueryCompileError, /only be counted/);
  });

  it("clamps the row limit to the maximum", () => {
    expect(compile({ limit: 1_000_000 })).to.match(/LIMIT 1000$/);
  });

  it("never emits more than one statement", () => {
    const sql = compile({
      select: [{ column: "customer_id", aggregate: "none" }],
      filters: [{ column: "created_at", op: "<", value: "2024-01-03" }],
      order_by: [{ column: "customer_id", aggregate: "none", direction: "asc" }],
    });
    expect(sql.startsWith("SELECT ")).to.equal(true);
    expect(sql).not.to.include(";");
  });
});
