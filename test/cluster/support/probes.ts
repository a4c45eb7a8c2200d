import { ourImages, type Manifest, type OurImageKey } from "@one-data/topology";

type ProbeKind = "readiness" | "liveness" | "startup";

/** One HTTP probe of one of our containers, its port resolved as the kubelet resolves it. */
export interface HttpProbe {
  readonly workload: string;
  readonly container: string;
  readonly image: OurImageKey;
  /** The repository entry point the container runs (dist/X.js of its workspace, as source). */
  readonly entry: string;
  readonly kind: ProbeKind;
  readonly path: string;
  readonly port: number;
}

interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  readinessProbe?: ProbeSpec;
  livenessProbe?: ProbeSpec;
  startupProbe?: ProbeSpec;
}

interface ProbeSpec {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: unknown;
  exec?: unknown;
  grpc?: unknown;
}

const probeFields = { readiness: "readinessProbe", liveness: "livenessProbe", startup: "startupProbe" } as const;

/** Which of our images a container runs, by the image's repository name (any registry, any tag). */
function ourImageOf(image: string): OurImageKey | undefined {
  const repository = image
    .replace(/:[^/:]+$/, "")
    .split("/")
    .pop();
  return (Object.keys(ourImages) as OurImageKey[]).find((key) => ourImages[key].name === repository);
}

function entryOf(key: OurImageKey, container: ContainerSpec): string {
  const script =
    [...(container.command ?? []), ...(container.args ?? [])].find((a) => /^dist\/.+\.js$/.test(a)) ?? ourImages[key].entryPoints[0];
  return `${ourImages[key].workspace}/${script.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")}`;
}

/**
 * Every probe of every container of ours in the given manifests. A probe
 * whose port cannot be resolved through the container spec, or that targets a
 * port the service does not listen on (its PORT env), is an error: the
 * kubelet would probe a closed port.
 */
export function httpProbesOf(manifests: readonly Manifest[]): HttpProbe[] {
  const out: HttpProbe[] = [];
  for (const m of manifests) {
    const podSpec = (m as { spec?: { template?: { spec?: { containers?: ContainerSpec[] } } } }).spec?.template?.spec;
    for (const c of podSpec?.containers ?? []) {
      const image = ourImageOf(c.image);
      if (image === undefined) continue;
      for (const kind of Object.keys(probeFields) as ProbeKind[]) {
        const probe = c[probeFields[kind]];
        if (!probe) continue;
        const where = `${m.kind} ${m.metadata?.namespace}/${m.metadata?.name} container ${c.name} ${probeFields[kind]}`;
        if (!probe.httpGet) throw new Error(`${where}: only httpGet probes are held to the service here; add the check for this kind`);
        const port = resolvePort(probe.httpGet.port, c, where);
        const listens = c.env?.find((e) => e.name === "PORT")?.value;
        if (listens === undefined) throw new Error(`${where}: the container sets no PORT, so the port the service listens on is unknown`);
        if (Number(listens) !== port) throw new Error(`${where}: probes port ${port}, but the service listens on PORT=${listens}`);
        out.push({
          workload: m.metadata!.name!,
          container: c.name,
          image,
          entry: entryOf(image, c),
          kind,
          path: probe.httpGet.path ?? "/",
          port,
        });
      }
    }
  }
  return out;
}

function resolvePort(port: number | string, c: ContainerSpec, where: string): number {
  if (typeof port === "number") return port;
  const named = c.ports?.find((p) => p.name === port);
  if (!named)
    throw new Error(
      `${where}: port "${port}" is not a named port of the container (${(c.ports ?? []).map((p) => p.name).join(", ") || "none"})`,
    );
  return named.containerPort;
}
