import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireEnv } from "./harness.js";

/**
 * A throwaway dependency server a fault drill starts, hangs (SIGSTOP), kills
 * (SIGKILL) and restarts on the same port and data, by PID — never the
 * shared servers. Each runs under `timeout`, so it stops by itself should the
 * test die; signals go to the server process itself, `timeout`'s child.
 */
export class DrillServer {
  private wrapper: ChildProcess | undefined;
  private serverPid: number | undefined;

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly dataDir: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
    private readonly ready: () => Promise<boolean>,
  ) {}

  /** A port of this checkout's range for drills (LOCAL_PORT_BASE + 50..99). */
  static port(offset: number): number {
    return Number(requireEnv("LOCAL_PORT_BASE")) + 50 + offset;
  }

  static async minio(port: number): Promise<DrillServer & { accessKey: string; secretKey: string; endpoint: string }> {
    const dataDir = await mkdtemp(join(tmpdir(), "drill-minio-"));
    const accessKey = `drill-${randomBytes(4).toString("hex")}`;
    const secretKey = randomBytes(16).toString("hex");
    const endpoint = `http://127.0.0.1:${port}`;
    const server = new DrillServer(
      "minio",
      port,
      dataDir,
      requireEnv("MINIO_BIN"),
      ["server", "--quiet", "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${port + 1}`, join(dataDir, "data")],
      { MINIO_ROOT_USER: accessKey, MINIO_ROOT_PASSWORD: secretKey, MINIO_BROWSER: "off", MINIO_UPDATE: "off" },
      async () => (await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined))?.ok === true,
    );
    await server.start();
    return Object.assign(server, { accessKey, secretKey, endpoint });
  }

  static async milvus(port: number): Promise<DrillServer & { address: string }> {
    const dataDir = await mkdtemp(join(tmpdir(), "drill-milvus-"));
    const server = new DrillServer(
      "milvus",
      port,
      dataDir,
      requireEnv("MILVUS_LITE_BIN"),
      ["server", "--data-dir", join(dataDir, "data"), "--host", "127.0.0.1", "--port", String(port)],
      {},
      () => tcpOpen(port),
    );
    await server.start();
    return Object.assign(server, { address: `127.0.0.1:${port}` });
  }

  /** Starts (or restarts after `kill`) on the same port and data directory; resolves once it answers. */
  async start(deadlineMs = 90_000): Promise<number> {
    const started = Date.now();
    this.wrapper = spawn("timeout", ["--signal=TERM", "--kill-after=5s", "600", this.command, ...this.args], {
      env: { ...process.env, ...this.env },
      stdio: "ignore",
    });
    const wrapperPid = this.wrapper.pid!;
    while (!(await this.ready())) {
      if (this.wrapper.exitCode !== null) throw new Error(`${this.name} exited during start-up (code ${this.wrapper.exitCode})`);
      if (Date.now() - started > deadlineMs) throw new Error(`${this.name} did not become ready within ${deadlineMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const children = (await readFile(`/proc/${wrapperPid}/task/${wrapperPid}/children`, "utf8")).trim().split(/\s+/);
    this.serverPid = Number(children[0]);
    return Date.now() - started;
  }

  /** SIGSTOP: the process keeps its sockets (connections are accepted by the kernel) but answers nothing. */
  hang(): void {
    process.kill(this.pid(), "SIGSTOP");
  }

  resume(): void {
    process.kill(this.pid(), "SIGCONT");
  }

  /** SIGKILL, as a crash or an OOM kill would: no shutdown, no flush. */
  async kill(): Promise<void> {
    const wrapper = this.wrapper;
    process.kill(this.pid(), "SIGKILL");
    if (wrapper && wrapper.exitCode === null) await new Promise((resolve) => wrapper.once("exit", resolve));
    this.serverPid = undefined;
  }

  /** Stops it for good and removes its data. */
  async stop(): Promise<void> {
    if (this.serverPid !== undefined) {
      process.kill(this.serverPid, "SIGCONT");
      await this.kill().catch(() => undefined);
    }
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private pid(): number {
    if (this.serverPid === undefined) throw new Error(`${this.name} is not running`);
    return this.serverPid;
  }
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}
