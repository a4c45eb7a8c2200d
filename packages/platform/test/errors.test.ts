import { expect } from "chai";
import { z } from "zod";
import { AppError, ErrorCode, dependencyTimeout, dependencyUnavailable, notFound, parseInput, withDeadline } from "../src/index.js";

describe("errors", () => {
  it("derives the HTTP status from the seed-style code", () => {
    const error = notFound("Dataset not found");
    expect(error.status).to.equal(404);
    expect(error.code).to.equal(40401);
    expect(dependencyUnavailable("mysql").status).to.equal(503);
    expect(dependencyTimeout("model", 100).code).to.equal(ErrorCode.dependencyTimeout);
  });
});

describe("withDeadline", () => {
  it("returns the work's result when it finishes in time", async () => {
    expect(await withDeadline("dep", 1000, async () => 42)).to.equal(42);
  });

  it("fails with a 504 and aborts the work's signal at the deadline", async () => {
    let aborted = false;
    const error = await withDeadline(
      "slow-dep",
      50,
      (signal) =>
        new Promise<never>(() => {
          signal.addEventListener("abort", () => {
            aborted = true;
          });
        }),
    ).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AppError);
    expect((error as AppError).status).to.equal(504);
    expect((error as AppError).message).to.equal("slow-dep did not answer within 50 ms");
    expect(aborted).to.equal(true);
  });
});

describe("parseInput", () => {
  const schema = z.object({ name: z.string().min(1), limit: z.number().int().optional() });

  it("returns the parsed value", () => {
    expect(parseInput(schema, { name: "a", limit: 3 })).to.deep.equal({ name: "a", limit: 3 });
  });

  it("throws a 400 naming the first bad field and listing all issues", () => {
    try {
      parseInput(schema, { name: "", limit: "x" }, "dataset");
      expect.fail("expected an AppError");
    } catch (error) {
      const appError = error as AppError;
      expect(appError.status).to.equal(400);
      expect(appError.code).to.equal(ErrorCode.invalidRequest);
      expect(appError.message).to.match(/^invalid dataset: name: /);
      expect((appError.details as { issues: unknown[] }).issues).to.have.length(2);
    }
  });
});
