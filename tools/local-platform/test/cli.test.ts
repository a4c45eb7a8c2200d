import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultPorts } from "../src/components.js";
import { defaultStateDir, parseOptions, resolvePorts, UsageError } from "../src/options.js";
import { pocTestScript, seedChecks } from "@one-data/topology";
import { StateDir } from "../src/state.js";

describe("local platform CLI: options, ports, state, seed checks", () => {
  it("uses the seed's ports by default and keeps MariaDB and Redis off the ports a system install holds", () => {
    const ports = defaultPorts();
    expect(ports).to.include({ "data-api": 8080, "agent-api": 8081, model: 8000, minio: 9000, "minio-console": 9001, milvus: 19530 });
    expect(ports.mariadb).to.not.equal(3306);
    expect(ports.redis).to.not.equal(6379);
  });

  it("reuses the ports of the last run unless a base or an override is given", () => {
    const saved = defaultPorts(30000);
    expect(resolvePorts({ portBase: undefined, portOverrides: {} }, saved)).to.deep.equal(saved);
    expect(resolvePorts({ portBase: undefined, portOverrides: {} }, undefined)).to.deep.equal(defaultPorts());
    expect(resolvePorts({ portBase: 40000, portOverrides: {} }, saved)["agent-api"]).to.equal(40008);
    expect(resolvePorts({ portBase: undefined, portOverrides: { "agent-api": 9999 } }, saved)).to.include({
      "agent-api": 9999,
      "data-api": 30007,
    });
  });

  it("refuses two components on one port, unknown names and bad numbers", () => {
    expect(() => resolvePorts({ portBase: undefined, portOverrides: { "data-api": 8081 } }, undefined)).to.throw(
      UsageError,
      /both listen on port 8081/,
    );
    expect(() => parseOptions(["up", "--port", "postgres=5432"])).to.throw(UsageError, /NAME=PORT/);
    expect(() => parseOptions(["up", "--port", "redis=70000"])).to.throw(UsageError, /not a port/);
    expect(() => parseOptions(["up", "--lifetime", "soon"])).to.throw(UsageError, /duration/);
    expect(() => parseOptions(["launch"])).to.throw(UsageError, /unknown command/);
  });

  it("takes the state directory from --state-dir, then ONE_DATA_STATE_DIR, then XDG_DATA_HOME", () => {
    expect(parseOptions(["status", "--state-dir", "/tmp/x"]).stateDir).to.equal("/tmp/x");
    expect(defaultStateDir({ ONE_DATA_STATE_DIR: "/srv/one" })).to.equal("/srv/one");
    expect(defaultStateDir({ XDG_DATA_HOME: "/home/u/.data" })).to.equal("/home/u/.data/one-data-studio");
    expect(parseOptions(["up"]).lifetime, "no lifetime unless asked").to.equal(undefined);
  });

  describe("state directory", () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "platform-state-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("writes env values bash reads back exactly, in a file only the owner can read", () => {
      const state = new StateDir(join(dir, "s"));
      state.ensure();
      const tricky = { PLAIN: "abc", SPACES: "a b  c", QUOTES: `it's "quoted" $HOME \`x\``, URL: "http://127.0.0.1:1/x?y=1&z" };
      state.appendEnv(tricky);
      expect(state.readEnv()).to.deep.equal(tricky);
      expect(statSync(state.envFile).mode & 0o777).to.equal(0o600);
      expect(statSync(state.path).mode & 0o777).to.equal(0o700);
    });

    it("--fresh wipes its own directory but refuses one it did not create", () => {
      const foreign = join(dir, "home");
      mkdirSync(foreign);
      writeFileSync(join(foreign, "thesis.tex"), "x");
      expect(() => new StateDir(foreign).wipe()).to.throw(/not wiping/);
      const own = new StateDir(join(dir, "own"));
      own.ensure();
      own.writeRecord({
        ports: defaultPorts(),
        model: { kind: "local", endpoint: "http://127.0.0.1:8000", name: "m" },
        lifetime: null,
        startedAt: "",
      });
      own.wipe();
      expect(() => statSync(own.path)).to.throw();
    });
  });

  it("prints the seed's checks with this platform's URLs, the model's /v1 path and its real model name", () => {
    const endpoints = {
      dataApi: "http://127.0.0.1:27067",
      agentApi: "http://127.0.0.1:27068",
      model: "http://127.0.0.1:27066",
      modelName: "smollm2-135m-instruct",
    };
    const text =
      seedChecks(endpoints, "/state/poc-test.sh")
        .map((c) => c.command)
        .join("\n") + pocTestScript(endpoints);
    expect(text).to.include("curl -s http://127.0.0.1:27067/api/v1/health");
    expect(text).to.include("curl -s http://127.0.0.1:27068/api/v1/datasets");
    expect(text).to.include('MODEL_URL="http://127.0.0.1:27066"').and.include('"$MODEL_URL/v1/models"');
    expect(text).to.include('"model":"smollm2-135m-instruct"');
    expect(text).not.to.match(/8002|api\/v1\/models|Qwen-0\.5B-Chat|customer_data\.csv|localhost:80/);
    expect(text).to.include("s3://test-datasets/sales_data.csv");
  });
});
