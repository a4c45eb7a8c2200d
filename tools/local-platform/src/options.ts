import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { defaultPorts, isPortName, type Ports } from "./components.js";

const commands = ["up", "down", "status", "logs", "sql", "checks", "verify"] as const;
type Command = (typeof commands)[number];

export interface Options {
  command: Command;
  stateDir: string;
  /** Ports asked for on this command line: a base, then single overrides. */
  portBase: number | undefined;
  portOverrides: Partial<Ports>;
  fresh: boolean;
  /** `timeout` duration for every process (tests); undefined: they run until `down`. */
  lifetime: string | undefined;
  install: boolean;
  local: boolean;
  strict: boolean;
  lines: number;
  follow: boolean;
  rest: string[];
}

export class UsageError extends Error {}

export const usage = `usage: npm run platform -- <command> [options]
  up        install what is missing, start everything, wait until ready, print endpoints and the seed's checks;
            with part of the platform down (one dependency killed), restart it whole, state kept
  down      stop every process of the platform by its PID (state is kept); exit 1 and name the
            state directories \`up\` ran in when there is nothing to stop in this one
  status    each process: PID, port, health (data-api "degraded" when Milvus is down)
  logs      [component] [-n LINES] [--follow]
  sql       [mariadb client arguments...]: the MariaDB client, connected as the platform's owner user
            (e.g. sql -e 'SHOW TABLES'; the env file sourced or not)
  checks    print the seed's checks (playbook 3.4, 4.3, 5.3, 6.1) for this platform again
options:
  --state-dir DIR     where data, logs, PIDs and generated credentials live
                      (default $ONE_DATA_STATE_DIR or \${XDG_DATA_HOME:-~/.local/share}/one-data-studio)
  --port NAME=PORT    override one port (mariadb, redis, minio, minio-console, milvus, model, data-api, agent-api)
  --port-base N       every port at N + offset, as scripts/local/servers.sh numbers them
  --fresh             (up) wipe the state directory first
  --lifetime DURATION (up) every process stops by itself after DURATION (e.g. 30m); default: never
  --no-install        (up) do not run scripts/local/install.sh first
MODEL_ENDPOINT / MODEL_NAME (/ MODEL_API_KEY) in the environment of \`up\` point the agent at an
OpenAI-compatible server you already run; the local small model is then not started.
npm run verify -- --local [--strict]: the acceptance suite against the running local platform.`;

export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  if (env.ONE_DATA_STATE_DIR) return resolve(env.ONE_DATA_STATE_DIR);
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "one-data-studio");
}

function parsePort(text: string, what: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${what}: ${JSON.stringify(text)} is not a port (1-65535)`);
  return port;
}

/** `sql` hands everything but --state-dir to the mariadb client, whose options this CLI does not know. */
function splitSqlArgs(argv: string[]): { own: string[]; client: string[] } {
  const own = ["sql"];
  const client: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--state-dir" && i + 1 < argv.length) own.push(arg, argv[++i]!);
    else if (arg.startsWith("--state-dir=")) own.push(arg);
    else client.push(arg);
  }
  return { own, client };
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): Options {
  if (argv[0] === "sql") {
    const { own, client } = splitSqlArgs(argv);
    return { ...parseOwnOptions(own, env), rest: client };
  }
  return parseOwnOptions(argv, env);
}

function parseOwnOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        "state-dir": { type: "string" },
        port: { type: "string", multiple: true },
        "port-base": { type: "string" },
        fresh: { type: "boolean", default: false },
        lifetime: { type: "string" },
        "no-install": { type: "boolean", default: false },
        local: { type: "boolean", default: false },
        strict: { type: "boolean", default: false },
        lines: { type: "string", short: "n" },
        follow: { type: "boolean", short: "f", default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (!command || !(commands as readonly string[]).includes(command)) {
    throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : "no command given");
  }
  const portOverrides: Partial<Ports> = {};
  for (const entry of values.port ?? []) {
    const [name, value] = entry.split("=", 2);
    if (!name || value === undefined || !isPortName(name))
      throw new UsageError(`--port ${entry}: expected NAME=PORT with NAME one of ${Object.keys(defaultPorts()).join(", ")}`);
    portOverrides[name] = parsePort(value, `--port ${name}`);
  }
  const portBase = values["port-base"] === undefined ? undefined : parsePort(values["port-base"], "--port-base");
  if (values.lifetime !== undefined && !/^[1-9][0-9]*[smhd]?$/.test(values.lifetime)) {
    throw new UsageError(`--lifetime ${values.lifetime}: expected a duration like 90s, 30m or 2h`);
  }
  const lines = values.lines === undefined ? 40 : Number(values.lines);
  if (!Number.isInteger(lines) || lines < 1) throw new UsageError(`-n ${values.lines}: expected a positive number of lines`);
  return {
    command: command as Command,
    stateDir: values["state-dir"] ? resolve(values["state-dir"]) : defaultStateDir(env),
    portBase,
    portOverrides,
    fresh: values.fresh,
    lifetime: values.lifetime,
    install: !values["no-install"],
    local: values.local,
    strict: values.strict,
    lines,
    follow: values.follow,
    rest,
  };
}

/** This run's ports: a base if given, else what the state directory used last time, else the documented defaults; then single overrides. */
export function resolvePorts(options: Pick<Options, "portBase" | "portOverrides">, saved: Ports | undefined): Ports {
  const base = options.portBase !== undefined ? defaultPorts(options.portBase) : (saved ?? defaultPorts());
  const ports = { ...base, ...options.portOverrides };
  const seen = new Map<number, string>();
  for (const [name, port] of Object.entries(ports)) {
    const other = seen.get(port);
    if (other) throw new UsageError(`${name} and ${other} would both listen on port ${port}`);
    seen.set(port, name);
  }
  return ports;
}
