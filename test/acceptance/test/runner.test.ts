import { expect } from "chai";
import { CheckFailure, WrongAnswer, renderJunit, renderTable, runChecks, type Check } from "../src/index.js";

const check = (id: string, run: () => Promise<string>, timeoutMs = 1000): Check<null> => ({
  id,
  title: `title of ${id}`,
  integration: "smoke",
  timeoutMs,
  run,
});

const checks = [
  check("ok", async () => "saw 5 rows"),
  check("plumbing", async () => {
    throw new CheckFailure("data-api answered 502");
  }),
  check("answer", async () => {
    throw new WrongAnswer("total of key customers", 1399.97, 1200);
  }),
  check("hangs", () => new Promise<string>(() => undefined), 50),
];

describe("acceptance runner", () => {
  it("runs every check independently and classifies outcomes", async () => {
    const results = await runChecks(checks, null, { tolerateWrongAnswers: false });
    expect(results.map((r) => [r.id, r.status])).to.deep.equal([
      ["ok", "passed"],
      ["plumbing", "failed"],
      ["answer", "failed"],
      ["hangs", "failed"],
    ]);
    expect(results[2]!.detail).to.equal("total of key customers: expected 1399.97, got 1200");
    expect(results[3]!.detail).to.equal("timed out after 50 ms");
  });

  it("records wrong answers without failing when a weak model is tolerated", async () => {
    const results = await runChecks(checks, null, { tolerateWrongAnswers: true });
    expect(results.map((r) => r.status)).to.deep.equal(["passed", "failed", "wrong-answer", "failed"]);
  });

  it("renders a table with one row per check and the counts", async () => {
    const results = await runChecks(checks, null, { tolerateWrongAnswers: true });
    const lines = renderTable("run", results).split("\n");
    expect(lines).to.have.length(1 + 1 + checks.length + 1);
    expect(lines[2]).to.match(/^ok\s+PASS\s+\d+\.\d\ds\s+saw 5 rows$/);
    expect(lines.at(-1)).to.equal("1 passed, 2 failed, 1 wrong-answer");
  });

  it("renders JUnit XML with failures and escaped details", async () => {
    const results = await runChecks(
      [
        check("xml", async () => {
          throw new CheckFailure('expected <a> & "b"');
        }),
      ],
      null,
      { tolerateWrongAnswers: false },
    );
    const xml = renderJunit("one-data-poc", results);
    expect(xml).to.include('<testsuite name="one-data-poc" tests="1" failures="1"');
    expect(xml).to.include("expected &lt;a&gt; &amp;");
    expect(xml).to.match(/<failure message="expected &lt;a&gt; &amp; (&quot;|")b(&quot;|")">/);
  });
});
