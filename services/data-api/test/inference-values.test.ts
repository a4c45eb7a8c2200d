import { expect } from "chai";
import { classifyText } from "../src/domain/inference.js";

/** Boundaries of single-value classification that mutation testing found untested. */
describe("schema inference: single values at their boundaries", () => {
  const kinds = (values: string[]) => values.map((v) => classifyText(v).kind);

  it("counts integer digits without the sign, and moves past BIGINT to decimal on both sides", () => {
    expect(classifyText("-123")).to.deep.equal({ kind: "integer", intDigits: 3 });
    expect(classifyText("+45")).to.deep.equal({ kind: "integer", intDigits: 2 });
    expect(classifyText("9223372036854775807")).to.deep.equal({ kind: "integer", intDigits: 19 });
    expect(classifyText("9223372036854775808")).to.deep.equal({ kind: "decimal", intDigits: 19, scale: 0 });
    expect(classifyText("-9223372036854775808")).to.deep.equal({ kind: "integer", intDigits: 19 });
    expect(classifyText("-9223372036854775809")).to.deep.equal({ kind: "decimal", intDigits: 19, scale: 0 });
  });

  it("measures decimals without sign and leading zeros, with or without digits on either side", () => {
    expect(classifyText("-0012.500")).to.deep.equal({ kind: "decimal", intDigits: 2, scale: 3 });
    expect(classifyText(".5")).to.deep.equal({ kind: "decimal", intDigits: 0, scale: 1 });
    expect(classifyText("5.")).to.deep.equal({ kind: "decimal", intDigits: 1, scale: 0 });
    expect(classifyText("100.25")).to.deep.equal({ kind: "decimal", intDigits: 3, scale: 2 });
    expect(classifyText("-0.0")).to.deep.equal({ kind: "decimal", intDigits: 0, scale: 1 });
    expect(kinds(["-1.5e-3", ".5E2", "1e", "e5"])).to.deep.equal(["double", "double", "string", "string"]);
  });

  it("knows booleans in any case and nothing else as boolean", () => {
    expect(kinds(["true", "False", "TRUE", "yes", "1 true"])).to.deep.equal(["boolean", "boolean", "boolean", "string", "string"]);
  });

  it("accepts only real calendar dates", () => {
    expect(
      kinds(["1000-01-01", "0999-12-31", "2024-01-00", "2024-00-10", "2024-13-01", "2024-12-31", "2023-02-29", "2024-02-29"]),
    ).to.deep.equal(["date", "string", "string", "string", "string", "date", "string", "date"]);
  });

  it("accepts only real clock times, and tells fractional seconds from zero ones", () => {
    expect(classifyText("2024-01-01T23:59:59Z")).to.deep.equal({ kind: "timestamp", fraction: false });
    expect(classifyText("2024-01-01 10:00")).to.deep.equal({ kind: "timestamp", fraction: false });
    expect(classifyText("2024-01-01T10:00:00.000+08:00")).to.deep.equal({ kind: "timestamp", fraction: false });
    expect(classifyText("2024-01-01T10:00:00.120Z")).to.deep.equal({ kind: "timestamp", fraction: true });
    expect(classifyText("2024-01-01T10:00:00.05Z")).to.deep.equal({ kind: "timestamp", fraction: true });
    expect(classifyText("2024-01-01T10:00:00.000000001")).to.deep.equal({ kind: "timestamp", fraction: true });
    expect(
      kinds(["2024-01-01T24:00:00Z", "2024-01-01T10:60:00Z", "2024-01-01T10:00:60Z", "2024-02-30T10:00:00Z", "0999-01-01T10:00:00Z"]),
    ).to.deep.equal(["string", "string", "string", "string", "string"]);
  });
});
