import { expect } from "chai";
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
    expect(matches(keys, [{ customer_id: 1004, s: 799.99 }, { customer_id: 1001, s: 699.98 }, { customer_id: 1002, s: 599.99 }])).to.equal(true);
    expect(matches(keys, [{ customer_id: 1004 }, { customer_id: 1001 }])).to.equal(false);
    expect(matches(keys, [{ customer_id: 1004 }, { customer_id: 1004 }, { customer_id: 1001 }])).to.equal(false);
  });
});
