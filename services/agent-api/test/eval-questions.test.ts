import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { orderRows, ordersDataset } from "../eval/datasets.js";
import { clinicVisits, heldOutQuestions, shipments } from "../eval/held-out.js";
import { holdsTruth, inventedFigures, newSetQuestions } from "../eval/new-set.js";
import { matches, questions, toSalesRows, type Truth } from "../eval/questions.js";
import { salesRows } from "./fixtures.js";

describe("agent-api: eval ground truth", () => {
  const rows = toSalesRows(salesRows);
  const truth = (q: string): Truth => questions.find((x) => x.question === q)!.truth(rows);

  it("computes the seed's figures from the rows", () => {
    expect(truth("How many sales records are there?")).to.deep.equal({ kind: "scalar", value: 5 });
    expect((truth("What is the total amount of sales?") as { value: number }).value).to.be.closeTo(2299.95, 1e-9);
    expect((truth("What is the average amount per sale?") as { value: number }).value).to.be.closeTo(459.99, 1e-9);
    expect(truth("How many sales were made on or after 2024-01-02?")).to.deep.equal({ kind: "scalar", value: 3 });
    expect(truth("Which customer has the highest total amount?")).to.deep.equal({ kind: "scalar", value: 1004 });
    expect(truth("How many key customers are there?")).to.deep.equal({ kind: "scalar", value: 3 });
    expect(truth("List the key customers.")).to.deep.equal({ kind: "rows", rows: [[1001], [1002], [1004]] });
  });

  it("judges result rows by value, not by column name or order", () => {
    expect(matches({ kind: "scalar", value: 2299.95 }, [{ sum_amount: "2299.95" }])).to.equal(true);
    expect(matches({ kind: "scalar", value: 2299.95 }, [{ sum_amount: "2299.96" }])).to.equal(false);
    expect(matches({ kind: "scalar", value: 3 }, [{ a: 3 }, { a: 4 }])).to.equal(false);
    const keys = { kind: "rows" as const, rows: [[1001], [1002], [1004]] };
    expect(
      matches(keys, [
        { customer_id: 1004, s: 799.99 },
        { customer_id: 1001, s: 699.98 },
        { customer_id: 1002, s: 599.99 },
      ]),
    ).to.equal(true);
    expect(matches(keys, [{ customer_id: 1004 }, { customer_id: 1001 }])).to.equal(false);
    expect(matches(keys, [{ customer_id: 1004 }, { customer_id: 1004 }, { customer_id: 1001 }])).to.equal(false);
  });
});

describe("agent-api: the second eval set (new datasets)", () => {
  it("has at least 40 questions over two datasets, in both languages, with unanswerable ones", () => {
    const set = newSetQuestions();
    expect(set.length).to.be.at.least(40);
    expect(new Set(set.map((q) => q.dataset)).size).to.equal(2);
    expect(set.filter((q) => /[\u3400-\u9fff]/u.test(q.question.replace(/上海|研发|销售/g, ""))).length).to.equal(set.length / 2);
    expect(set.filter((q) => q.truth.kind === "decline").length).to.be.at.least(4);
  });

  it("computes its truth from the generated rows", () => {
    const truth = (q: string) => newSetQuestions().find((x) => x.question === q)!.truth;
    const orders = orderRows();
    expect(truth("How many orders are in eval_shop_orders?")).to.deep.equal({ kind: "scalar", value: orders.length });
    expect(truth("How many paid orders are there in eval_shop_orders?")).to.deep.equal({
      kind: "scalar",
      value: orders.filter((r) => r.paid).length,
    });
    expect(truth("List the key accounts in eval_shop_orders.")).to.deep.equal({
      kind: "rows",
      rows: [["Blue Sky Ltd"], ["Harbor Tools"], ["Chen Trading"]],
    });
    expect(ordersDataset.csv().split("\n")[0]).to.equal("order_id,customer,city,channel,amount,quantity,paid,order_date");
    expect(ordersDataset.csv()).to.include('"Acme, Inc."');
  });

  it("judges rows by value and finds figures no result holds", () => {
    expect(
      holdsTruth({ kind: "scalar", value: "北京" }, [
        { city: "北京", count_all: 34 },
        { city: "上海", count_all: 27 },
      ]),
    ).to.equal(true);
    expect(holdsTruth({ kind: "scalar", value: 3 }, [{ n: 3 }, { n: 4 }])).to.equal(false);
    expect(
      holdsTruth(
        {
          kind: "rows",
          rows: [
            ["a", 1],
            ["b", 2],
          ],
        },
        [
          { x: "b", y: "2.00" },
          { x: "a", y: 1 },
        ],
      ),
    ).to.equal(true);
    expect(inventedFigures("Result: sum = 12.5 from ds-002 version 1 [1]", ["ds-002 1"], [{ sum: "12.50" }])).to.deep.equal([]);
    expect(inventedFigures("About 4 of them, 3 paid", ["How many?"], [{ n: 3 }])).to.deep.equal(["4"]);
  });
});

describe("agent-api: the invented-figure check", () => {
  it("reads digits inside identifiers as names, not figures", () => {
    expect(inventedFigures('numeric columns: col_4 "月薪", col_7 from ds_003_v1', [], [])).to.deep.equal([]);
    expect(inventedFigures("about 12 rows", [], [])).to.deep.equal(["12"]);
  });
});

describe("agent-api: the held-out eval set", () => {
  const set = heldOutQuestions();

  it("has at least 40 questions, each asked in English and in Chinese, over two datasets, with the issue's kinds", () => {
    expect(set.length).to.be.at.least(40);
    expect(new Set(set.map((q) => q.dataset))).to.deep.equal(new Set([shipments.name, clinicVisits.name]));
    for (let i = 0; i < set.length; i += 2) {
      expect(set[i]!.question).to.match(/^[A-Z][a-z]/);
      expect(set[i + 1]!.question).to.match(/[\u3400-\u9fff]{3}/u);
      expect(set[i + 1]!.truth).to.deep.equal(set[i]!.truth);
    }
    for (const kind of ["count", "sum-filter", "top-n", "month", "group-most", "glossary", "unanswerable"])
      expect(
        set.some((q) => q.kind === kind),
        kind,
      ).to.equal(true);
    expect(set.filter((q) => q.truth.kind === "decline").length).to.be.at.least(4);
  });

  it("computes its truth with SQLite over the CSV the Data API is given", () => {
    const truth = (q: string) => set.find((x) => x.question === q)!.truth;
    expect(truth("How many shipments are in eval_shipments?")).to.deep.equal({
      kind: "scalar",
      value: shipments.csv.trimEnd().split("\n").length - 1,
    });
    expect(truth("How many visits are in eval_clinic_visits?")).to.deep.equal({
      kind: "scalar",
      value: clinicVisits.csv.trimEnd().split("\n").length - 1,
    });
    expect(shipments.csv).to.include('"Blue Line, Ltd."');
    expect(shipments.csv).to.match(/,,\d+,/);
  });

  it("uses headers the agent's domain code never names, so the planner cannot have been tuned to them", () => {
    const headers = [shipments, clinicVisits].flatMap((d) => d.csv.split("\n")[0]!.split(","));
    const headerParts = headers.flatMap((h) => (/[\u3400-\u9fff]/u.test(h) ? [h] : h.split("_").filter((p) => p.length > 2)));
    const src = fileURLToPath(new URL("../src/domain", import.meta.url));
    const code = readdirSync(src, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(`${src}/${f}`, "utf8").toLowerCase())
      .join("\n");
    expect(headerParts.filter((part) => code.includes(part.toLowerCase()))).to.deep.equal([]);
  });
});
