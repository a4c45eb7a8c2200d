import { spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  httpServerEnv,
  inheritedEnv,
  literalEnv,
  localCredential,
  localEndpoints,
  localSecrets,
  serviceEnv,
  wiringEnv,
  type CredentialSource,
  type Endpoints,
} from "@one-data/topology";
import { components, serverPortEnv, type Component, type ComponentName, type Ports } from "./components.js";
import { defaultStateDir, resolvePorts, type Options } from "./options.js";
import { isAlive, lastLines, probe, probeUrl, runToCompletion, startDetached, stopProcess, waitUntil } from "./processes.js";
import { pocTestScript, seedChecks, shellQuote, type SeedEndpoints } from "@one-data/topology";
import { knownStateDirs, rememberStateDir, StateDir, type ModelChoice, type PlatformRecord } from "./state.js";

export const repoRoot = resolve(fileURLToPath(import.meta.url), "../../../..");
const host = "127.0.0.1";
const url = (port: number) => `http://${host}:${port}`;

/** Our services as the test command's acceptance run starts them: the TypeScript sources under tsx. */
const serviceEntries = {
  "data-api": "services/data-api/src/main.ts",
  bootstrap: "services/data-api/src/bootstrap.ts",
  "agent-api": "services/agent-api/src/main.ts",
} as const;
const nodeCommand = (entry: string) => [process.execPath, "--import", "tsx", "--conditions=source", join(repoRoot, entry)];

export class PlatformError extends Error {}

function modelPort(record: PlatformRecord): number | undefined {
  return record.model.kind === "local" ? record.ports.model : undefined;
}

function seedEndpoints(record: PlatformRecord): SeedEndpoints {
  return {
    dataApi: url(record.ports["data-api"]),
    agentApi: url(record.ports["agent-api"]),
    model: record.model.endpoint,
    modelName: record.model.name ?? "unknown",
  };
}

function pocScriptPath(state: StateDir): string {
  return join(state.path, "poc-test.sh");
}

/** Components this run starts: the local model only when no MODEL_ENDPOINT was given. */
function runsLocally(c: Component, model: ModelChoice): boolean {
  return c.name !== "model" || model.kind === "local";
}

async function health(c: Component, record: PlatformRecord): Promise<boolean> {
  if (c.name === "model" && record.model.kind === "external") return probeUrl(`${record.model.endpoint}/v1/models`);
  return probe(host, record.ports[c.name], c.probe);
}

async function servedModelName(endpoint: string, apiKey: string | undefined): Promise<string> {
  const response = await fetch(`${endpoint}/v1/models`, {
    headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    signal: AbortSignal.timeout(10_000),
  }).catch((error: unknown) => {
    throw new PlatformError(`MODEL_ENDPOINT ${endpoint} does not answer /v1/models: ${(error as Error).message}`);
  });
  const body = (await response.json().catch(() => undefined)) as { data?: { id?: string }[] } | undefined;
  const id = body?.data?.[0]?.id;
  if (!response.ok || !id)
    throw new PlatformError(`MODEL_ENDPOINT ${endpoint}/v1/models lists no model (HTTP ${response.status}); set MODEL_NAME`);
  return id;
}

function runningPids(state: StateDir): { name: ComponentName; pid: number }[] {
  return components.flatMap((c) => {
    const pid = state.readPid(c.name);
    return pid !== undefined && isAlive(pid) ? [{ name: c.name, pid }] : [];
  });
}

async function assertPortsFree(ports: Ports, model: ModelChoice): Promise<void> {
  for (const [name, port] of Object.entries(ports)) {
    if (name === "model" && model.kind === "external") continue;
    if (await probe(host, port, { kind: "tcp" }, 500)) {
      throw new PlatformError(
        `port ${port} (${name}) is already in use on ${host}: stop what listens there or choose another with --port ${name}=PORT`,
      );
    }
  }
}

