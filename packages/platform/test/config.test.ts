import { expect } from "chai";
import { z } from "zod";
import { ConfigError, envVar, loadConfig } from "../src/index.js";

const schema = z.object({
  MYSQL_HOST: envVar.string(),
  MYSQL_PORT: envVar.port(3306),
  MODEL_ENDPOINT: envVar.url(),
  QUERY_ROW_LIMIT: envVar.int(1000, 1),
  FEATURE_ON: envVar.bool(false),
});

describe("loadConfig", () => {
  it("parses and coerces variables, applying defaults", () => {
    const config = loadConfig("svc", schema, { MYSQL_HOST: "db", MODEL_ENDPOINT: "http://m:8000", FEATURE_ON: "1" });
    expect(config).to.deep.equal({
      MYSQL_HOST: "db",
      MYSQL_PORT: 3306,
      MODEL_ENDPOINT: "http://m:8000",
      QUERY_ROW_LIMIT: 1000,
      FEATURE_ON: true,
    });
  });

  it("names every missing or malformed variable in one error", () => {
    try {
      loadConfig("svc", schema, { MYSQL_PORT: "99999", MODEL_ENDPOINT: "ftp://x", QUERY_ROW_LIMIT: "0" });
      expect.fail("expected a ConfigError");
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join("\n");
      expect(problems).to.include("MYSQL_HOST is required");
      expect(problems).to.match(/MYSQL_PORT:/);
      expect(problems).to.match(/MODEL_ENDPOINT: must be an http\(s\) URL/);
      expect(problems).to.match(/QUERY_ROW_LIMIT:/);
      expect((error as Error).message).to.match(/^svc: invalid configuration/);
    }
  });
});
