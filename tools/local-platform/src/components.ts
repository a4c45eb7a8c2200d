/**
 * What the local platform is made of, in start order: one source of truth for
 * names, default ports and how each is probed, read by up, status, down and
 * the printed commands.
 */

export type ComponentName = "mariadb" | "redis" | "minio" | "milvus" | "model" | "data-api" | "agent-api";

/** How `status` and `up` tell that a component answers. */
export type Probe = { kind: "tcp" } | { kind: "http"; path: string };

export interface Component {
  name: ComponentName;
  /** Started by scripts/local/servers.sh (the test command's servers) or by this CLI (our services). */
  startedBy: "servers.sh" | "cli";
  probe: Probe;
  /** The seed's port where it names one; otherwise the server's usual port, moved off the one a system install may hold. */
  defaultPort: number;
  /** Offset from --port-base, in the same order as scripts/local/servers.sh assigns them. */
  baseOffset: number;
}

export const components: readonly Component[] = [
  { name: "mariadb", startedBy: "servers.sh", probe: { kind: "tcp" }, defaultPort: 13306, baseOffset: 1 },
  { name: "redis", startedBy: "servers.sh", probe: { kind: "tcp" }, defaultPort: 16379, baseOffset: 2 },
  { name: "minio", startedBy: "servers.sh", probe: { kind: "http", path: "/minio/health/ready" }, defaultPort: 9000, baseOffset: 3 },
  { name: "milvus", startedBy: "servers.sh", probe: { kind: "tcp" }, defaultPort: 19530, baseOffset: 5 },
  { name: "model", startedBy: "servers.sh", probe: { kind: "http", path: "/v1/models" }, defaultPort: 8000, baseOffset: 6 },
  { name: "data-api", startedBy: "cli", probe: { kind: "http", path: "/api/v1/ready" }, defaultPort: 8080, baseOffset: 7 },
  { name: "agent-api", startedBy: "cli", probe: { kind: "http", path: "/api/v1/health" }, defaultPort: 8081, baseOffset: 8 },
];

/** MinIO's console is not a component of its own, but it needs a port. */
const minioConsole = { defaultPort: 9001, baseOffset: 4 } as const;

export type PortName = ComponentName | "minio-console";
export type Ports = Record<PortName, number>;

const portNames: readonly PortName[] = [...components.map((c) => c.name), "minio-console"];

export function defaultPorts(base?: number): Ports {
  const ports = {} as Ports;
  for (const c of components) ports[c.name] = base === undefined ? c.defaultPort : base + c.baseOffset;
  ports["minio-console"] = base === undefined ? minioConsole.defaultPort : base + minioConsole.baseOffset;
  return ports;
}

export function isPortName(value: string): value is PortName {
  return (portNames as readonly string[]).includes(value);
}

/** The variables scripts/local/servers.sh reads for each server's port. */
export function serverPortEnv(ports: Ports): Record<string, string> {
  return {
    MARIADB_PORT: String(ports.mariadb),
    REDIS_PORT: String(ports.redis),
    MINIO_PORT: String(ports.minio),
    MINIO_CONSOLE_PORT: String(ports["minio-console"]),
    MILVUS_PORT: String(ports.milvus),
    MODEL_PORT: String(ports.model),
  };
}