export async function up(options: Options, print: (line: string) => void): Promise<PlatformRecord> {
  const state = new StateDir(options.stateDir);
  if (options.fresh) {
    await down(options, () => undefined);
    state.wipe();
  }
  const previous = state.readRecord();
  const running = runningPids(state);
  if (running.length > 0) {
    const missing = previous ? components.filter((c) => runsLocally(c, previous.model) && !running.some((r) => r.name === c.name)) : [];
    if (missing.length === 0) {
      throw new PlatformError(
        `the platform in ${state.path} is already running (${running.map((r) => `${r.name} ${r.pid}`).join(", ")}): ` +
          `\`npm run platform -- status${stateDirFlag(state, process.env)}\` shows it, \`npm run platform -- down${stateDirFlag(state, process.env)}\` stops it`,
      );
    }
    // servers.sh starts its servers as one set (one env file, credentials in order), so the whole platform restarts, state kept.
    print(`not running: ${missing.map((c) => c.name).join(", ")}; restarting the platform in ${state.path} (data and credentials kept)`);
    await down(options, print);
  }
  state.ensure();
  rememberStateDir(state.path, process.env);
  const ports = resolvePorts(options, previous?.ports);
  // A MODEL_ENDPOINT naming this platform's own model (its env file sourced in the shell) is not an outside server.
  const requested = process.env.MODEL_ENDPOINT?.replace(/\/+$/, "").replace(/\/v1$/, "");
  const externalEndpoint = requested === url(ports.model) ? undefined : requested;
  const provisional: ModelChoice = externalEndpoint
    ? { kind: "external", endpoint: externalEndpoint, name: process.env.MODEL_NAME }
    : { kind: "local", endpoint: url(ports.model), name: "" };
  await assertPortsFree(ports, provisional);

  if (options.install) {
    print("installing what is missing (scripts/local/install.sh, as the test command does)...");
    const installed = spawnSync("bash", [join(repoRoot, "scripts/local/install.sh"), "servers"], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (installed.status !== 0) throw new PlatformError(`scripts/local/install.sh failed (exit ${installed.status})`);
  }

  try {
    const servers = ["mariadb", "redis", "minio", "milvus", ...(provisional.kind === "local" ? ["model"] : [])];
    print(`starting ${servers.join(", ")} (scripts/local/servers.sh)...`);
    const started = spawnSync("bash", [join(repoRoot, "scripts/local/servers.sh"), "start", ...servers], {
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...inheritedEnv(),
        LOCAL_STATE_DIR: state.path,
        LOCAL_KEEP_STATE: "1",
        SERVER_LIFETIME: options.lifetime ?? "0",
        ...serverPortEnv(ports),
      },
    });
    if (started.status !== 0)
      throw new PlatformError(`scripts/local/servers.sh start failed (exit ${started.status}); logs in ${state.path}`);
    const local = localEndpoints(ports);
    const apiKey = process.env.MODEL_API_KEY;
    const model: ModelChoice =
      provisional.kind === "external"
        ? { ...provisional, name: provisional.name ?? (await servedModelName(provisional.endpoint, apiKey)) }
        : { kind: "local", endpoint: local.model.endpoint, name: local.model.name };
    const external = model.kind === "external";
    const at: Endpoints = {
      ...local,
      model: { endpoint: model.endpoint, name: model.name! },
      embedding: external
        ? { endpoint: process.env.EMBEDDING_ENDPOINT ?? model.endpoint, model: process.env.EMBEDDING_MODEL }
        : local.embedding,
      dataApi: { url: url(ports["data-api"]) },
      agentApi: { url: url(ports["agent-api"]) },
    };
    const stored = localCredential(localSecrets(state.path));
    const given = (value: string | undefined) => (value ? { value } : undefined);
    const credential: CredentialSource<{ value: string }> = (name) =>
      name === "modelApiKey" ? given(apiKey) : name === "embeddingApiKey" ? given(process.env.EMBEDDING_API_KEY ?? apiKey) : stored(name);
    // What a person's shell needs besides the servers' variables: our services' URLs, and the outside model in use.
    state.appendEnv(literalEnv(wiringEnv(["dataApi", "agentApi", ...(external ? (["model", "embedding"] as const) : [])], at, credential)));
    const serviceProcessEnv = (name: "data-api" | "agent-api") => ({
      ...inheritedEnv(),
      ...literalEnv(httpServerEnv(ports[name], host)),
      ...literalEnv(serviceEnv(name === "data-api" ? "dataApi" : "agentApi", at, credential)),
    });

    /** One of our services, detached, waited for until its liveness route answers. */
    const startService = async (name: "data-api" | "agent-api"): Promise<number> => {
      print(`starting ${name}...`);
      const pid = startDetached({
        command: nodeCommand(serviceEntries[name]),
        cwd: repoRoot,
        env: serviceProcessEnv(name),
        log: state.logFile(name),
        lifetime: options.lifetime,
      });
      state.writePid(name, pid);
      await waitUntil(name, () => probe(host, ports[name], { kind: "http", path: "/api/v1/health" }), {
        timeoutMs: 120_000,
        pid,
        log: state.logFile(name),
      });
      return pid;
    };
    const dataPid = await startService("data-api");
    print("bootstrapping the seed dataset and the glossary (data-api bootstrap)...");
    await runToCompletion({
      command: nodeCommand(serviceEntries.bootstrap),
      env: serviceProcessEnv("data-api"),
      log: state.logFile("data-bootstrap"),
      cwd: repoRoot,
    }).catch((error: unknown) => {
      throw new PlatformError(`the data-api bootstrap failed: ${(error as Error).message}`);
    });
    await startService("agent-api");
    await waitUntil("data-api readiness", () => probe(host, ports["data-api"], { kind: "http", path: "/api/v1/ready" }), {
      timeoutMs: 60_000,
      pid: dataPid,
    });

    const record: PlatformRecord = { ports, model, lifetime: options.lifetime ?? null, startedAt: new Date().toISOString() };
    state.writeRecord(record);
    writeFileSync(pocScriptPath(state), pocTestScript(seedEndpoints(record)), { mode: 0o700 });
    for (const line of describe(record, state)) print(line);
    return record;
  } catch (error) {
    print("start-up failed; stopping what was started");
    await down(options, () => undefined);
    throw error;
  }
}

