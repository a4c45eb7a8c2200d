import { expect } from "chai";
import { buildQuerySchema, parseStructuredQuery } from "../src/domain/structured-query.js";
import { salesTable } from "./fixtures.js";

const valid = {
  table: "ds_001_v1",
  select: [{ column: "amount", aggregate: "sum" }],
  filters: [],
  group_by: [],
  having: [],
  order_by: [],
  limit: 10,
  count_result_rows: false,
};

// Built inside each test, not once per file: StrykerJS loads ES modules once, so a schema
// built at load time would never carry an active mutant.
const salesSchema = () => buildQuerySchema({ tables: [salesTable] });

describe("agent-api: structured query schema", () => {
  it("makes the real table and column names enums of the JSON schema", () => {
    const schema = salesSchema();
    const properties = (schema.jsonSchema as { properties: Record<string, any> }).properties;
    expect(properties.table).to.deep.include({ const: "ds_001_v1" });
    expect(properties.select.items.properties.column.enum).to.deep.equal(["id", "customer_id", "amount", "created_at", "*"]);
    expect(properties.filters.items.properties.column.enum).to.deep.equal(["id", "customer_id", "amount", "created_at"]);
    expect(properties.group_by.items.enum).to.deep.equal(["id", "customer_id", "amount", "created_at"]);
    expect(properties.having.items.properties.column.enum).to.deep.equal(["id", "customer_id", "amount", "created_at", "*"]);
    expect(properties.order_by.items.properties.column.enum).to.deep.equal(["id", "customer_id", "amount", "created_at", "*"]);
    expect(schema.jsonSchema).to.include({ additionalProperties: false });
    expect(schema.jsonSchema.required).to.have.members(Object.keys(valid));
  });

  it("offers one branch per table when several tables are candidates", () => {
    const other = {
      ...salesTable,
      table: "ds_002_v1",
      columns: [{ name: "region", type: "string" as const, nullable: false, comment: "region" }],
    };
    const multi = buildQuerySchema({ tables: [salesTable, other] });
    const branches = (multi.jsonSchema as { anyOf: { properties: { table: { const: string } } }[] }).anyOf;
    expect(branches.map((b) => b.properties.table.const)).to.deep.equal(["ds_001_v1", "ds_002_v1"]);
    const mixed = { ...valid, table: "ds_002_v1" };
    expect(parseStructuredQuery(multi, JSON.stringify(mixed)).ok).to.equal(false);
    const badLimit = parseStructuredQuery(multi, JSON.stringify({ ...valid, limit: 0 }));
    expect(badLimit).to.deep.equal({ ok: false, problem: "limit: Too small: expected number to be >=1" });
  });

  it("clamps a limit over the maximum instead of spending a retry on it", () => {
    const schema = salesSchema();
    const parsed = parseStructuredQuery(schema, JSON.stringify({ ...valid, limit: 1e15 }));
    expect(parsed).to.deep.equal({ ok: true, query: { ...valid, limit: 1000 } });
  });

  it("parses a valid reply, even wrapped in prose or a code fence", () => {
    const schema = salesSchema();
    const parsed = parseStructuredQuery(schema, "Sure! ```json\n" + JSON.stringify(valid) + "\n```");
    expect(parsed).to.deep.equal({ ok: true, query: valid });
  });

  it("explains what is wrong with an invalid reply so it can be fed back", () => {
    const schema = salesSchema();
    const badColumn = parseStructuredQuery(schema, JSON.stringify({ ...valid, select: [{ column: "price", aggregate: "sum" }] }));
    expect(badColumn.ok).to.equal(false);
    expect(!badColumn.ok && badColumn.problem).to.match(/^select\.0\.column: /);
    const notJson = parseStructuredQuery(schema, "SELECT * FROM ds_001_v1");
    expect(notJson).to.deep.equal({ ok: false, problem: "the reply was not valid JSON" });
    const extra = parseStructuredQuery(schema, JSON.stringify({ ...valid, sql: "DROP TABLE ds_001_v1" }));
    expect(extra.ok).to.equal(false);
  });

  it("refuses a column the table does not have in having and order_by, not only in select, filters and group_by", () => {
    const schema = salesSchema();
    const badHaving = parseStructuredQuery(
      schema,
      JSON.stringify({ ...valid, having: [{ column: "price", aggregate: "sum", op: ">", value: 1 }] }),
    );
    expect(!badHaving.ok && badHaving.problem).to.match(/^having\.0\.column: /);
    const badOrder = parseStructuredQuery(
      schema,
      JSON.stringify({ ...valid, order_by: [{ column: "price", aggregate: "none", direction: "asc" }] }),
    );
    expect(!badOrder.ok && badOrder.problem).to.match(/^order_by\.0\.column: /);
    const good = {
      ...valid,
      having: [{ column: "amount", aggregate: "sum", op: ">=", value: 500 }],
      order_by: [
        { column: "customer_id", aggregate: "none", direction: "desc" },
        { column: "amount", aggregate: "sum", direction: "asc" },
      ],
    };
    expect(parseStructuredQuery(schema, JSON.stringify(good))).to.deep.equal({ ok: true, query: good });
    const badDirection = parseStructuredQuery(
      schema,
      JSON.stringify({ ...valid, order_by: [{ column: "id", aggregate: "none", direction: "up" }] }),
    );
    expect(!badDirection.ok && badDirection.problem).to.match(/^order_by\.0\.direction: /);
  });

  it("refuses to build a schema without tables or for a table without columns", () => {
    expect(() => buildQuerySchema({ tables: [] })).to.throw("no tables to query");
    expect(() => buildQuerySchema({ tables: [{ ...salesTable, columns: [] }] })).to.throw("table ds_001_v1 has no columns");
  });

  it("bounds select to 1..8 items and string filter values to 200 characters, and accepts every filter value type", () => {
    const schema = salesSchema();
    const parse = (query: object) => parseStructuredQuery(schema, JSON.stringify({ ...valid, ...query }));
    expect(parse({ select: [] })).to.deep.equal({ ok: false, problem: "select: Too small: expected array to have >=1 items" });
    expect(parse({ select: new Array(9).fill({ column: "id", aggregate: "none" }) }).ok).to.equal(false);
    expect(parse({ select: new Array(8).fill({ column: "id", aggregate: "none" }) }).ok).to.equal(true);
    const filters = [
      { column: "customer_id", op: "=", value: 1001 },
      { column: "created_at", op: ">=", value: "2024-01-02" },
      { column: "amount", op: "!=", value: true },
    ];
    expect(parse({ filters })).to.deep.equal({ ok: true, query: { ...valid, filters } });
    expect(parse({ filters: [{ column: "id", op: "=", value: "x".repeat(201) }] }).ok).to.equal(false);
  });

  it("names the problem's place, or the query as a whole when the reply is not an object", () => {
    const schema = salesSchema();
    expect(parseStructuredQuery(schema, "[1]")).to.deep.include({ ok: false });
    expect((parseStructuredQuery(schema, "[1]") as { problem: string }).problem).to.match(/^query: /);
    expect((parseStructuredQuery(schema, "null") as { problem: string }).problem).to.match(/^query: /);
    expect((parseStructuredQuery(schema, "42") as { problem: string }).problem).to.match(/^query: /);
    const { limit: _limit, ...withoutLimit } = valid;
    expect((parseStructuredQuery(schema, JSON.stringify(withoutLimit)) as { problem: string }).problem).to.match(/^limit: /);
  });

  it("clamps only numeric limits: a limit given as a string is still refused", () => {
    const schema = salesSchema();
    expect((parseStructuredQuery(schema, JSON.stringify({ ...valid, limit: "5000" })) as { problem: string }).problem).to.match(/^limit: /);
    expect(parseStructuredQuery(schema, JSON.stringify({ ...valid, limit: 1000 }))).to.deep.equal({
      ok: true,
      query: { ...valid, limit: 1000 },
    });
  });

  it("finds the JSON object between prose before and after it", () => {
    const schema = salesSchema();
    expect(parseStructuredQuery(schema, `${JSON.stringify(valid)}\nThat is the query.`)).to.deep.equal({ ok: true, query: valid });
    expect(parseStructuredQuery(schema, "no object here }")).to.deep.equal({ ok: false, problem: "the reply was not valid JSON" });
  });

  it("parses a reply whose braces do not enclose an object as it is, so the problem is the query, not the JSON", () => {
    const schema = salesSchema();
    for (const reply of ['"}"', '"{"', '"}{"']) {
      expect((parseStructuredQuery(schema, reply) as { problem: string }).problem, reply).to.match(/^query: /);
    }
  });
});
