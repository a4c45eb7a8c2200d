import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/** A service started as a child process for the local platform. */
export interface LocalProcess {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a TypeScript entry point of this repository with the same loader the tests use. */
function tsNodeArgs(entry: string, args: string[] = []): string[] {
  return ["--import", "tsx", "--conditions=source", entry, ...args];
}

async function waitHealthy(url: string, child: ChildProcess, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} during start-up`);
    try {
      const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} was not healthy within ${timeoutMs} ms`);
}

/**
 * Starts a service on a free loopback port, logs to `<logDir>/<name>.log`, and
 * waits until its health endpoint answers. Stopped by its PID (SIGTERM, then
 * SIGKILL after a grace period).
 */
export async function startService(options: {
  name: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  logDir: string;
  startupTimeoutMs?: number;
}): Promise<LocalProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(options.logDir, { recursive: true });
  const log = createWriteStream(join(options.logDir, `${options.name}.log`), { flags: "a" });
  const child = spawn(process.execPath, tsNodeArgs(options.entry), {
    env: { ...options.env, HOST: "127.0.0.1", PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    process.kill(child.pid, "SIGTERM");
    const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, "SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitHealthy(url, child, options.name, options.startupTimeoutMs ?? 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: options.name, url, child, stop };
}

/** Runs a one-shot command (e.g. the bootstrap) to completion; rejects on a non-zero exit. */
export async function runToCompletion(options: {
  name: string;
  entry: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  logDir: string;
}): Promise<void> {
  mkdirSync(options.logDir, { recursive: true });
  const log = createWriteStream(join(options.logDir, `${options.name}.log`), { flags: "a" });
  const child = spawn(process.execPath, tsNodeArgs(options.entry, options.args), {
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`${options.name} exited with ${code}; see ${join(options.logDir, `${options.name}.log`)}`);
}
