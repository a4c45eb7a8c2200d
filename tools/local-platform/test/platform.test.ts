/**
 * The local platform as a person uses it: `npm run platform -- up` in a
 * temporary state directory, on ports of this run's range (never the
 * documented 8080/8081/8000), with the agent pointed at the scripted
 * OpenAI-compatible double by MODEL_ENDPOINT. Then the seed playbook's checks
 * exactly as `up` prints them, the MariaDB client with the env file sourced,
 * the page in a real browser (Debian's chromium), `verify --local`, and a
 * `down`/`up` that must find the earlier registrations, and a `down` that
 * must leave no process behind.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { startScriptedModel } from "../../../test/acceptance/local/scripted-model.js";
import { arithmeticReply } from "../../../test/doubles/competent-reader.js";
import type { OpenAiDouble } from "../../../test/doubles/openai-double.js";
import { components } from "../src/components.js";
import { repoRoot } from "../src/platform.js";
import { descendantsOf, isAlive, probe } from "../src/processes.js";

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking this process (the double answers from it). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`${command} ${args.join(" ")} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resolves once `pid` is gone (the caller killed it); bounded by the test's timeout. */
async function waitForExit(pid: number): Promise<void> {
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
}

const envelopeOf = (text: string) => JSON.parse(text) as { code: number; message: string; data: unknown };

