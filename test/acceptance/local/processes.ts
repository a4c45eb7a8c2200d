import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort, probeUrl, waitUntil } from "../../support/testkit.js";

/** A service started as a child process for the local platform. */
export interface LocalProcess {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs a TypeScript entry point of this repository with the same loader the tests use. */
export function tsNodeArgs(entry: string, args: string[] = []): string[] {
  return ["--import", "tsx", "--conditions=source", entry, ...args];
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
  const logFile = join(options.logDir, `${options.name}.log`);
  const log = createWriteStream(logFile, { flags: "a" });
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
    await waitUntil(`${options.name} health`, () => probeUrl(`${url}/api/v1/health`), {
      timeoutMs: options.startupTimeoutMs ?? 60_000,
      intervalMs: 250,
      ...(child.pid !== undefined && { pid: child.pid }),
      log: logFile,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: options.name, url, child, stop };
}
