/**
 * The local servers' target (scripts/local/servers.sh, the test command, `npm
 * run platform`): the variables of wiring.ts at 127.0.0.1 and the ports the
 * servers listen on, with credentials generated once per state directory into
 * its `secrets` file (mode 600) and reused, so a kept MariaDB or MinIO still
 * accepts them after a restart.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { smallModelName } from "./names.js";
import { shellQuote } from "./seed-checks.js";
import { wiringEnv, type Credential, type CredentialSource, type Dependency, type Endpoints, type Wired } from "./wiring.js";

const localHost = "127.0.0.1";

/** The servers servers.sh starts, and what each of them is to the services. */
const localServers = {
  mariadb: ["mysql"],
  redis: ["redis"],
  minio: ["s3"],
  milvus: ["milvus"],
  model: ["model", "embedding"],
} as const satisfies Record<string, readonly Dependency[]>;

export type LocalServer = keyof typeof localServers;

function isLocalServer(name: string): name is LocalServer {
  return Object.hasOwn(localServers, name);
}

/** The account the services use on the local MariaDB: it runs migrations and creates the read-only user, as root does in the chart. */
const localMysqlOwner = "one_data_owner";

/** Names in the state directory's `secrets` file. The kube-apiserver's admin token is not a service's, but generated the same way. */
const secretNames = {
  mysqlPassword: "mariadb_owner",
  mysqlReadonlyPassword: "mariadb_reader",
  redisPassword: "redis",
  s3AccessKey: "minio_access",
  s3SecretKey: "minio_secret",
  kubeAdminToken: "kube_admin_token",
} as const;

type LocalSecret = keyof typeof secretNames;

/** The state directory's secrets, generating each missing one into the file. */
export function localSecrets(stateDir: string): Record<LocalSecret, string> {
  const file = join(stateDir, "secrets");
  const stored = new Map<string, string>();
  if (existsSync(file)) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const at = line.indexOf("=");
      if (at > 0 && !stored.has(line.slice(0, at))) stored.set(line.slice(0, at), line.slice(at + 1));
    }
  }
  const added: string[] = [];
  const secrets = {} as Record<LocalSecret, string>;
  for (const [key, name] of Object.entries(secretNames) as [LocalSecret, string][]) {
    let value = stored.get(name);
    if (!value) {
      value = randomBytes(16).toString("hex");
      added.push(`${name}=${value}\n`);
    }
    secrets[key] = value;
  }
  if (added.length > 0) writeFileSync(file, added.join(""), { flag: "a", mode: 0o600 });
  return secrets;
}

/** Local credentials as literal values: the env file holds them (mode 600), as the test command sources it. */
export function localCredential(secrets: Record<LocalSecret, string>): CredentialSource<{ value: string }> {
  return (credential: Credential) => {
    switch (credential) {
      case "s3AccessKey":
        // MinIO's root user is a readable name; its password is the secret part.
        return { value: `one-data-${secrets.s3AccessKey.slice(0, 8)}` };
      case "modelApiKey":
      case "embeddingApiKey":
        return undefined;
      default:
        return { value: secrets[credential] };
    }
  };
}

const url = (port: number) => `http://${localHost}:${port}`;

/** Where each local server answers, by port. */
export function localEndpoints(ports: Readonly<Record<LocalServer, number>>): Omit<Endpoints, "dataApi" | "agentApi"> {
  return {
    mysql: { host: localHost, port: ports.mariadb, user: localMysqlOwner },
    redis: { host: localHost, port: ports.redis },
    s3: { endpoint: url(ports.minio) },
    milvus: { address: `${localHost}:${ports.milvus}` },
    model: { endpoint: url(ports.model), name: smallModelName },
    embedding: { endpoint: url(ports.model), model: smallModelName },
  };
}

/** The servers started, from `SERVER=PORT` arguments (`cli.ts local-env`, the acceptance run's). */
export function startedServers(args: readonly string[]): Partial<Record<LocalServer, number>> {
  const started: Partial<Record<LocalServer, number>> = {};
  for (const arg of args) {
    const [name, port] = arg.split("=");
    if (!name || !isLocalServer(name) || !/^\d+$/.test(port ?? "")) throw new Error(`expected SERVER=PORT, got ${JSON.stringify(arg)}`);
    started[name] = Number(port);
  }
  return started;
}

/** Where the servers started answer; a server not started has port 0, which no variable of the started ones reads. */
export function startedEndpoints(started: Partial<Record<LocalServer, number>>): Omit<Endpoints, "dataApi" | "agentApi"> {
  const ports = Object.fromEntries(Object.keys(localServers).map((name) => [name, started[name as LocalServer] ?? 0])) as Record<
    LocalServer,
    number
  >;
  return localEndpoints(ports);
}

/** The variables for the servers started, as plain values. */
export function localServerEnv(started: Partial<Record<LocalServer, number>>, stateDir: string): Record<string, string> {
  const servers = Object.keys(started).filter(isLocalServer);
  const env = wiringEnv(
    servers.flatMap((server) => localServers[server]),
    startedEndpoints(started),
    localCredential(localSecrets(stateDir)),
  );
  return literalEnv(env);
}

/** A target's wired variables when every one of them is a literal value. */
export function literalEnv(env: Readonly<Record<string, Wired<{ value: string }>>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, wired]) => [name, wired.value]));
}

/** What a local service inherits from the person's shell: enough to run node, nothing that could shadow the wiring's variables. */
export function inheritedEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const keep = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER"];
  return Object.fromEntries(keep.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}

/** Shell-quoted `export` lines of the variables. */
export function exportLines(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}\n`)
    .join("");
}