/** The flag that names `state` on a command line, empty for the default directory. */
function stateDirFlag(state: StateDir, env: NodeJS.ProcessEnv): string {
  return state.path === defaultStateDir(env) ? "" : ` --state-dir ${shellQuote(state.path)}`;
}

/**
 * For a command that found no platform in `state`: the other state
 * directories `up` ran in, with what runs there, and how to name one.
 */
export function elsewhereHint(state: StateDir, command: string, env: NodeJS.ProcessEnv): string {
  const others = knownStateDirs(env).filter((path) => path !== state.path);
  if (others.length === 0) return "no other state directory is known here; name one with --state-dir DIR";
  const lines = others.map((path) => {
    const running = runningPids(new StateDir(path));
    return `  ${path} (${running.length === 0 ? "stopped" : `running: ${running.map((r) => `${r.name} ${r.pid}`).join(", ")}`})`;
  });
  const example = others.find((path) => runningPids(new StateDir(path)).length > 0) ?? others[0]!;
  return [`state directories \`up\` ran in:`, ...lines, `name one: npm run platform -- ${command} --state-dir ${shellQuote(example)}`].join(
    "\n",
  );
}

export function describe(record: PlatformRecord, state: StateDir, env: NodeJS.ProcessEnv = process.env): string[] {
  const flag = stateDirFlag(state, env);
  const p = record.ports;
  const e = seedEndpoints(record);
  const lines = [
    "",
    "ONE-DATA-STUDIO is up on this machine:",
    `  page       ${url(p["agent-api"])}/            ask questions, browse datasets, upload a CSV`,
    `  Agent API  ${url(p["agent-api"])}`,
    `  Data API   ${url(p["data-api"])}`,
    `  model      ${record.model.endpoint}/v1          ${record.model.name}${record.model.kind === "external" ? " (MODEL_ENDPOINT, not started here)" : ""}`,
    `  MinIO      ${url(p.minio)}  console ${url(p["minio-console"])}`,
    `  MariaDB    ${host}:${p.mariadb}          npm run platform -- sql${flag}`,
    `  Redis      ${host}:${p.redis}`,
    `  Milvus     ${host}:${p.milvus}          (Milvus Lite, gRPC)`,
    `  state      ${state.path}  (generated credentials in ${state.envFile}, mode 600; \`set -a; . ${state.envFile}; set +a\`)`,
    record.lifetime
      ? `  lifetime   every process stops by itself after ${record.lifetime}`
      : "  lifetime   until `npm run platform -- down`",
    "",
    "The seed playbook's checks, for this platform:",
  ];
  let section = "";
  for (const check of seedChecks(e, pocScriptPath(state))) {
    if (check.section !== section) {
      section = check.section;
      lines.push(`  # ${section}`);
    }
    lines.push(`  # ${check.title}`, `  ${check.command}`);
  }
  lines.push("", `More: npm run platform -- status${flag} | logs${flag} [component] | down${flag};  npm run verify -- --local${flag}`);
  return lines;
}

/** Stops every process of the platform in the state directory; returns how many it found. */
export async function down(options: Pick<Options, "stateDir">, print: (line: string) => void): Promise<number> {
  const state = new StateDir(options.stateDir);
  let found = 0;
  for (const c of [...components].reverse()) {
    const pid = state.readPid(c.name);
    if (pid === undefined) continue;
    found += 1;
    const outcome = await stopProcess(pid);
    state.removePid(c.name);
    print(`${c.name.padEnd(10)} ${String(pid).padEnd(8)} ${outcome}`);
  }
  return found;
}

