import type { ColumnType } from "@one-data/data-api-contract";
import { expect } from "chai";
import {
  SchemaInferrer,
  cellText,
  sqlTimestampToIso,
  timestampToSql,
  toJsonValue,
  toSqlValue,
  type Cell,
} from "../src/domain/inference.js";

/**
 * Whole-column inference (types, MariaDB column types, nullability, samples) and the typed
 * values stored and served, straight from the inferrer without a file reader in between.
 */
function infer(source: "csv" | "jsonl", headers: string[], rows: Cell[][]) {
  const inferrer = new SchemaInferrer(headers, source);
  for (const row of rows) inferrer.observeRow(row);
  return inferrer.finish(headers);
}
const column = (source: "csv" | "jsonl", values: Cell[]) =>
  infer(
    source,
    ["c"],
    values.map((v) => [v]),
  )[0]!;
const typeOf = (source: "csv" | "jsonl", values: Cell[]) => {
  const c = column(source, values);
  return [c.type, c.sql_type];
};

const nines = (n: number) => "9".repeat(n);
const ones = (n: number) => "1".repeat(n);
const han = (n: number) => "中".repeat(n); // 3 bytes in UTF-8, 1 UTF-16 unit

describe("schema inference: whole columns", () => {
  it("picks INT while every integer fits MariaDB's signed INT, BIGINT beyond it, DECIMAL beyond BIGINT", () => {
    const cases: [Cell[], string, string][] = [
      [["1", "2"], "integer", "INT"],
      [["2147483647"], "integer", "INT"],
      [["-2147483647", "999999999"], "integer", "INT"],
      [["2147483648"], "integer", "BIGINT"],
      [["-2147483649"], "integer", "BIGINT"],
      [["3000000000", "1000000000"], "integer", "BIGINT"],
      [["1000000000", "3000000000", "5"], "integer", "BIGINT"],
      [["9223372036854775807", "-9223372036854775808"], "integer", "BIGINT"],
      [["9223372036854775808"], "decimal", "DECIMAL(19,0)"],
    ];
    for (const [values, type, sqlType] of cases) expect(typeOf("csv", values), values.join(",")).to.deep.equal([type, sqlType]);
  });

  it("sizes DECIMAL from the widest integer part and the widest fraction, up to MariaDB's DECIMAL(65,30)", () => {
    const cases: [Cell[], string][] = [
      [["3.14"], "DECIMAL(3,2)"],
      [["12345.6", "1.2345"], "DECIMAL(9,4)"],
      [["1", "2.5"], "DECIMAL(2,1)"],
      [["2.5", "-100"], "DECIMAL(4,1)"],
      [["12345678901.5"], "DECIMAL(12,1)"],
      [["0."], "DECIMAL(1,0)"],
      [["0.5"], "DECIMAL(1,1)"],
      [[nines(65)], "DECIMAL(65,0)"],
      [[nines(66)], "DOUBLE"],
      [[`0.${ones(30)}`], "DECIMAL(30,30)"],
      [[`0.${ones(31)}`], "DOUBLE"],
      [[`${nines(35)}.${ones(30)}`], "DECIMAL(65,30)"],
      [[`${nines(36)}.${ones(30)}`], "DOUBLE"],
      [[nines(40), `0.${ones(26)}`], "DOUBLE"],
    ];
    for (const [values, sqlType] of cases) expect(typeOf("csv", values), values.join(",")).to.deep.equal(["decimal", sqlType]);
  });

  it("makes any column with an exponent value DOUBLE, whatever the order", () => {
    for (const values of [["1e5"], ["1", "1e5"], ["1e5", "1"], ["2.5", "1e5"], ["1e5", "2.5"], ["1e5", "2E-3"]]) {
      expect(typeOf("csv", values), values.join(",")).to.deep.equal(["decimal", "DOUBLE"]);
    }
  });

  it("types booleans, dates and timestamps, with DATETIME(3) as soon as one value has non-zero fractional seconds", () => {
    const cases: [Cell[], string, string][] = [
      [["true", "FALSE"], "boolean", "BOOLEAN"],
      [["2024-01-01", "2024-02-29"], "date", "DATE"],
      [["2024-01-01", "2024-01-02 03:04:05"], "timestamp", "DATETIME"],
      [["2024-01-01T10:00:00Z"], "timestamp", "DATETIME"],
      [["2024-01-01T10:00:00.000Z"], "timestamp", "DATETIME"],
      [["2024-01-01T10:00:00.5Z"], "timestamp", "DATETIME(3)"],
      [["2024-01-01T10:00:00.5Z", "2024-01-01T10:00:00Z"], "timestamp", "DATETIME(3)"],
      [["2024-01-01T10:00:00Z", "2024-01-01T10:00:00.25Z", "2024-01-02"], "timestamp", "DATETIME(3)"],
    ];
    for (const [values, type, sqlType] of cases) expect(typeOf("csv", values), values.join(",")).to.deep.equal([type, sqlType]);
  });

  it("falls back to a string when kinds do not mix", () => {
    for (const values of [
      ["2024-01-01", "5"],
      ["5", "2024-01-01"],
      ["2024-01-01T10:00:00Z", "true"],
      ["true", "1"],
      ["1.5", "x"],
      ["x", "1"],
    ]) {
      expect(column("csv", values).type, values.join(",")).to.equal("string");
    }
  });

  it("sizes VARCHAR to the longest value rounded up to a power of two (16 to 255), then TEXT types by UTF-8 bytes", () => {
    const cases: [Cell[], string][] = [
      [["a"], "VARCHAR(16)"],
      [["a".repeat(16)], "VARCHAR(16)"],
      [["a".repeat(17)], "VARCHAR(32)"],
      [["a".repeat(33)], "VARCHAR(64)"],
      [["a".repeat(128)], "VARCHAR(128)"],
      [["a".repeat(129)], "VARCHAR(255)"],
      [["a".repeat(255)], "VARCHAR(255)"],
      [[han(255)], "VARCHAR(255)"],
      [["a".repeat(40), "b"], "VARCHAR(64)"],
      [["x", "a".repeat(40), "y"], "VARCHAR(64)"],
      [["a".repeat(256)], "TEXT"],
      [[han(21_845)], "TEXT"], // 65,535 bytes: TEXT's limit
      [[`${han(21_845)}a`], "MEDIUMTEXT"],
      [["a".repeat(70_000), "a".repeat(30_000)], "MEDIUMTEXT"],
      [["a".repeat(60_000), han(30_000)], "MEDIUMTEXT"],
      [[han(5_592_405)], "MEDIUMTEXT"], // 16,777,215 bytes: MEDIUMTEXT's limit
      [[han(5_592_406)], "LONGTEXT"],
    ];
    for (const [values, sqlType] of cases) {
      const c = column("csv", values);
      expect([c.type, c.sql_type], `${values.length} values, longest ${Math.max(...values.map((v) => String(v).length))}`).to.deep.equal([
        "string",
        sqlType,
      ]);
    }
  });

  it("makes a column nullable when a row has an empty cell, a JSON null or no value for it", () => {
    const cases: ["csv" | "jsonl", Cell[], string, boolean][] = [
      ["csv", ["1", "2"], "integer", false],
      ["csv", ["1", "", "2"], "integer", true],
      ["csv", ["", ""], "string", true],
      ["csv", ["abc", ""], "string", true],
      ["jsonl", [5, null], "integer", true],
      ["jsonl", [5, undefined], "integer", true],
      ["jsonl", ["abc", null], "string", true],
      ["jsonl", [null, "abc"], "string", true],
    ];
    for (const [source, values, type, nullable] of cases) {
      const c = column(source, values);
      expect([c.type, c.nullable], `${source} ${JSON.stringify(values)}`).to.deep.equal([type, nullable]);
    }
    const [a, b] = infer("jsonl", ["a", "b"], [[1, 2], [3]]);
    expect([a!.nullable, b!.nullable]).to.deep.equal([false, true]);
    expect(column("csv", ["", ""]).sql_type).to.equal("VARCHAR(16)");
  });

  it("ignores cells beyond the known columns", () => {
    const columns = infer("csv", ["a"], [["1", "x"], ["2"]]);
    expect(columns.map((c) => [c.name, c.type, c.nullable])).to.deep.equal([["a", "integer", false]]);
  });

  it("types JSON values by their JSON type: strings stay strings unless dates, non-integral numbers are DOUBLE", () => {
    const cases: [Cell[], string, string][] = [
      [[1, 2], "integer", "INT"],
      [[3_000_000_000], "integer", "BIGINT"],
      [[-3_000_000_000, 7], "integer", "BIGINT"],
      [[1.5], "decimal", "DOUBLE"],
      [[1, 1.5], "decimal", "DOUBLE"],
      [[true, false], "boolean", "BOOLEAN"],
      [["2024-05-01"], "date", "DATE"],
      [["2024-05-01T10:00:00.5Z", "2024-05-02"], "timestamp", "DATETIME(3)"],
      [["42"], "string", "VARCHAR(16)"],
      [["true"], "string", "VARCHAR(16)"],
      [["abc", 5], "string", "VARCHAR(16)"],
      [[JSON.parse("1e999"), 5], "string", "VARCHAR(16)"],
      [[{ a: 1 }, 5], "string", "VARCHAR(16)"],
      [[[1], 5], "string", "VARCHAR(16)"],
      [[true, 1], "string", "VARCHAR(16)"],
    ];
    for (const [values, type, sqlType] of cases) expect(typeOf("jsonl", values), JSON.stringify(values)).to.deep.equal([type, sqlType]);
    expect(typeOf("csv", ["42"])).to.deep.equal(["integer", "INT"]);
    expect(column("jsonl", [JSON.parse("1e999")]).samples).to.deep.equal(["Infinity"]);
  });

  it("keeps the first three distinct values as samples, typed as clients see them", () => {
    const cases: [Cell[], unknown[]][] = [
      [
        ["1", "1", "2", "", "3", "4"],
        [1, 2, 3],
      ],
      [
        ["b", "a", "b", "c", "d"],
        ["b", "a", "c"],
      ],
      [["x", "x", "x"], ["x"]],
      [
        ["TRUE", "false", "True"],
        [true, false, true],
      ],
      [
        ["2024-01-01 10:00", "2024-01-01T10:00:00+08:00"],
        ["2024-01-01T10:00:00Z", "2024-01-01T02:00:00Z"],
      ],
      [
        ["2024-01-01", "2024-01-02T00:00:00.5Z"],
        ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00.500Z"],
      ],
      [["2024-03-01"], ["2024-03-01"]],
      [
        ["1.50", "2"],
        [1.5, 2],
      ],
    ];
    for (const [values, samples] of cases) expect(column("csv", values).samples, values.join(",")).to.deep.equal(samples);
    expect(column("jsonl", [{ a: 1 }, [1, "x"]]).samples).to.deep.equal(['{"a":1}', '[1,"x"]']);
  });

  it("adds columns once each, keeping their positions", () => {
    const inferrer = new SchemaInferrer(["a", "b"], "jsonl");
    expect(inferrer.columnCount).to.equal(2);
    expect(inferrer.addColumn("b")).to.equal(1);
    expect(inferrer.columnCount).to.equal(2);
    expect(inferrer.addColumn("c")).to.equal(2);
    expect(inferrer.columnCount).to.equal(3);
    inferrer.observeRow([1, "x", true]);
    expect(inferrer.finish(["A", "B", "C"]).map((c) => [c.name, c.original, c.type])).to.deep.equal([
      ["A", "a", "integer"],
      ["B", "b", "string"],
      ["C", "c", "boolean"],
    ]);
  });
});

