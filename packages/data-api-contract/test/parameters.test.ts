import { expect } from "chai";
import { datasetIdSchema, datasetListQuery } from "../src/parameters.js";

describe("dataset contract shared by the Data API and the Agent API", () => {
  it("pages the list within what the document states: limit 1-1000 (100 by default), offset a safe integer", () => {
    expect(datasetListQuery.parse({})).to.deep.equal({ limit: 100, offset: 0 });
    expect(datasetListQuery.parse({ limit: "1000", offset: "9007199254740991" })).to.deep.equal({ limit: 1000, offset: 9007199254740991 });
    for (const query of [
      { offset: "9007199254740992" },
      { offset: "1e400" },
      { limit: "1001" },
      { limit: "" },
      { offset: "-1" },
      { limit: "2.5" },
    ]) {
      expect(datasetListQuery.safeParse(query).success, JSON.stringify(query)).to.equal(false);
    }
  });

  it("takes dataset ids of the seed's shape only", () => {
    expect(["ds-001", "ds-123456789012"].map((id) => datasetIdSchema.safeParse(id).success)).to.deep.equal([true, true]);
    expect(["ds-1", "ds-0001x", "DS-001", "../x", "ds-1234567890123"].map((id) => datasetIdSchema.safeParse(id).success)).to.deep.equal([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
