/**
 * Commands run without --state-dir while a platform runs in another state
 * directory: the CLI for real (node, its own process), in a HOME of its own.
 */
import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultPorts } from "../src/components.js";
import { describe as describePlatform, repoRoot } from "../src/platform.js";
import { isAlive } from "../src/processes.js";
import { rememberStateDir, StateDir, type PlatformRecord } from "../src/state.js";

const record: PlatformRecord = {
  ports: defaultPorts(32100),
  model: { kind: "local", endpoint: "http://127.0.0.1:32106", name: "m" },
  lifetime: null,
  startedAt: "2026-12-06T00:00:00.000Z",
};

describe("local platform CLI without --state-dir, a platform running elsewhere", function () {
  this.timeout(60_000);
  let home: string;
  let env: NodeJS.ProcessEnv;
  let elsewhere: StateDir;
  let stand_in: ChildProcess;

  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "--conditions=source", join(repoRoot, "tools/local-platform/src/main.ts"), ...args], {
      env,
      encoding: "utf8",
      cwd: repoRoot,
    });

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "platform-home-"));
    env = { PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: join(home, "data"), XDG_STATE_HOME: join(home, "state") };
    elsewhere = new StateDir(join(home, "elsewhere"));
    elsewhere.ensure();
    elsewhere.writeRecord(record);
    // A process standing in for the platform's Redis: what `down` must not report as stopped, nor stop.
    stand_in = spawn("sleep", ["120"], { stdio: "ignore" });
    elsewhere.writePid("redis", stand_in.pid!);
    rememberStateDir(elsewhere.path, env);
  });
  afterEach(() => {
    stand_in.kill();
    rmSync(home, { recursive: true, force: true });
  });

  it("down says it found nothing to stop, names the running platform's state dir and exits 1", () => {
    const ran = cli("down");
    const out = ran.stdout + ran.stderr;
    expect(ran.status, out).to.equal(1);
    expect(out).to.include(`nothing to stop in ${join(home, "data", "one-data-studio")}`);
    expect(out).to.include(`${elsewhere.path} (running: redis ${stand_in.pid})`);
    expect(out).to.include(`--state-dir ${elsewhere.path}`);
    expect(out).to.not.match(/^stopped/m);
    expect(isAlive(stand_in.pid!)).to.equal(true);
  });

  it("down with the state dir stops it and exits 0", () => {
    const ran = cli("down", "--state-dir", elsewhere.path);
    expect(ran.status, ran.stdout + ran.stderr).to.equal(0);
    expect(ran.stdout).to.match(/^redis\s+\d+\s+/m);
  });

  it("sql says there is no platform there and where one is, instead of the client's connection error", () => {
    const ran = cli("sql", "-e", "SELECT 1");
    expect(ran.status).to.equal(1);
    expect(ran.stderr)
      .to.include(`no platform in ${join(home, "data", "one-data-studio")}`)
      .and.include(`--state-dir ${elsewhere.path}`);
    expect(ran.stderr).to.not.match(/ERROR \d{4}|Can't connect|client\.cnf/);
  });

  it("the More: hint `up` prints keeps the state dir, and leaves it out for the default one", () => {
    const more = (state: StateDir) => describePlatform(record, state, env).filter((line) => /npm run platform -- (status|sql)/.test(line));
    expect(
      more(elsewhere).every((line) => line.includes(`--state-dir ${elsewhere.path}`)),
      more(elsewhere).join("\n"),
    ).to.equal(true);
    expect(more(elsewhere)).to.have.length(2);
    const byDefault = new StateDir(join(home, "data", "one-data-studio"));
    mkdirSync(byDefault.path, { recursive: true });
    expect(
      more(byDefault).some((line) => line.includes("--state-dir")),
      more(byDefault).join("\n"),
    ).to.equal(false);
  });
});
