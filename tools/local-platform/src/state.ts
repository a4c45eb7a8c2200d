import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { exportLines } from "@one-data/topology";
import type { ComponentName, Ports } from "./components.js";

/** Marks a directory as this platform's, so `--fresh` never wipes anything else. */
const marker = "platform.json";

/** Which model the agent talks to in this run. */
export type ModelChoice =
  { kind: "local"; endpoint: string; name: string } | { kind: "external"; endpoint: string; name: string | undefined };

export interface PlatformRecord {
  ports: Ports;
  model: ModelChoice;
  lifetime: string | null;
  startedAt: string;
}

export class StateDir {
  constructor(readonly path: string) {}

  get envFile(): string {
    return join(this.path, "env");
  }
  get mariadbClientConfig(): string {
    return join(this.path, "mariadb", "client.cnf");
  }
  pidFile(name: ComponentName): string {
    return join(this.path, `${name}.pid`);
  }
  logFile(name: string): string {
    return join(this.path, `${name}.log`);
  }

  /** Creates the directory (owner only: it holds generated credentials). */
  ensure(): void {
    mkdirSync(this.path, { recursive: true, mode: 0o700 });
    chmodSync(this.path, 0o700);
  }

  /** Empties the directory, refusing one this CLI did not create. */
  wipe(): void {
    if (!existsSync(this.path)) return;
    if (!existsSync(join(this.path, marker)) && readdirSync(this.path).length > 0) {
      throw new Error(`${this.path} is not empty and holds no ${marker}: not wiping a directory this platform did not create`);
    }
    rmSync(this.path, { recursive: true, force: true });
  }

  readRecord(): PlatformRecord | undefined {
    const file = join(this.path, marker);
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, "utf8")) as PlatformRecord;
  }

  writeRecord(record: PlatformRecord): void {
    writeFileSync(join(this.path, marker), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  }

  readPid(name: ComponentName): number | undefined {
    try {
      const pid = Number(readFileSync(this.pidFile(name), "utf8").trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  writePid(name: ComponentName, pid: number): void {
    writeFileSync(this.pidFile(name), `${pid}\n`);
  }

  removePid(name: ComponentName): void {
    rmSync(this.pidFile(name), { force: true });
  }

  /** The variables of the env file (written by scripts/local/servers.sh, then by `up`), read by bash itself so its quoting is honoured. */
  readEnv(): Record<string, string> {
    if (!existsSync(this.envFile)) return {};
    const names = [...readFileSync(this.envFile, "utf8").matchAll(/^export ([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]!);
    const script = 'set -a; . "$0"; shift; for name in "$@"; do printf "%s\\0" "${!name}"; done';
    const result = spawnSync("bash", ["-c", script, this.envFile, "--", ...names], { env: {}, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`cannot read ${this.envFile}: ${result.stderr}`);
    const values = result.stdout.split("\0");
    return Object.fromEntries(names.map((name, i) => [name, values[i]!]));
  }

  appendEnv(vars: Record<string, string>): void {
    writeFileSync(this.envFile, exportLines(vars), { flag: "a", mode: 0o600 });
  }
}

/** Where `up` notes each state directory it ran in, so that a command given none can name them. */
function knownStateDirsFile(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state"), "one-data-studio", "state-dirs");
}

export function rememberStateDir(path: string, env: NodeJS.ProcessEnv): void {
  const file = knownStateDirsFile(env);
  if (knownStateDirs(env).includes(path)) return;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${path}\n`, { flag: "a", mode: 0o600 });
}

/** The state directories `up` ran in that still hold a platform. */
export function knownStateDirs(env: NodeJS.ProcessEnv): string[] {
  let text: string;
  try {
    text = readFileSync(knownStateDirsFile(env), "utf8");
  } catch {
    return [];
  }
  return [...new Set(text.split("\n").filter((line) => line !== ""))].filter((path) => existsSync(join(path, marker)));
}
