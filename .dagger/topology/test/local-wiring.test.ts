import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envSchema as agentApiEnvSchema } from "@one-data/agent-api/config";
import { dataApiEnvSchema } from "@one-data/data-api/config";
import { expect } from "chai";
import {
  httpServerEnv,
  inheritedEnv,
  literalEnv,
  localCredential,
  localEndpoints,
  localSecrets,
  localServerEnv,
  seed,
  serviceEnv,
  startedEndpoints,
  startedServers,
} from "../src/index.js";

describe("topology: the local servers' wiring", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "local-wiring-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ports = { mariadb: 1, redis: 2, minio: 3, milvus: 5, model: 6 };

  it("generates each credential once into a file only the owner reads, and gives the same ones on the next start", () => {
    const first = localServerEnv(ports, dir);
    expect(statSync(join(dir, "secrets")).mode & 0o777).to.equal(0o600);
    const stored = readFileSync(join(dir, "secrets"), "utf8");
    expect(localServerEnv(ports, dir)).to.deep.equal(first);
    expect(readFileSync(join(dir, "secrets"), "utf8")).to.equal(stored);
    expect(first.MYSQL_PASSWORD)
      .to.match(/^[0-9a-f]{32}$/)
      .and.not.equal(first.MYSQL_READONLY_PASSWORD);
  });

  it("gives only the started servers' variables", () => {
    const env = localServerEnv({ redis: 2 }, dir);
    expect(Object.keys(env).sort()).to.deep.equal(["REDIS_HOST", "REDIS_PASSWORD", "REDIS_PORT"]);
  });

  it("gives the Data API and the Agent API every variable their own configuration schemas require", () => {
    const at = { ...localEndpoints(ports), dataApi: { url: "http://127.0.0.1:7" }, agentApi: { url: "http://127.0.0.1:8" } };
    const credential = localCredential(localSecrets(dir));
    for (const [service, schema] of [
      ["dataApi", dataApiEnvSchema],
      ["agentApi", agentApiEnvSchema],
    ] as const) {
      const env = literalEnv({ ...httpServerEnv(7, "127.0.0.1"), ...serviceEnv(service, at, credential) });
      const parsed = schema.safeParse(env);
      expect(parsed.success, `${service}: ${JSON.stringify(parsed.error?.issues)}`).to.equal(true);
    }
  });

  it("reads the servers started from SERVER=PORT arguments, refusing an unknown server or a port that is not a number", () => {
    expect(startedServers(["mariadb=1", "model=6"])).to.deep.equal({ mariadb: 1, model: 6 });
    expect(() => startedServers(["postgres=1"])).to.throw('expected SERVER=PORT, got "postgres=1"');
    expect(() => startedServers(["redis=x"])).to.throw('expected SERVER=PORT, got "redis=x"');
    expect(startedEndpoints({ redis: 2 }).redis).to.deep.equal({ host: "127.0.0.1", port: 2 });
  });

  it("names the seed's schemas unless a run keeps its own", () => {
    const credential = localCredential(localSecrets(dir));
    const { mysql } = localEndpoints(ports);
    const seeded = literalEnv(serviceEnv("dataApi", { ...localEndpoints(ports), mysql }, credential));
    expect([seeded.MYSQL_DATABASE, seeded.MYSQL_DATASETS_DATABASE]).to.deep.equal([seed.mysqlDatabase, seed.mysqlDatasetsDatabase]);
    const own = { ...mysql, databases: { registry: "own_registry", datasets: "own_datasets" } };
    const kept = literalEnv(serviceEnv("dataApi", { ...localEndpoints(ports), mysql: own }, credential));
    expect([kept.MYSQL_DATABASE, kept.MYSQL_DATASETS_DATABASE]).to.deep.equal(["own_registry", "own_datasets"]);
  });

  it("passes a local service the shell's paths and locale, never a wired variable the shell happens to hold", () => {
    const shell = { PATH: "/usr/bin", HOME: "/home/x", LANG: "C.UTF-8", MYSQL_HOST: "elsewhere", EMBEDDING_MODEL: "stale" };
    expect(inheritedEnv(shell)).to.deep.equal({ PATH: "/usr/bin", HOME: "/home/x", LANG: "C.UTF-8" });
  });
});
