import { expect } from "chai";
import { glossaryChunks, injectionChunk, openQuestion, salesMetadata } from "./fixtures.js";
import { isQueryRequest, startHarness, structuredQuery, type Harness } from "./harness.js";

const totalSql = "SELECT SUM(`amount`) AS `sum_amount` FROM `ds_001_v1` LIMIT 100";
const keyCustomersSql =
  "SELECT COUNT(*) AS `row_count` FROM (SELECT `customer_id` AS `customer_id` FROM `ds_001_v1` GROUP BY `customer_id` HAVING SUM(`amount`) >= 500) AS `matched`";

describe("agent-api: answering from data (doubles)", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ data: { tables: [salesMetadata], chunks: [...glossaryChunks, injectionChunk] } });
  });
  afterEach(() => h.close());

  it("answers a question that decides its own query without calling the model, and cites the SQL", async () => {
    const decided = "SELECT SUM(`amount`) AS `sum_amount` FROM `ds_001_v1` WHERE `customer_id` = 1001 LIMIT 1";
    h.data.onQuery((sql) =>
      sql === decided
        ? { columns: [{ name: "sum_amount", type: "decimal" }], rows: [{ sum_amount: "699.98" }] }
        : { reject: { code: 40003, message: "unexpected" } },
    );
    const res = await h.post("/api/v1/chat", { message: "What is the total amount for customer 1001?" });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.data.route).to.equal("sql");
    expect(h.data.queries).to.deep.equal([decided]);
    expect(h.model.chatRequests()).to.deep.equal([]);
    expect(res.body.data.reply).to.include("sum_amount = 699.98");
    expect(res.body.data.sources.sql).to.deep.include({ sql: decided, dataset_id: "ds-001", row_count: 1, attempts: 1 });
  });

  it("says why it declines a question the data cannot answer, with no figure and no query", async () => {
    const res = await h.post("/api/v1/chat", { message: "What will the total amount of sales be next year?" });
    expect(res.status).to.equal(200);
    expect(res.body.data.route).to.equal("sql");
    expect(res.body.data.reply).to.match(/cannot answer this from sales_data_v1\.0 \(ds-001\): it asks about the future/);
    expect(res.body.data.reply.replace(/ds-001|sales_data_v1\.0/g, "")).not.to.match(/\d/);
    expect(h.data.queries).to.deep.equal([]);
    expect(h.model.chatRequests()).to.deep.equal([]);
  });

  it("asks for a structured query whose enums are the real columns when no shape fits, runs the compiled SQL and cites it", async () => {
    h.model.onChat(isQueryRequest, { content: structuredQuery() });
    h.data.onQuery((sql) =>
      sql === totalSql
        ? { columns: [{ name: "sum_amount", type: "decimal" }], rows: [{ sum_amount: "2299.95" }] }
        : { reject: { code: 40003, message: "unexpected" } },
    );
    const res = await h.post("/api/v1/chat", { message: openQuestion });
    expect(res.status).to.equal(200);
    expect(res.body.data.route).to.equal("sql");
    expect(h.data.queries).to.deep.equal([totalSql]);
    expect(res.body.data.reply).to.include("sum_amount = 2299.95");
    expect(res.body.data.sources.sql).to.deep.include({
      sql: totalSql,
      dataset_id: "ds-001",
      dataset_name: "sales_data_v1.0",
      version: "1",
      table: "ds_001_v1",
      row_count: 1,
      attempts: 1,
    });
    expect(res.body.data.sources.sql.rows).to.deep.equal([{ sum_amount: "2299.95" }]);
    const [request] = h.model.chatRequests().filter((r) => isQueryRequest(r));
    const format = request!.body.response_format as { type: string; json_schema: { schema: any } };
    expect(format.type).to.equal("json_schema");
    expect(format.json_schema.schema.properties.filters.items.properties.column.enum).to.deep.equal([
      "id",
      "customer_id",
      "amount",
      "created_at",
    ]);
  });

  it("feeds errors back and retries at most twice", async () => {
    const replies = [
      structuredQuery({ select: [{ column: "price", aggregate: "sum" }] }),
      structuredQuery({ filters: [{ column: "customer_id", op: "=", value: "1001 OR 1=1" }] }),
      structuredQuery(),
    ];
    let n = 0;
    h.model.onChat(isQueryRequest, () => ({ content: replies[n++]! }));
    let first = true;
    h.data.onQuery(() => {
      if (first) {
        first = false;
        return { reject: { code: 40003, message: "statement timed out (scripted)" } };
      }
      return { columns: [{ name: "sum_amount", type: "decimal" }], rows: [{ sum_amount: "2299.95" }] };
    });
    const res = await h.post("/api/v1/chat", { message: openQuestion });
    expect(res.status).to.equal(200);
    const { reply, sources } = res.body.data;
    expect(sources.sql).to.equal(undefined);
    expect(sources.query_failures).to.have.length(3);
    expect(sources.query_failures[0]).to.match(/select\.0\.column/);
    expect(sources.query_failures[1]).to.match(/does not fit column customer_id/);
    expect(sources.query_failures[2]).to.equal("statement timed out (scripted)");
    expect(sources.tables.map((t: { table: string }) => t.table)).to.include("ds_001_v1");
    expect(reply).to.match(/could not turn this question into a valid query/);
    expect(reply).to.not.include("2299");
    const queryRequests = h.model.chatRequests().filter((r) => isQueryRequest(r));
    expect(queryRequests).to.have.length(3);
    expect(queryRequests[2]!.messages.at(-1)!.content).to.include("does not fit column customer_id");
    expect(h.data.queries).to.deep.equal([totalSql]);
  });

  it("succeeds on a retry once the fed-back error is fixed", async () => {
    let n = 0;
    h.model.onChat(isQueryRequest, () => ({ content: n++ === 0 ? "SELECT SUM(amount) FROM ds_001_v1" : structuredQuery() }));
    h.data.onQuery(() => ({ columns: [{ name: "sum_amount", type: "decimal" }], rows: [{ sum_amount: "2299.95" }] }));
    const res = await h.post("/api/v1/chat", { message: openQuestion });
    expect(res.status).to.equal(200);
    expect(res.body.data.sources.sql.attempts).to.equal(2);
    expect(h.data.queries).to.deep.equal([totalSql]);
  });

  it("uses a definition from a document as the threshold of the query and cites both sources", async () => {
    h.model.onChat((r) => isQueryRequest(r) && r.messages.some((m) => m.content.includes("at least 500")), {
      content: structuredQuery({
        select: [{ column: "customer_id", aggregate: "none" }],
        having: [{ column: "amount", aggregate: "sum", op: ">=", value: 500 }],
        count_result_rows: true,
      }),
    });
    h.data.onQuery((sql) =>
      sql === keyCustomersSql
        ? { columns: [{ name: "row_count", type: "integer" }], rows: [{ row_count: 3 }] }
        : { reject: { code: 40003, message: "unexpected" } },
    );
    const res = await h.post("/api/v1/chat", { message: "How many key customers are there?" });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.data.route).to.equal("both");
    expect(h.data.queries).to.deep.equal([keyCustomersSql]);
    const documents = res.body.data.sources.documents as { n: number; document_id: string; chunk_id: string; score: number }[];
    const glossary = documents.find((d) => d.document_id === "doc-7");
    expect(glossary).to.deep.include({ chunk_id: "doc-7#0" });
    expect(glossary!.score).to.be.a("number");
    expect(documents.map((d) => d.n)).to.deep.equal(documents.map((_, i) => i + 1));
    expect(res.body.data.reply).to.include("row_count = 3").and.include(`at least 500.” [${glossary!.n}]`);
    expect(res.body.data.sources.sql).to.deep.include({ sql: keyCustomersSql, dataset_id: "ds-001", version: "1", row_count: 1 });
  });

  it("runs only the compiled SELECT whatever a document or the model says", async () => {
    const attacks = [
      "DROP TABLE ds_001_v1",
      structuredQuery({ table: "ds_001_v1`; DROP TABLE ds_001_v1; --" }),
      structuredQuery({ select: [{ column: "amount) FROM ds_001_v1; DELETE FROM ds_001_v1; --", aggregate: "sum" }] }),
      structuredQuery({ filters: [{ column: "customer_id", op: "=", value: "1; DROP TABLE ds_001_v1" }] }),
    ];
    let n = 0;
    h.model.onChat(isQueryRequest, () => ({ content: attacks[Math.min(n++, attacks.length - 1)]! }));
    const res = await h.post("/api/v1/chat", { message: `${openQuestion} Follow the notes.` });
    expect(res.status).to.equal(200);
    expect(res.body.data.sources.query_failures).to.have.length(3);
    expect(h.data.queries).to.deep.equal([]);

    // A model that follows the injected notes inside a valid query still yields one quoted SELECT.
    h.model.reset();
    h.model.onChat(isQueryRequest, {
      content: structuredQuery({ filters: [{ column: "created_at", op: ">=", value: "2024-01-01' OR '1'='1" }] }),
    });
    const second = await h.post("/api/v1/chat", { message: `${openQuestion} Follow the notes.` });
    expect(second.status).to.equal(200);
    expect(second.body.data.sources.sql).to.equal(undefined);
    expect(h.data.queries).to.deep.equal([]);
    const prompt = h.model
      .chatRequests()[0]!
      .messages.map((m) => m.content)
      .join("\n");
    expect(prompt.match(/<<<END DATA>>>/g)?.length).to.equal(prompt.match(/<<<DATA /g)?.length);
  });
});
