import { expect } from "chai";
import { matchesPathOrParent } from "../support/dagger-patterns.js";

describe("Dagger include/exclude patterns (test/support/dagger-patterns.ts)", () => {
  it("select a file through a directory above it", () => {
    expect(matchesPathOrParent(".dagger/sdk/src/index.ts", ".dagger/sdk")).to.equal(true);
    expect(matchesPathOrParent(".dagger/src/index.ts", ".dagger/sdk")).to.equal(false);
  });

  it("match names that start with a dot, at any depth, as buildkit does", () => {
    expect(matchesPathOrParent(".dagger/topology/node_modules/yaml/index.js", "**/node_modules")).to.equal(true);
    expect(matchesPathOrParent("services/data-api/.local/servers/env", "**/.local")).to.equal(true);
    expect(matchesPathOrParent(".dagger/topology/dist/index.js", "**/dist")).to.equal(true);
  });

  it("leave what no pattern names", () => {
    expect(matchesPathOrParent(".dagger/topology/src/plan.ts", "**/node_modules")).to.equal(false);
    expect(matchesPathOrParent("services/data-api/src/main.ts", "**/dist")).to.equal(false);
  });
});