export interface ComponentStatus {
  name: ComponentName;
  pid: number | undefined;
  running: boolean;
  endpoint: string;
  healthy: boolean;
  /** Dependencies down that leave it ready but not whole (the Data API without Milvus: no knowledge search). */
  degraded: string[];
}

/** What the Data API's readiness lists as degraded; empty when it does not answer (then it is unhealthy anyway). */
async function degradedOf(port: number): Promise<string[]> {
  try {
    const response = await fetch(`${url(port)}/api/v1/ready`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { data?: { degraded?: unknown } };
    const degraded = body.data?.degraded;
    return Array.isArray(degraded) ? degraded.map(String) : [];
  } catch {
    return [];
  }
}

export async function status(options: Pick<Options, "stateDir">): Promise<{ record: PlatformRecord | undefined; rows: ComponentStatus[] }> {
  const state = new StateDir(options.stateDir);
  const record = state.readRecord();
  if (!record) return { record, rows: [] };
  const rows = await Promise.all(
    components
      .filter((c) => runsLocally(c, record.model) || c.name === "model")
      .map(async (c): Promise<ComponentStatus> => {
        const pid = state.readPid(c.name);
        const external = c.name === "model" && modelPort(record) === undefined;
        return {
          name: c.name,
          pid,
          running: external || (pid !== undefined && isAlive(pid)),
          endpoint: external ? `${record.model.endpoint} (external)` : `${host}:${record.ports[c.name]}`,
          healthy: await health(c, record),
          degraded: c.name === "data-api" ? await degradedOf(record.ports[c.name]) : [],
        };
      }),
  );
  return { record, rows };
}

export function logs(options: Pick<Options, "stateDir" | "lines" | "follow" | "rest">, print: (line: string) => void): Promise<number> {
  const state = new StateDir(options.stateDir);
  const known = [...components.map((c) => c.name as string), "data-bootstrap"];
  const wanted = options.rest.length > 0 ? options.rest : known;
  for (const name of wanted) {
    if (!known.includes(name)) throw new PlatformError(`no component ${JSON.stringify(name)}; one of ${known.join(", ")}`);
  }
  if (options.follow) {
    const tail = spawn("tail", ["-n", String(options.lines), "-F", ...wanted.map((n) => state.logFile(n))], { stdio: "inherit" });
    return new Promise((resolve) => tail.once("exit", (code) => resolve(code ?? 0)));
  }
  for (const name of wanted) {
    print(`==> ${state.logFile(name)} <==`);
    print(lastLines(state.logFile(name), options.lines));
  }
  return Promise.resolve(0);
}

/**
 * The MariaDB client as the platform's owner user. The option file names host,
 * port and user itself, and the variables the client would otherwise read
 * (MYSQL_HOST from a sourced env file makes it ignore --socket) are dropped.
 */
export function sql(options: Pick<Options, "stateDir" | "rest">): number {
  const state = new StateDir(options.stateDir);
  if (!existsSync(state.mariadbClientConfig)) {
    throw new PlatformError(
      `no platform in ${state.path}: \`npm run platform -- up\` makes one\n${elsewhereHint(state, "sql", process.env)}`,
    );
  }
  const mariadbPid = state.readPid("mariadb");
  if (mariadbPid === undefined || !isAlive(mariadbPid)) {
    throw new PlatformError(
      `the MariaDB of the platform in ${state.path} is not running: npm run platform -- up${stateDirFlag(state, process.env)}`,
    );
  }
  const env = { ...process.env };
  for (const name of ["MYSQL_HOST", "MYSQL_TCP_PORT", "MYSQL_UNIX_PORT", "MYSQL_PWD"]) delete env[name];
  const result = spawnSync("mariadb", [`--defaults-file=${state.mariadbClientConfig}`, ...options.rest], { stdio: "inherit", env });
  if (result.error) throw new PlatformError(`cannot run the mariadb client: ${result.error.message}`);
  return result.status ?? 1;
}

export function checks(options: Pick<Options, "stateDir">): string[] {
  const state = new StateDir(options.stateDir);
  const record = state.readRecord();
  if (!record) throw new PlatformError(`no platform in ${state.path}: run \`npm run platform -- up\` first`);
  return seedChecks(seedEndpoints(record), pocScriptPath(state)).map((c) => `# ${c.section} ${c.title}\n${c.command}`);
}
