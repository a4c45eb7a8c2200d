/**
 * Test support, never shipped. Dependencies a test owns as real processes, so it can hang them (SIGSTOP),
 * resume them (SIGCONT), kill them and start them again on the same port —
 * without touching the shared local servers. Each runs under `timeout`, so it
 * stops by itself if the test dies, and is signalled by its own PID.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { freePort, probeUrl, tcpOpen, waitUntil } from "./testkit.js";

/** A server process started under `timeout`; the server's own PID is the child of `timeout`. */
export class OwnedProcess {
  private child: ChildProcess | undefined;
  private serverPid: number | undefined;
  output = "";

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly lifetimeSeconds = 600,
  ) {}

  get pid(): number {
    if (this.serverPid === undefined) throw new Error(`${this.name} is not running`);
    return this.serverPid;
  }

  async start(): Promise<void> {
    const child = spawn("timeout", [String(this.lifetimeSeconds), this.command, ...this.args], {
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000)));
    child.stderr?.on("data", (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000)));
    this.child = child;
    const timeoutPid = child.pid!;
    await waitUntil(
      `${this.name} process`,
      async () => {
        try {
          const children = readFileSync(`/proc/${timeoutPid}/task/${timeoutPid}/children`, "utf8").trim();
          if (children) this.serverPid = Number(children.split(/\s+/)[0]);
        } catch {
          // timeout has not forked yet
        }
        return this.serverPid !== undefined;
      },
      { timeoutMs: 5_000, intervalMs: 50 },
    );
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /** Resolves with the server's exit code once it has exited (timeout exits with it, passing the code on). */
  async exited(): Promise<number | null> {
    const child = this.child;
    if (!child) return null;
    if (child.exitCode === null && child.signalCode === null) await new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return child.exitCode;
  }

  /** Killed outright, as a crash would: SIGKILL, no chance to clean up. */
  async kill(): Promise<void> {
    if (this.serverPid === undefined) return;
    try {
      process.kill(this.serverPid, "SIGCONT");
      process.kill(this.serverPid, "SIGKILL");
    } catch {
      // already gone
    }
    await this.exited();
    this.serverPid = undefined;
  }
}

/** A throwaway Redis on a free loopback port, no persistence. */
export class OwnedRedis {
  readonly host = "127.0.0.1";
  private readonly process: OwnedProcess;

  private constructor(readonly port: number) {
    this.process = new OwnedProcess("redis", "redis-server", [
      "--bind",
      "127.0.0.1",
      "--port",
      String(port),
      "--save",
      "",
      "--appendonly",
      "no",
    ]);
  }

  static async start(): Promise<OwnedRedis> {
    const redis = new OwnedRedis(await freePort());
    await redis.start();
    return redis;
  }

  async start(): Promise<void> {
    await this.process.start();
    await waitUntil("redis", () => tcpOpen(this.host, this.port), { timeoutMs: 10_000, intervalMs: 50 });
  }

  hang(): void {
    this.process.signal("SIGSTOP");
  }

  resume(): void {
    this.process.signal("SIGCONT");
  }

  kill(): Promise<void> {
    return this.process.kill();
  }
}

const repoRoot = new URL("../../", import.meta.url).pathname;

/** The real model server (services/model-server) on the local GGUF, one sequence, on a free port. */
export class OwnedModelServer {
  readonly process: OwnedProcess;
  readonly url: string;

  private constructor(
    readonly port: number,
    readonly modelName: string,
    modelPath: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.process = new OwnedProcess(
      "model-server",
      process.execPath,
      ["--import", "tsx", "--conditions=source", `${repoRoot}services/model-server/src/main.ts`],
      {
        ...process.env,
        HOST: "127.0.0.1",
        PORT: String(port),
        MODEL_PATH: modelPath,
        MODEL_NAME: modelName,
        MODEL_PARALLEL: "1",
        MODEL_THREADS: "1",
        LOG_LEVEL: "warn",
      },
    );
  }

  static async start(modelPath: string, modelName = "owned-smollm2"): Promise<OwnedModelServer> {
    const server = new OwnedModelServer(await freePort(), modelName, modelPath);
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    await this.process.start();
    await waitUntil("model-server", () => probeUrl(`${this.url}/v1/models`, 1_000), { timeoutMs: 120_000, intervalMs: 50 });
  }
}
