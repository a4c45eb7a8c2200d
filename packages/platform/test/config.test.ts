import { expect } from "chai";
import { z } from "zod";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ConfigError, envVar, loadConfig, loadConfigOrExit } from "../src/index.js";

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

describe("loadConfigOrExit", () => {
  const platform = fileURLToPath(new URL("../src/index.ts", import.meta.url));
  const entryPoint = (env: Record<string, string>) =>
    spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `import { z } from "zod"; import { envVar, loadConfig, loadConfigOrExit } from ${JSON.stringify(platform)};
         const config = loadConfigOrExit(() => loadConfig("demo", z.object({ DEMO_PORT: envVar.port(8080), DEMO_URL: envVar.url() })));
         console.log(JSON.stringify(config));`,
      ],
      { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8", timeout: 30_000 },
    );

  it("returns the configuration when it is valid", () => {
    const run = entryPoint({ DEMO_URL: "http://x:1" });
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.equal({ DEMO_PORT: 8080, DEMO_URL: "http://x:1" });
  });

  it("prints the one message, without a stack trace, and exits 2 when it is not", () => {
    const run = entryPoint({ DEMO_PORT: "http" });
    expect(run.status).to.equal(2);
    const lines = run.stderr.trim().split("\n");
    expect(lines, run.stderr).to.have.length(1);
    expect(lines[0]).to.match(/^demo: invalid configuration: DEMO_PORT: .+; DEMO_URL is required$/);
  });

  it("lets any other error through", () => {
    expect(() =>
      loadConfigOrExit(() => {
        throw new TypeError("bug");
      }),
    ).to.throw(TypeError, "bug");
  });
});
