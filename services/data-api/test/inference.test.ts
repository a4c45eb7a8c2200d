import { expect } from "chai";
import { Readable } from "node:stream";
import { columnIdentifiers, formatDatasetId, parseDatasetId } from "../src/domain/identifiers.js";
import { classifyText, timestampToSql } from "../src/domain/inference.js";
import { inferSchema, typedRowBatches } from "../src/domain/ingest.js";
import { sniffDelimiter } from "../src/domain/tabular.js";
import { rejected } from "./support/rejected.js";

const stream = (text: string | Buffer) => Readable.from([Buffer.from(text)]);

describe("schema inference", () => {
  it("classifies single values", () => {
    expect(classifyText("42").kind).to.equal("integer");
    expect(classifyText("-7").kind).to.equal("integer");
    expect(classifyText("007").kind).to.equal("string");
    expect(classifyText("99999999999999999999").kind).to.equal("decimal");
    expect(
      ["999999999999999999", "-999999999999999999", "+1000000000000000000", "-9223372036854775808", "-9223372036854775809"].map((t) =>
        classifyText(t),
      ),
    ).to.deep.equal([
      { kind: "integer", intDigits: 18 },
      { kind: "integer", intDigits: 18 },
      { kind: "integer", intDigits: 19 },
      { kind: "integer", intDigits: 19 },
      { kind: "decimal", intDigits: 19, scale: 0 },
    ]);
    expect(classifyText("3.14")).to.deep.include({ kind: "decimal", intDigits: 1, scale: 2 });
    expect(classifyText("1e5").kind).to.equal("double");
    expect(classifyText("TRUE").kind).to.equal("boolean");
    expect(classifyText("2024-02-29").kind).to.equal("date");
    expect(classifyText("2023-02-29").kind).to.equal("string");
    expect(classifyText("2024-01-01T10:00:00Z").kind).to.equal("timestamp");
    expect(classifyText("2024-01-01 10:00").kind).to.equal("timestamp");
    expect(classifyText("2024-01-01T25:00:00Z").kind).to.equal("string");
    expect(classifyText("北京").kind).to.equal("string");
  });

  it("normalizes timestamps with offsets to UTC", () => {
    expect(timestampToSql("2024-01-01T10:00:00+08:00")).to.equal("2024-01-01 02:00:00");
    expect(timestampToSql("2024-01-01T10:00:00.5Z")).to.equal("2024-01-01 10:00:00.500");
    expect(timestampToSql("2024-01-01 10:00")).to.equal("2024-01-01 10:00:00");
  });

  it("stores timestamps as UTC to the millisecond: offsets shift the day and year, extra digits are cut, not rounded", () => {
    const cases: [string, string][] = [
      ["2024-01-01T10:00:00Z", "2024-01-01 10:00:00"],
      ["2024-01-01T10:00Z", "2024-01-01 10:00:00"],
      ["2024-01-01T10:00:00", "2024-01-01 10:00:00"],
      ["2024-01-01T10:00:00.123456Z", "2024-01-01 10:00:00.123"],
      ["2024-01-01T10:00:00.9999", "2024-01-01 10:00:00.999"],
      ["2024-01-01T10:00:00.000Z", "2024-01-01 10:00:00.000"],
      ["2024-12-31T23:30:00-01:00", "2025-01-01 00:30:00"],
      ["2024-03-01T00:00:00.125-0130", "2024-03-01 01:30:00.125"],
      ["2024-03-01T04:00:00+0530", "2024-02-29 22:30:00"],
      ["2024-03-01T00:00:00+00:00", "2024-03-01 00:00:00"],
      ["2024-03-01", "2024-03-01 00:00:00"],
    ];
    expect(cases.map(([text]) => timestampToSql(text))).to.deep.equal(cases.map(([, sql]) => sql));
  });

  it("widens types across rows: integer+decimal → decimal, date+timestamp → timestamp, mixed → string", async () => {
    const csv = "a,b,c,d,e\n1,2024-01-01,1,x,\n2.5,2024-01-02T03:04:05Z,true,2,\n";
    const schema = await inferSchema(stream(csv), "csv");
    expect(schema.columns.map((c) => [c.name, c.type, c.sql_type, c.nullable])).to.deep.equal([
      ["a", "decimal", "DECIMAL(2,1)", false],
      ["b", "timestamp", "DATETIME", false],
      ["c", "string", "VARCHAR(16)", false],
      ["d", "string", "VARCHAR(16)", false],
      ["e", "string", "VARCHAR(16)", true],
    ]);
    expect(schema.row_count).to.equal(2);
  });

  it("detects delimiters and honours quoting, including delimiters and newlines inside quotes", async () => {
    expect(sniffDelimiter("a\tb\tc\n1\t2\t3\n")).to.equal("\t");
    expect(sniffDelimiter("a|b\n1|2\n")).to.equal("|");
    expect(sniffDelimiter("a;b;c\n1,5;2;3\n")).to.equal(";");
    const csv = 'name,note\n"Smith, J","said ""hi""\nthen left"\n';
    const schema = await inferSchema(stream(csv), "csv");
    expect(schema.row_count).to.equal(1);
    const batches = [];
    for await (const batch of typedRowBatches(stream(csv), schema)) batches.push(...batch);
    expect(batches).to.deep.equal([["Smith, J", 'said "hi"\nthen left']]);
  });

  it("reads UTF-8 with a BOM and Chinese headers, deriving unique SQL identifiers", async () => {
    const csv = "\uFEFF订单号,金额,Amount,amount,select,1st\n1,2,3,4,5,6\n";
    const schema = await inferSchema(stream(csv), "csv");
    expect(schema.columns.map((c) => [c.name, c.original])).to.deep.equal([
      ["col_1", "订单号"],
      ["col_2", "金额"],
      ["amount", "Amount"],
      ["amount_2", "amount"],
      ["select_", "select"],
      ["c_1st", "1st"],
    ]);
    expect(columnIdentifiers(["", "", "a b-c"])).to.deep.equal(["col_1", "col_2", "a_b_c"]);
  });

  it("infers JSON Lines with keys appearing late and nested values as strings", async () => {
    const jsonl = '{"id":1,"tags":["a"],"ok":true}\n\n{"id":2,"price":1.25,"ok":false,"at":"2024-05-01"}\n';
    const schema = await inferSchema(stream(jsonl), "jsonl");
    expect(schema.columns.map((c) => [c.name, c.type, c.nullable])).to.deep.equal([
      ["id", "integer", false],
      ["tags", "string", true],
      ["ok", "boolean", false],
      ["price", "decimal", true],
      ["at", "date", true],
    ]);
    expect(schema.columns[1]!.samples).to.deep.equal(['["a"]']);
  });

  it("types JSON numbers by their value: INT to nine digits, BIGINT past them, DOUBLE past 2^53 or with a fraction", async () => {
    const jsonl = [
      '{"small":-999999999,"wide":-5,"huge":9007199254740993,"frac":2,"zero":-0}',
      '{"small":999999999,"wide":-2147483649,"huge":1,"frac":0.5,"zero":0}',
    ].join("\n");
    const schema = await inferSchema(stream(jsonl), "jsonl");
    expect(schema.columns.map((c) => [c.name, c.type, c.sql_type])).to.deep.equal([
      ["small", "integer", "INT"],
      ["wide", "integer", "BIGINT"],
      ["huge", "decimal", "DOUBLE"],
      ["frac", "decimal", "DOUBLE"],
      ["zero", "integer", "INT"],
    ]);
  });

  it("knows the Gregorian leap years: 2000 and 2024 have 29 February, 1900 and 2023 do not", () => {
    expect(
      ["2000-02-29", "2024-02-29", "1900-02-29", "2023-02-29", "2100-02-29", "2024-04-31", "2024-12-31"].map((d) => classifyText(d).kind),
    ).to.deep.equal(["date", "date", "string", "string", "string", "string", "date"]);
    expect(["2000-02-29 12:00:00", "1900-02-29T12:00:00Z"].map((d) => classifyText(d).kind)).to.deep.equal(["timestamp", "string"]);
  });

  it("decodes characters split across the chunks the object arrives in, and drops a BOM only at the start", async () => {
    const text = '\uFEFF名称,金额,备注\n订单甲,1.50,"含逗号, 与换行\n的备注 𝄞"\n\uFEFF乙,2,x\n';
    const bytes = Buffer.from(text);
    const oneByteChunks = Readable.from([...bytes].map((b) => Buffer.from([b])));
    const schema = await inferSchema(oneByteChunks, "csv");
    expect(schema.columns.map((c) => c.original)).to.deep.equal(["名称", "金额", "备注"]);
    expect(schema.columns[0]!.samples).to.deep.equal(["订单甲", "\uFEFF乙"]);
    expect(schema.columns[2]!.samples).to.deep.equal(["含逗号, 与换行\n的备注 𝄞", "x"]);
    // The 32 KiB slices the decoder works in must not cut a character either: put a 4-byte one across every boundary.
    const wide = `{"k":"${"a".repeat(32 * 1024 - 8)}𝄞${"b".repeat(32 * 1024)}𝄞"}\n`;
    const json = await inferSchema(Readable.from([Buffer.from(`\uFEFF${wide}`)]), "jsonl");
    expect(json.columns[0]!.original).to.equal("k");
    expect(json.row_count).to.equal(1);
    const loaded: unknown[] = [];
    for await (const batch of typedRowBatches(Readable.from([Buffer.from(`\uFEFF${wide}`)]), json))
      loaded.push(...batch.map((row) => row[0]));
    expect(loaded).to.deep.equal([(JSON.parse(wide) as { k: string }).k]);
  });

  it("refuses a file cut inside a character and invalid bytes split across chunks, with 422", async () => {
    const cut = Buffer.from("a,b\n1,中");
    expect((await rejected(inferSchema(Readable.from([cut.subarray(0, cut.length - 1)]), "csv"))).message).to.match(
      /ends inside a character/,
    );
    const lead = Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x31, 0x2c, 0xe4]);
    const notContinuation = Buffer.from([0x41, 0x0a]);
    expect((await rejected(inferSchema(Readable.from([lead, notContinuation]), "csv"))).message).to.match(/not valid UTF-8/);
    const loneContinuations = Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x31, 0x2c, 0x80, 0x80, 0x80, 0x80, 0x0a]);
    expect((await rejected(inferSchema(Readable.from([loneContinuations]), "csv"))).message).to.match(/not valid UTF-8/);
  });

  it("reads JSON Lines split anywhere by the chunks it arrives in: CRLF, blank lines, line numbers in errors", async () => {
    const lines = ['{"id":1,"note":"a\\nb"}', "", '{"id":2,"note":"中"}', "   ", '{"id":3}'];
    const inChunks = (text: string, size: number) =>
      Readable.from(
        Array.from({ length: Math.ceil(Buffer.from(text).length / size) }, (_, i) => Buffer.from(text).subarray(i * size, (i + 1) * size)),
      );
    for (const size of [1, 3, 7, 64]) {
      const schema = await inferSchema(inChunks(`${lines.join("\r\n")}\r\n`, size), "jsonl");
      expect([schema.row_count, schema.columns.map((c) => [c.name, c.type, c.nullable])]).to.deep.equal([
        3,
        [
          ["id", "integer", false],
          ["note", "string", true],
        ],
      ]);
      expect(schema.columns[1]!.samples).to.deep.equal(["a\nb", "中"]);
      const broken = `${lines.join("\r\n")}\r\n{"id":4,\r\n{"id":5}`;
      expect((await rejected(inferSchema(inChunks(broken, size), "jsonl"))).details).to.deep.equal({ line: 6 });
    }
  });

  it("refuses ragged rows, binary files, invalid UTF-8 and empty files with 422", async () => {
    const ragged = await rejected(
      (async () => {
        const schema = await inferSchema(stream("a,b\n1,2\n3\n"), "csv");
        return schema;
      })(),
    );
    expect(ragged.code).to.equal(42201);
    expect(ragged.message).to.match(/ragged CSV: line 3 has 1 fields, the header has 2/);
    expect((await rejected(inferSchema(stream(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00])), "csv"))).message).to.match(/binary/);
    expect((await rejected(inferSchema(stream(Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xff, 0xfe, 0x2c, 0x31])), "csv"))).message).to.match(
      /UTF-8/,
    );
    expect((await rejected(inferSchema(stream(""), "csv"))).message).to.match(/empty/);
    expect((await rejected(inferSchema(stream('{"a":1}\n[1,2]\n'), "jsonl"))).message).to.match(/line 2 is not a JSON object/);
    expect((await rejected(inferSchema(stream('{"a":1}\nnot json\n'), "jsonl"))).message).to.match(/line 2 is not JSON/);
  });

  it("formats and parses dataset ids canonically", () => {
    expect(formatDatasetId(1)).to.equal("ds-001");
    expect(formatDatasetId(1234)).to.equal("ds-1234");
    expect(parseDatasetId("ds-001")).to.equal(1);
    expect(parseDatasetId("ds-1")).to.equal(undefined);
    expect(parseDatasetId("ds-0001")).to.equal(undefined);
    expect(parseDatasetId("ds-000")).to.equal(undefined);
  });
});
