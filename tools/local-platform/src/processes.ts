import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import type { Probe } from "./components.js";

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Every process below `pid` (a `timeout` wrapper's server, a server's workers), from /proc. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name is in parentheses and may hold spaces; the parent PID is the second field after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL (to it and whatever it started) if it has not exited within the grace period. */
export async function stopProcess(pid: number, graceMs = 20_000): Promise<"stopped" | "killed" | "not running"> {
  if (!isAlive(pid)) return "not running";
  const below = descendantsOf(pid);
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid) && below.every((p) => !isAlive(p))) return "stopped";
    await sleep(100);
  }
  for (const p of [pid, ...below]) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return "killed";
}

/**
 * Starts a long-running process detached from this CLI (it outlives `up`),
 * its output appended to a log file, under `timeout` when a lifetime is set.
 */
export function startDetached(options: {
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: string;
  lifetime: string | undefined;
}): number {
  const argv = options.lifetime ? ["timeout", "--signal=TERM", "--kill-after=10s", options.lifetime, ...options.command] : options.command;
  const fd = openSync(options.log, "a", 0o600);
  try {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${argv.join(" ")}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export async function probe(host: string, port: number, how: Probe, timeoutMs = 2000): Promise<boolean> {
  return how.kind === "http" ? probeUrl(`http://${host}:${port}${how.path}`, timeoutMs) : tcpOpen(host, port, timeoutMs);
}

/** Whether something accepts a TCP connection on host:port within `timeoutMs`. */
export function tcpOpen(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

export async function probeUrl(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between polls (default 300 ms). */
  intervalMs?: number;
  /** The process being waited for: its exit ends the wait at once. */
  pid?: number;
  /** Its log, whose last lines the error carries. */
  log?: string;
}

/** Polls until `ready` holds; fails early when the process it waits for has exited. */
export async function waitUntil(what: string, ready: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await ready()) return;
    const exited = options.pid !== undefined && !isAlive(options.pid);
    if (exited || Date.now() > deadline) {
      const tail = options.log ? `\nlast lines of ${options.log}:\n${lastLines(options.log, 20)}` : "";
      throw new Error(`${what} ${exited ? "exited during start-up" : `was not ready within ${options.timeoutMs / 1000} s`}${tail}`);
    }
    await sleep(options.intervalMs ?? 300);
  }
}

/**
 * Runs a one-shot command (a bootstrap) to completion under `timeout` (its
 * `lifetime`), its output appended to `log`; rejects with the log's last lines
 * on a non-zero exit.
 */
export async function runToCompletion(options: {
  command: string[];
  env: NodeJS.ProcessEnv;
  log: string;
  cwd: string;
  lifetime?: string;
}): Promise<void> {
  const fd = openSync(options.log, "a", 0o600);
  const child = spawn("timeout", ["--signal=TERM", "--kill-after=10s", options.lifetime ?? "10m", ...options.command], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0)
    throw new Error(`${options.command.join(" ")} exited with ${code}; last lines of ${options.log}:\n${lastLines(options.log, 20)}`);
}

export function lastLines(file: string, count: number): string {
  try {
    const lines = readFileSync(file, "utf8").split("\n");
    if (lines.at(-1) === "") lines.pop();
    return lines.slice(-count).join("\n");
  } catch {
    return "(no log)";
  }
}