describe("npm run platform: the whole PoC on this machine, state kept", function () {
  this.timeout(900_000);
  const portBase = Number(process.env.LOCAL_PORT_BASE ?? 27000) + 60;
  const dataApiPort = portBase + 7;
  const agentApiPort = portBase + 8;
  let stateDir: string;
  let double: OpenAiDouble;
  let env: NodeJS.ProcessEnv;
  const platform = (args: string[], timeoutMs = 600_000) =>
    run("npm", ["run", "--silent", "platform", "--", ...args, "--state-dir", stateDir], env, timeoutMs);

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "one-data-platform-"));
    double = await startScriptedModel();
    // The test command exports its own servers' variables; the platform must not need or use them.
    env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(MYSQL|REDIS|S3|MILVUS|EMBEDDING|MODEL|MARIADB)_/.test(k)));
    env.MODEL_ENDPOINT = double.url;
    env.MODEL_NAME = double.modelName;
  });

  after(async () => {
    if (stateDir) {
      await platform(["down"], 120_000).catch(() => undefined);
      rmSync(stateDir, { recursive: true, force: true });
    }
    await double?.close();
  });

  it("up starts every component, waits for readiness and prints its endpoints and the seed's checks on its ports", async () => {
    const up = await platform(["up", "--port-base", String(portBase), "--lifetime", "20m"]);
    expect(up.code, `${up.stdout}\n${up.stderr}`).to.equal(0);
    expect(up.stdout).to.include(`http://127.0.0.1:${agentApiPort}/`);
    expect(up.stdout).to.include(`curl -s http://127.0.0.1:${dataApiPort}/api/v1/health`);
    expect(up.stdout).to.include(`${double.url}/v1/models`);
    expect(
      up.stdout.split("\n").filter((line) => /:(8080|8081|8000|8002)\b/.test(line)),
      "the documented ports, in a test",
    ).to.deep.equal([]);
    expect(up.stdout + up.stderr, "credentials are never printed").not.to.match(/PASSWORD|SECRET_KEY|client\.cnf.*password/i);
    const secrets = readFileSync(join(stateDir, "secrets"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("=")[1]!);
    for (const secret of secrets) expect(up.stdout + up.stderr).not.to.include(secret);
  });

  it("status shows each process with its PID, port and health", async () => {
    const status = await platform(["status"]);
    expect(status.code, status.stdout).to.equal(0);
    for (const c of components.filter((c) => c.name !== "model")) {
      expect(status.stdout).to.match(new RegExp(`^${c.name}\\s+\\d+\\s+127\\.0\\.0\\.1:${portBase + c.baseOffset}\\s+healthy$`, "m"));
    }
    expect(status.stdout).to.match(/^model\s+-\s+http:\/\/127\.0\.0\.1:\d+ \(external\)\s+healthy$/m);
  });

  it("the seed playbook's checks (3.4, 4.3, 5.3, 6.1), as printed for this platform, pass", async () => {
    const printed = await platform(["checks"]);
    expect(printed.code, printed.stderr).to.equal(0);
    const commands = printed.stdout.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
    expect(commands).to.have.length(9);
    const outputs: string[] = [];
    for (const command of commands) {
      const ran = await run("bash", ["-c", command], env, 120_000);
      expect(ran.code, `${command}\n${ran.stdout}${ran.stderr}`).to.equal(0);
      outputs.push(ran.stdout);
    }
    const [dataHealth, dataList, register, models, completion, agentHealth, agentChat, agentList, script] = outputs as [
      string,
      ...string[],
    ];
    expect(envelopeOf(dataHealth)).to.deep.include({ code: 0, message: "healthy" });
    expect(JSON.stringify(envelopeOf(dataList!).data)).to.include("sales_data_v1.0");
    expect(envelopeOf(register!)).to.deep.include({ code: 0 });
    expect((envelopeOf(register!).data as { name: string; row_count: number }).row_count).to.equal(5);
    expect(models).to.include(double.modelName);
    expect(JSON.parse(completion!).choices[0].message.content).to.be.a("string");
    expect(envelopeOf(agentHealth!).message).to.equal("healthy");
    expect((envelopeOf(agentChat!).data as { reply: string }).reply)
      .to.be.a("string")
      .and.not.equal("");
    expect(JSON.stringify(envelopeOf(agentList!).data)).to.include("customer_data_v1.0");
    expect(script!.match(/✓/g)).to.have.length(4);
    // The double works the sum out from the message the agent forwarded; the seed script prints that reply.
    const sum = arithmeticReply("2+2等于几？");
    expect(sum).to.be.a("string");
    expect(script).to.include(sum);
  });

  it("the MariaDB client connects through `platform sql` and --defaults-file with the env file sourced", async () => {
    const envFile = join(stateDir, "env");
    const viaCli = await run(
      "bash",
      ["-c", `set -a; . "$0"; set +a; npm run --silent platform -- sql --state-dir "$1" -N -e 'SELECT CURRENT_USER()'`, envFile, stateDir],
      env,
      60_000,
    );
    expect(viaCli.code, viaCli.stderr).to.equal(0);
    expect(viaCli.stdout.trim()).to.equal("one_data_owner@127.0.0.1");
    const viaClient = await run(
      "bash",
      [
        "-c",
        `set -a; . "$0"; set +a; mariadb --defaults-file="$MARIADB_CLIENT_CONFIG" -N -e 'SELECT COUNT(*) FROM dataset_versions'`,
        envFile,
      ],
      env,
      60_000,
    );
    expect(viaClient.code, viaClient.stderr).to.equal(0);
  });

  it("the page at / in a real browser (Debian's chromium) browses datasets with schema and preview, registers a CSV by upload with progress, and shows an answer with its route, SQL, cited chunks and timings", async () => {
    const browser: Browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      await page.goto(`http://127.0.0.1:${agentApiPort}/?lang=zh`);
      await page.locator("#health[data-state=ok]").waitFor();

      await page.locator("#datasets tr", { hasText: "sales_data_v1.0" }).first().click();
      await page.locator("#schema td", { hasText: "customer_id" }).first().waitFor();
      expect(await page.locator("#preview tbody tr").count()).to.equal(5);
      expect(await page.locator("#preview").innerText()).to.include("799.99");

      await page.fill("#upload-name", "page_upload_v1.0");
      await page.setInputFiles("#upload-file", {
        name: "page_upload.csv",
        mimeType: "text/csv",
        buffer: Buffer.from("region,revenue\nnorth,10.5\nsouth,20.25\neast,7\n"),
      });
      await page.click("#upload");
      await page.locator("#upload-state", { hasText: "已注册" }).waitFor({ timeout: 60_000 });
      expect(await page.locator("#upload-progress").evaluate((el) => (el as unknown as { value: number }).value)).to.equal(100);
      expect(await page.locator("#upload-state").innerText()).to.include("3 行");
      await page.locator("#schema td", { hasText: "revenue" }).first().waitFor();
      expect(await page.locator("#datasets").innerText()).to.include("page_upload_v1.0");

      await page.fill("#question", "在数据集 sales_data_v1.0 中，哪些客户是大客户？列出每个大客户的订单总金额。");
      await page.click("#ask");
      await page.locator("#answer:not([hidden]) #reply").waitFor({ timeout: 120_000 });
      const reply = await page.locator("#reply").innerText();
      // Key customers: a total of at least 500 (the glossary): 1001 (299.99 + 399.99), 1002, 1004; not 1003.
      for (const figure of ["1001", "699.98", "1002", "599.99", "1004", "799.99"]) expect(reply).to.include(figure);
      expect(reply).not.to.include("1003");
      expect(await page.locator("#sql").innerText()).to.match(/SUM\(.*amount/i);
      expect(await page.locator("#sql-rows tbody tr").count()).to.equal(3);
      expect(await page.locator("#chunks").innerText()).to.include("大客户");
      const meta = await page.locator("#answer-meta").innerText();
      expect(meta)
        .to.match(/路由\s*\S+/)
        .and.match(/总耗时\s*[\d.]+ ms/);

      mkdirSync(join(repoRoot, "docs"), { recursive: true });
      await page.screenshot({ path: join(repoRoot, "docs", "page.png"), fullPage: true });
      await page.click("#lang");
      expect(await page.locator("#ask-panel h2").innerText()).to.equal("Ask");
    } finally {
      await browser.close();
    }
  });

  it("npm run verify -- --local runs the acceptance suite against it, with the table and a JUnit report", async () => {
    const verified = await run("npm", ["run", "--silent", "verify", "--", "--local", "--state-dir", stateDir], env, 600_000);
    expect(verified.code, `${verified.stdout}\n${verified.stderr}`).to.equal(0);
    expect(verified.stdout)
      .to.include("acceptance: local-platform")
      .and.match(/\b\d+ passed, 0 failed, 0 wrong-answer\b/);
    const junit = readFileSync(join(stateDir, "acceptance", "junit.xml"), "utf8");
    expect(junit)
      .to.match(/<testsuite[^>]*name="local-platform"/)
      .and.match(/failures="0"/);
  });

  it("down stops every process by PID; up again finds the earlier registrations; down leaves no process behind", async () => {
    const pidsOf = () =>
      components.flatMap((c) => {
        const file = join(stateDir, `${c.name}.pid`);
        if (!existsSync(file)) return [];
        const pid = Number(readFileSync(file, "utf8"));
        return [pid, ...descendantsOf(pid)];
      });
    const stopAndCheck = async () => {
      const pids = pidsOf();
      expect(pids.length).to.be.greaterThan(5);
      const down = await platform(["down"], 180_000);
      expect(down.code, down.stderr).to.equal(0);
      expect(pids.filter(isAlive), "processes left behind").to.deep.equal([]);
      for (const c of components.filter((c) => c.name !== "model")) {
        expect(await probe("127.0.0.1", portBase + c.baseOffset, { kind: "tcp" }, 500), `${c.name} still listening`).to.equal(false);
      }
    };
    const before = await fetch(`http://127.0.0.1:${dataApiPort}/api/v1/datasets`).then(
      (r) => r.json() as Promise<{ data: { name: string }[] }>,
    );
    expect(
      before.data.map((d) => d.name),
      JSON.stringify(before),
    ).to.include("page_upload_v1.0");
    await stopAndCheck();
    const again = await platform(["up", "--lifetime", "20m"]);
    expect(again.code, `${again.stdout}\n${again.stderr}`).to.equal(0);
    const listed = await fetch(`http://127.0.0.1:${dataApiPort}/api/v1/datasets`).then(
      (r) => r.json() as Promise<{ data: { name: string }[] }>,
    );
    const names = listed.data.map((d) => d.name);
    expect(names, JSON.stringify(listed)).to.include.members(["sales_data_v1.0", "customer_data_v1.0", "page_upload_v1.0"]);
    expect(
      names.filter((n) => n === "sales_data_v1.0"),
      "the bootstrap registers its seed once",
    ).to.have.length(1);

    // One dependency killed (the server itself; under --lifetime it runs under `timeout`, which then exits too):
    // `up` starts the platform whole again instead of answering "already running".
    const redisPid = Number(readFileSync(join(stateDir, "redis.pid"), "utf8"));
    const underTimeout = descendantsOf(redisPid);
    for (const pid of underTimeout.length > 0 ? underTimeout : [redisPid]) process.kill(pid, "SIGKILL");
    await waitForExit(redisPid);
    const healed = await platform(["up", "--lifetime", "20m"]);
    expect(healed.code, `${healed.stdout}\n${healed.stderr}`).to.equal(0);
    expect(healed.stdout).to.match(/not running: redis\b/);
    const after = await platform(["status"]);
    expect(after.code, after.stdout).to.equal(0);
    expect(after.stdout).to.match(/^redis\s+\d+\s+\S+\s+healthy$/m);
    await stopAndCheck();
  });
});
