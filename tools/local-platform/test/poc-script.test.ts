/**
 * The generated poc-test.sh, run by bash for real against an HTTP double that
 * plays all three services on loopback. The double answers what each case
 * names; the script must tell a failure from a pass by the status and the
 * reply, not by a digit anywhere in the body.
 */
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pocTestScript } from "@one-data/topology";

interface Answer {
  status: number;
  body: unknown;
}

const modelName = "double-model";
const healthy: Answer = { status: 200, body: { code: 0, message: "healthy" } };
const models: Answer = { status: 200, body: { object: "list", data: [{ id: modelName, object: "model" }] } };

/** A double answering GET health, GET /v1/models and POST chat with the answers given. */
async function startServiceDouble(
  chat: Answer,
  overrides: Partial<Record<"health" | "models", Answer>> = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const answer =
        req.url === "/api/v1/health"
          ? (overrides.health ?? healthy)
          : req.url === "/v1/models"
            ? (overrides.models ?? models)
            : req.url === "/api/v1/chat" && req.method === "POST"
              ? chat
              : { status: 404, body: { code: 40400, message: "not found" } };
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function runBash(path: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [path], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout }));
  });
}

describe("local platform: the generated poc-test.sh, run by bash against a double", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "poc-script-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function runAgainst(chat: Answer, overrides: Partial<Record<"health" | "models", Answer>> = {}) {
    const double = await startServiceDouble(chat, overrides);
    try {
      const path = join(dir, "poc-test.sh");
      writeFileSync(path, pocTestScript({ dataApi: double.url, agentApi: double.url, model: double.url, modelName }));
      return await runBash(path);
    } finally {
      await double.close();
    }
  }

  it("passes when every service answers 200 and the reply holds 2+2's sum", async () => {
    const ran = await runAgainst({ status: 200, body: { code: 0, message: "ok", data: { reply: "2+2 = 4", route: "chat" } } });
    expect(ran.stdout).to.include("✓ 端到端调用成功").and.include("2+2 = 4").and.not.include("✗");
    expect(ran.code).to.equal(0);
  });

  it("fails on a 504 envelope, though its body holds a 4", async () => {
    const ran = await runAgainst({ status: 504, body: { code: 50401, message: "the model did not answer within 45000 ms", data: null } });
    expect(ran.stdout).to.include("✗ 端到端调用失败").and.include("504").and.not.include("✓ 端到端");
    expect(ran.code).to.equal(1);
  });

  it("fails on a 200 whose reply lacks the sum, though other fields hold a 4", async () => {
    const ran = await runAgainst({
      status: 200,
      body: { code: 0, message: "ok", data: { reply: "我是一个助手，数字 44 和 14。", route: "chat", model: "m-4b", elapsed_ms: 4 } },
    });
    expect(ran.stdout).to.include("✗ 端到端调用失败").and.not.include("✓ 端到端");
    expect(ran.code).to.equal(1);
  });

  it("fails a health check answered 503 whose message says healthy, and a model list without the model", async () => {
    const ran = await runAgainst(
      { status: 200, body: { code: 0, message: "ok", data: { reply: "四", route: "chat" } } },
      {
        health: { status: 503, body: { code: 50300, message: "not healthy" } },
        models: { status: 200, body: { data: [{ id: `${modelName}-other` }] } },
      },
    );
    expect(ran.stdout).to.include("✗ Data API 异常").and.include("✗ Agent API 异常").and.include("✗ Model 模型服务异常");
    expect(ran.stdout, "四 is the sum in Chinese").to.include("✓ 端到端调用成功");
    expect(ran.code).to.equal(1);
  });

  it("is clean under shellcheck", function () {
    const path = join(dir, "poc-test.sh");
    writeFileSync(
      path,
      pocTestScript({
        dataApi: "http://127.0.0.1:1",
        agentApi: "http://127.0.0.1:2",
        model: "http://127.0.0.1:3",
        modelName: "it's-a-model",
      }),
    );
    const lint = spawnSync("shellcheck", [path], { encoding: "utf8" });
    if (lint.error) {
      console.log(`      shellcheck is not installed (${lint.error.message}): the script is not linted here`);
      this.skip();
    }
    expect(lint.stdout + lint.stderr).to.equal("");
    expect(lint.status).to.equal(0);
  });
});
