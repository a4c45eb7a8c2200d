import { expect } from "chai";
import OpenAI from "openai";
import { questions as evalQuestions } from "../eval/questions.js";
import { isWriteRequest } from "../src/domain/write-request.js";
import { glossaryChunks, salesMetadata } from "./fixtures.js";
import { parseSse, startHarness, type Harness } from "./harness.js";

const writes = [
  "DELETE FROM ds_001_v1",
  "delete from ds_001_v1 where amount < 300;",
  "DROP TABLE ds_001_v1",
  "drop the table",
  "Please drop the sales table.",
  "Can you delete all rows where customer_id = 1001?",
  "Remove the sales records of customer 1003",
  "Update the amount of sale 2 to 100",
  "UPDATE ds_001_v1 SET amount = 0",
  "update ds_001_v1 set amount = 1 where id = 1",
  "INSERT INTO ds_001_v1 (id, amount) VALUES (6, 10)",
  "TRUNCATE TABLE ds_001_v1",
  "ALTER TABLE ds_001_v1 ADD COLUMN x INT",
  "Run: DELETE FROM ds_001_v1",
  "SELECT 1; DROP TABLE ds_001_v1",
  "I want you to wipe the dataset",
  "Add a new customer record with id 2001",
  "删除表",
  "删除销售表",
  "请删除客户 1001 的所有记录",
  "帮我把销售数据清空",
  "把客户 1001 的金额改成 500",
  "将订单 2 的金额更新为 100",
  "插入一条新的销售记录",
  "我想修改这张表",
  "SET GLOBAL wait_timeout = 5",
  "set session sql_mode = ''",
  "SET @@global.max_connections = 1",
  "SET PERSIST max_connections = 1",
  "SELECT * FROM ds_001_v1 INTO DUMPFILE '/tmp/x'",
  "select customer_id from ds_001_v1 into outfile '/tmp/x.csv'",
  "WITH d AS (DELETE FROM ds_001_v1 RETURNING *) SELECT * FROM d",
  "LOAD DATA INFILE '/tmp/x.csv' INTO TABLE ds_001_v1",
  "RENAME TABLE ds_001_v1 TO old_sales",
  "LOCK TABLES ds_001_v1 WRITE",
  "FLUSH PRIVILEGES",
  "KILL 12",
  "请执行 SET GLOBAL wait_timeout = 5",
];

const reads = [
  "What is the total amount of sales?",
  "How many orders were updated in January?",
  "Which customers were removed from the key customer list, according to the glossary?",
  "Add up the amounts of all sales",
  "What does DROP TABLE do in SQL?",
  "Hello, who are you?",
  "What is a key customer?",
  "销售总额是多少？",
  "更新时间最晚的销售记录是哪一条？",
  "有多少个大客户？",
  "什么是大客户？",
  "2+2等于几？",
  "Which set of customers bought the most?",
  "How many sales went into the outfile report?",
  ...evalQuestions.map((q) => q.question),
];

describe("agent-api: requests to change data are refused (read-only platform)", () => {
  describe("recognising them", () => {
    for (const question of writes) {
      it(`refuses ${JSON.stringify(question)}`, () => {
        expect(isWriteRequest(question)).to.equal(true);
      });
    }
    it(`does not refuse ${reads.length} questions that only read (router cases, eval set, look-alikes)`, () => {
      expect(reads.filter((question) => isWriteRequest(question))).to.deep.equal([]);
    });
  });

  describe("answering them (doubles)", () => {
    let h: Harness;
    beforeEach(async () => {
      h = await startHarness({ data: { tables: [salesMetadata], chunks: glossaryChunks } });
    });
    afterEach(() => h.close());

    const nothingAsked = () => {
      expect(h.model.requests, "the model was not asked").to.deep.equal([]);
      expect(h.data.queries, "no SQL ran").to.deep.equal([]);
      expect(h.data.calls.metadata + h.data.calls.search, "the Data API was not asked").to.equal(0);
    };

    it("answers /api/v1/chat with an explicit refusal that says why, under route refuse_write", async () => {
      const res = await h.post("/api/v1/chat", { message: "DELETE FROM ds_001_v1 WHERE amount < 300" });
      expect(res.status).to.equal(200);
      expect(res.body.data.route).to.equal("refuse_write");
      expect(res.body.data.reply).to.match(/^I can't do that: data access on this platform is read-only/);
      expect(res.body.data.model).to.equal(null);
      expect(res.body.data.sources).to.deep.equal({});
      nothingAsked();
    });

    it("refuses a server setting with the same reason instead of passing it to the model", async () => {
      const res = await h.post("/api/v1/chat", { message: "SET GLOBAL wait_timeout = 5" });
      expect(res.status).to.equal(200);
      expect(res.body.data.route).to.equal("refuse_write");
      expect(res.body.data.reply)
        .to.match(/^I can't do that: data access on this platform is read-only/)
        .and.match(/setting/);
      nothingAsked();
    });

    it("refuses in Chinese for a Chinese request, streamed too", async () => {
      const res = await h.post("/api/v1/chat", { message: "删除表", stream: true });
      const events = parseSse(res.text);
      const done = JSON.parse(events.find((e) => e.event === "done")!.data);
      expect(done.route).to.equal("refuse_write");
      expect(done.reply).to.match(/^无法执行：本平台的数据访问是只读的/);
      expect(
        events
          .filter((e) => e.event === "delta")
          .map((e) => JSON.parse(e.data).text)
          .join(""),
      ).to.equal(done.reply);
      nothingAsked();
    });

    it("refuses through the OpenAI-compatible API", async () => {
      const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: "unused", maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: "one-data-agent",
        messages: [{ role: "user", content: "drop the table" }],
      });
      expect(completion.choices[0]!.message.content).to.match(/read-only/);
      expect((completion as unknown as { route: string }).route).to.equal("refuse_write");
      nothingAsked();
    });

    it("still answers a question that only mentions a change verb", async () => {
      const res = await h.post("/api/v1/chat", { message: "What does DROP TABLE do in SQL?" });
      expect(res.status).to.equal(200);
      expect(res.body.data.route).to.not.equal("refuse_write");
      expect(h.model.requests.length).to.be.greaterThan(0);
    });
  });
});
