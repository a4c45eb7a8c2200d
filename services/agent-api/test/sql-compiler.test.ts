import { expect } from "chai";
import type { ColumnType } from "@one-data/data-api-contract";
import type { Catalog } from "../src/domain/catalog.js";
import { compileQuery, literalFor, QueryCompileError, quoteIdentifier, quoteString } from "../src/domain/sql-compiler.js";
import type { Literal, StructuredQuery } from "../src/domain/structured-query.js";
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
      select: [
        { column: "customer_id", aggregate: "none" },
        { column: "amount", aggregate: "sum" },
      ],
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

  it("escapes every character MySQL treats specially in a string literal", () => {
    const cases: [string, string][] = [
      ["O'Brien", "'O''Brien'"],
      ["back\\slash", "'back\\\\slash'"],
      ["line\nbreak", "'line\\nbreak'"],
      ["carriage\rreturn", "'carriage\\rreturn'"],
      ["nul\0byte", "'nul\\0byte'"],
      ["ctrl-z\x1aend", "'ctrl-z\\Zend'"],
    ];
    for (const [value, literal] of cases) expect(quoteString(value), JSON.stringify(value)).to.equal(literal);
  });

  it("renders each column type's literal from the forms a model sends", () => {
    const cases: [ColumnType, Literal, string][] = [
      ["integer", 42, "42"],
      ["integer", -7, "-7"],
      ["integer", " 12 ", "12"],
      ["integer", "-3", "-3"],
      ["decimal", 2.5, "2.5"],
      ["decimal", "2.50", "2.5"],
      ["decimal", " -0.75 ", "-0.75"],
      ["decimal", "10", "10"],
      ["boolean", true, "TRUE"],
      ["boolean", false, "FALSE"],
      ["boolean", 1, "TRUE"],
      ["boolean", "1", "TRUE"],
      ["boolean", "true", "TRUE"],
      ["boolean", 0, "FALSE"],
      ["boolean", "0", "FALSE"],
      ["boolean", "false", "FALSE"],
      ["date", "2024-01-02", "'2024-01-02'"],
      ["date", " 2024-01-02 ", "'2024-01-02'"],
      ["date", "2024-01-02T10:30:00Z", "'2024-01-02'"],
      ["timestamp", "2024-01-02", "'2024-01-02'"],
      ["timestamp", "2024-01-02T10:30", "'2024-01-02 10:30:00'"],
      ["timestamp", "2024-01-02 10:30:05.123456+00:00", "'2024-01-02 10:30:05.123456'"],
      ["string", 42, "'42'"],
      ["string", true, "'true'"],
    ];
    for (const [type, value, literal] of cases) {
      expect(literalFor({ name: "c", type }, value), `${type} ${JSON.stringify(value)}`).to.equal(literal);
    }
  });

  it("refuses a value that is not a literal of the column's type, saying which value and column", () => {
    const cases: [ColumnType, Literal][] = [
      ["integer", 1.5],
      ["integer", "1.5"],
      ["integer", true],
      ["decimal", true],
      ["decimal", "1e3"],
      ["decimal", "12abc"],
      ["boolean", "yes"],
      ["boolean", 2],
      ["date", 20240102],
      ["date", "2024-01-02x"],
      ["timestamp", "yesterday"],
      ["timestamp", true],
    ];
    for (const [type, value] of cases) {
      expect(() => literalFor({ name: "c", type }, value), `${type} ${JSON.stringify(value)}`)
        .to.throw(QueryCompileError)
        .with.property("message", `value ${JSON.stringify(value)} does not fit column c of type ${type}`);
    }
    expect(() => literalFor({ name: "c", type: "decimal" }, Number.NEGATIVE_INFINITY))
      .to.throw(QueryCompileError)
      .with.property("message", "-Infinity is not a finite number");
  });

  it("quotes identifiers by doubling backticks", () => {
    expect(quoteIdentifier("we`ird")).to.equal("`we``ird`");
    expect(() => quoteIdentifier("")).to.throw(QueryCompileError);
  });

  it("accepts identifiers of 1 to 64 characters without NUL, MySQL's limits, and names the refused one", () => {
    expect(quoteIdentifier("a".repeat(64))).to.equal("`" + "a".repeat(64) + "`");
    for (const name of ["", "a".repeat(65), "a\u0000b"]) {
      expect(() => quoteIdentifier(name), JSON.stringify(name))
        .to.throw(QueryCompileError)
        .that.include({ name: "QueryCompileError", message: `invalid identifier ${JSON.stringify(name)}` });
    }
  });

  it("rejects tables and columns the catalog does not have, naming the real ones", () => {
    expect(() => compile({ table: "users" })).to.throw(QueryCompileError, /unknown \(tables: ds_001_v1\)/);
    expect(() => compile({ select: [{ column: "price", aggregate: "sum" }] })).to.throw(
      QueryCompileError,
      /columns: id, customer_id, amount, created_at/,
    );
    expect(() => compile({ group_by: ["region"] })).to.throw(QueryCompileError, /region/);
  });

  it("rejects aggregates that make no sense for the column", () => {
    expect(() => compile({ select: [{ column: "created_at", aggregate: "sum" }] })).to.throw(QueryCompileError, /numeric/);
    expect(() => compile({ select: [{ column: "*", aggregate: "sum" }] })).to.throw(QueryCompileError, /only be counted/);
  });

  it("renders every aggregate, and MIN/MAX also on a non-numeric column", () => {
    const sql = compile({
      select: [
        { column: "id", aggregate: "count" },
        { column: "customer_id", aggregate: "count_distinct" },
        { column: "amount", aggregate: "avg" },
        { column: "created_at", aggregate: "min" },
        { column: "created_at", aggregate: "max" },
      ],
    });
    expect(sql).to.equal(
      "SELECT COUNT(`id`) AS `count_id`, COUNT(DISTINCT `customer_id`) AS `count_distinct_customer_id`, AVG(`amount`) AS `avg_amount`, " +
        "MIN(`created_at`) AS `min_created_at`, MAX(`created_at`) AS `max_created_at` FROM `ds_001_v1` LIMIT 100",
    );
  });

  it("groups only when something is aggregated or grouped, and then by every plain selected column", () => {
    const cases: [Partial<StructuredQuery>, string][] = [
      [
        {
          select: [{ column: "customer_id", aggregate: "none" }],
          filters: [{ column: "created_at", op: "<", value: "2024-01-03" }],
          order_by: [{ column: "customer_id", aggregate: "none", direction: "asc" }],
        },
        "SELECT `customer_id` AS `customer_id` FROM `ds_001_v1` WHERE `created_at` < '2024-01-03' ORDER BY `customer_id` ASC LIMIT 100",
      ],
      [
        {
          select: [
            { column: "customer_id", aggregate: "none" },
            { column: "amount", aggregate: "sum" },
          ],
        },
        "SELECT `customer_id` AS `customer_id`, SUM(`amount`) AS `sum_amount` FROM `ds_001_v1` GROUP BY `customer_id` LIMIT 100",
      ],
      [
        {
          select: [
            { column: "customer_id", aggregate: "none" },
            { column: "id", aggregate: "none" },
          ],
          group_by: ["customer_id", "customer_id"],
        },
        "SELECT `customer_id` AS `customer_id`, `id` AS `id` FROM `ds_001_v1` GROUP BY `customer_id`, `id` LIMIT 100",
      ],
    ];
    for (const [patch, sql] of cases) expect(compile(patch)).to.equal(sql);
  });

  it("joins several HAVING conditions with AND and orders by an unselected aggregate through its expression", () => {
    const sql = compile({
      select: [
        { column: "customer_id", aggregate: "none" },
        { column: "amount", aggregate: "sum" },
      ],
      having: [
        { column: "amount", aggregate: "sum", op: ">=", value: 500 },
        { column: "*", aggregate: "count", op: ">", value: 1 },
      ],
      order_by: [
        { column: "amount", aggregate: "sum", direction: "desc" },
        { column: "*", aggregate: "count", direction: "asc" },
      ],
    });
    expect(sql).to.equal(
      "SELECT `customer_id` AS `customer_id`, SUM(`amount`) AS `sum_amount` FROM `ds_001_v1` GROUP BY `customer_id` " +
        "HAVING SUM(`amount`) >= 500 AND COUNT(*) > 1 ORDER BY `sum_amount` DESC, COUNT(*) ASC LIMIT 100",
    );
  });

  it("quotes each part of a qualified table name", () => {
    const qualified = { ...salesTable, table: "sales.ds_001_v1" };
    const { sql } = compileQuery({ ...base, table: "sales.ds_001_v1" }, { tables: [qualified] });
    expect(sql).to.equal("SELECT SUM(`amount`) AS `sum_amount` FROM `sales`.`ds_001_v1` LIMIT 100");
  });

  it("keeps the first select item of an alias, so no two result columns share a name", () => {
    const table = { ...salesTable, table: "t", columns: [{ name: "all", type: "integer" as const, nullable: false, comment: "all" }] };
    const { sql } = compileQuery(
      {
        ...base,
        table: "t",
        select: [
          { column: "*", aggregate: "count" },
          { column: "all", aggregate: "count" },
        ],
      },
      { tables: [table] },
    );
    expect(sql).to.equal("SELECT COUNT(*) AS `count_all` FROM `t` LIMIT 100");
  });

  it("explains each refused query in words fed back to the model", () => {
    const other = { ...salesTable, table: "ds_002_v1" };
    expect(() => compileQuery({ ...base, table: "users" }, { tables: [salesTable, other] }))
      .to.throw(QueryCompileError)
      .with.property("message", 'table "users" is unknown (tables: ds_001_v1, ds_002_v1)');
    const cases: [Partial<StructuredQuery>, string][] = [
      [{ select: [] }, "select at least one column"],
      [
        { select: [{ column: "price", aggregate: "none" }] },
        'column "price" is not in table ds_001_v1 (columns: id, customer_id, amount, created_at)',
      ],
      [{ select: [{ column: "created_at", aggregate: "avg" }] }, "avg needs a numeric column; created_at is timestamp"],
      [{ select: [{ column: "*", aggregate: "max" }] }, '"*" can only be counted, not used with max'],
      [{ filters: [{ column: "amount", op: "LIKE" as "=", value: 1 }] }, "unknown comparison LIKE"],
      [{ having: [{ column: "amount", aggregate: "sum", op: ">", value: Number.POSITIVE_INFINITY }] }, "Infinity is not a finite number"],
    ];
    for (const [patch, message] of cases) {
      expect(() => compile(patch), message)
        .to.throw(QueryCompileError)
        .with.property("message", message);
    }
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