describe("schema inference: typed values", () => {
  const types: ColumnType[] = ["integer", "decimal", "boolean", "date", "timestamp", "string"];

  it("writes cells as text, with JSON objects and arrays as JSON", () => {
    const cases: [Cell, string][] = [
      [null, ""],
      [undefined, ""],
      ["x", "x"],
      [true, "true"],
      [1.5, "1.5"],
      [{ a: 1 }, '{"a":1}'],
      [[1, "x"], '[1,"x"]'],
    ];
    for (const [cell, text] of cases) expect(cellText(cell), JSON.stringify(cell)).to.equal(text);
  });

  it("stores and serves empty cells, JSON nulls and missing values as NULL in every type", () => {
    for (const type of types) {
      for (const cell of [null, undefined, ""]) {
        expect(toSqlValue(type, cell), `${type} ${JSON.stringify(cell)}`).to.equal(null);
        expect(toJsonValue(type, cell), `${type} ${JSON.stringify(cell)}`).to.equal(null);
      }
    }
  });

  it("stores integers within 2^53 as numbers and larger ones as exact text; decimals, dates and strings as written", () => {
    const cases: [ColumnType, Cell, string | number][] = [
      ["integer", "42", 42],
      ["integer", "-7", -7],
      ["integer", 5, 5],
      ["integer", "9007199254740991", 9007199254740991],
      ["integer", "9007199254740993", "9007199254740993"],
      ["integer", "9223372036854775807", "9223372036854775807"],
      ["decimal", "3.14", "3.14"],
      ["decimal", "-0012.500", "-0012.500"],
      ["decimal", "1e5", "1e5"],
      ["decimal", 1.5, "1.5"],
      ["boolean", "TRUE", 1],
      ["boolean", "true", 1],
      ["boolean", true, 1],
      ["boolean", "False", 0],
      ["boolean", false, 0],
      ["date", "2024-02-29", "2024-02-29"],
      ["timestamp", "2024-01-01T10:00:00+08:00", "2024-01-01 02:00:00"],
      ["timestamp", "2024-01-01", "2024-01-01 00:00:00"],
      ["timestamp", "2024-01-01T10:00:00.123456Z", "2024-01-01 10:00:00.123"],
      ["string", "42", "42"],
      ["string", "true", "true"],
      ["string", { a: 1 }, '{"a":1}'],
    ];
    for (const [type, cell, value] of cases) expect(toSqlValue(type, cell), `${type} ${JSON.stringify(cell)}`).to.equal(value);
  });

  it("serves numbers as JSON numbers unless an integer would lose digits or the value is not finite", () => {
    const cases: [ColumnType, Cell, unknown][] = [
      ["integer", "42", 42],
      ["integer", "+45", 45],
      ["integer", 5, 5],
      ["integer", "9007199254740993", "9007199254740993"],
      ["integer", "9223372036854775807", "9223372036854775807"],
      ["decimal", "0.5", 0.5],
      ["decimal", "-0012.500", -12.5],
      ["decimal", "1e5", 100000],
      ["decimal", "12", 12],
      ["decimal", "1e999", "1e999"],
      ["boolean", "TRUE", true],
      ["boolean", "true", true],
      ["boolean", true, true],
      ["boolean", "false", false],
      ["boolean", false, false],
      ["date", "2024-02-29", "2024-02-29"],
      ["timestamp", "2024-01-01 10:00", "2024-01-01T10:00:00Z"],
      ["timestamp", "2024-01-01", "2024-01-01T00:00:00Z"],
      ["timestamp", "2024-01-01T10:00:00.5+08:00", "2024-01-01T02:00:00.500Z"],
      ["string", "42", "42"],
      ["string", "true", "true"],
    ];
    for (const [type, cell, value] of cases) expect(toJsonValue(type, cell), `${type} ${JSON.stringify(cell)}`).to.equal(value);
  });

  it("normalizes timestamps to UTC DATETIME text, with milliseconds cut (not rounded) like MariaDB's DATETIME(3)", () => {
    const cases: [string, string][] = [
      ["2024-01-01", "2024-01-01 00:00:00"],
      ["2024-01-01T10:00:00Z", "2024-01-01 10:00:00"],
      ["2024-01-01T10:00:00+0800", "2024-01-01 02:00:00"],
      ["2024-01-01T10:00:00-0530", "2024-01-01 15:30:00"],
      ["2024-01-01T10:00:00-05:30", "2024-01-01 15:30:00"],
      ["2024-12-31T23:30:00-01:00", "2025-01-01 00:30:00"],
      ["2024-01-01T10:00:00.5Z", "2024-01-01 10:00:00.500"],
      ["2024-01-01T10:00:00.123456789Z", "2024-01-01 10:00:00.123"],
      ["2024-01-01T23:59:59.9999Z", "2024-01-01 23:59:59.999"],
    ];
    for (const [text, sql] of cases) expect(timestampToSql(text), text).to.equal(sql);
  });

  it("reads timestamps without a zone as UTC whatever the server's time zone", () => {
    const saved = process.env.TZ;
    process.env.TZ = "Asia/Shanghai";
    try {
      expect(new Date("2024-01-01T10:00:00").getTimezoneOffset()).to.equal(-480);
      expect(timestampToSql("2024-01-01 10:00:00")).to.equal("2024-01-01 10:00:00");
      expect(timestampToSql("2024-01-01T10:00")).to.equal("2024-01-01 10:00:00");
      expect(timestampToSql("2024-01-01T10:00:00Z")).to.equal("2024-01-01 10:00:00");
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it("turns stored UTC DATETIME text into ISO 8601 with a Z", () => {
    expect(sqlTimestampToIso("2024-01-01 10:00:00")).to.equal("2024-01-01T10:00:00Z");
    expect(sqlTimestampToIso("2024-01-01 10:00:00.500")).to.equal("2024-01-01T10:00:00.500Z");
  });
});
