/**
 * What a plan asks of the machine, and the preflight that compares it with
 * the host's Docker before Kind is created. The totals are the requests in
 * the plan's own manifests, the chart values' requests (charts.ts, held to
 * k8s/helm/ by a test) and Kind's system pods; `plan` prints them.
 */
import { helmReleases } from "./charts.js";
import type { Manifest } from "./manifests.js";
import type { PhasePlan } from "./plan.js";
import { ensureHubImageScript, type RegistryMirrors } from "./sources.js";

export interface Requests {
  readonly cpuMillis: number;
  readonly memoryBytes: number;
  readonly storageBytes: number;
}

export interface PlanRequests {
  readonly total: Requests;
  readonly parts: readonly { readonly source: string; readonly requests: Requests }[];
}

/** `500m` -> 500, `2` -> 2000. */
export function cpuMillis(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity.trim());
  if (!m) throw new Error(`not a CPU quantity: ${quantity}`);
  return m[2] === "m" ? Number(m[1]) : Math.round(Number(m[1]) * 1000);
}

const byteUnits: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** `512Mi` -> 536870912. */
export function bytes(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity.trim());
  if (!m) throw new Error(`not a byte quantity: ${quantity}`);
  return Math.round(Number(m[1]) * byteUnits[m[2] ?? ""]!);
}

const zero: Requests = { cpuMillis: 0, memoryBytes: 0, storageBytes: 0 };
const add = (a: Requests, b: Requests): Requests => ({
  cpuMillis: a.cpuMillis + b.cpuMillis,
  memoryBytes: a.memoryBytes + b.memoryBytes,
  storageBytes: a.storageBytes + b.storageBytes,
});

/**
 * Kind's own pods (kubeadm's static pods, CoreDNS, kindnet on each node),
 * as kind v0.32's node image requests them.
 */
export const kindSystemRequests: Requests = {
  // kube-apiserver 250m, controller-manager 200m, scheduler 100m, etcd 100m, CoreDNS 2 x 100m, kindnet 3 x 100m
  cpuMillis: 250 + 200 + 100 + 100 + 2 * 100 + 3 * 100,
  // etcd 100Mi, CoreDNS 2 x 70Mi, kindnet 3 x 50Mi
  memoryBytes: (100 + 2 * 70 + 3 * 50) * 2 ** 20,
  storageBytes: 0,
};

interface PodSpecLike {
  containers?: { resources?: { requests?: Record<string, string> } }[];
}

/** A workload's requests: its containers' requests times its replicas; a PVC's storage. */
function manifestRequests(m: Manifest): Requests {
  const spec = (m as { spec?: { replicas?: number; template?: { spec?: PodSpecLike }; resources?: { requests?: Record<string, string> } } })
    .spec;
  if (m.kind === "PersistentVolumeClaim") return { ...zero, storageBytes: bytes(spec?.resources?.requests?.["storage"] ?? "0") };
  if (!["Deployment", "StatefulSet", "Job"].includes(m.kind ?? "")) return zero;
  const replicas = m.kind === "Job" ? 1 : (spec?.replicas ?? 1);
  return (spec?.template?.spec?.containers ?? []).reduce((sum, c) => {
    const r = c.resources?.requests ?? {};
    return add(sum, {
      cpuMillis: cpuMillis(r["cpu"] ?? "0") * replicas,
      memoryBytes: bytes(r["memory"] ?? "0") * replicas,
      storageBytes: 0,
    });
  }, zero);
}

/** The requests of what this plan deploys, by source; Kind's own pods when the plan creates Kind. */
export function planRequests(plan: readonly PhasePlan[], options: { readonly kind: boolean }): PlanRequests {
  const manifests = plan.flatMap((p) => p.steps.flatMap((s) => (s.kind === "shell" && s.manifests ? [...s.manifests] : [])));
  const charts = plan.some((p) => p.phase === "infra") ? helmReleases.flatMap((r) => r.requests) : [];
  const parts = [
    { source: "our manifests", requests: manifests.map(manifestRequests).reduce(add, zero) },
    {
      source: "chart values",
      requests: charts
        .map((c) => ({
          cpuMillis: cpuMillis(c.cpu),
          memoryBytes: bytes(c.memory),
          storageBytes: c.storage.map(bytes).reduce((a, b) => a + b, 0),
        }))
        .reduce(add, zero),
    },
    ...(options.kind && plan.some((p) => p.phase === "cluster") ? [{ source: "Kind's system pods", requests: kindSystemRequests }] : []),
  ];
  return { total: parts.map((p) => p.requests).reduce(add, zero), parts };
}

const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
const cpus = (m: number) => `${(m / 1000).toFixed(2)} CPU`;

function formatRequests(r: Requests): string {
  return `${cpus(r.cpuMillis)}, ${gib(r.memoryBytes)} memory, ${gib(r.storageBytes)} volumes`;
}

/** The totals `plan` prints. */
export function formatPlanRequests(requests: PlanRequests): string {
  return [
    `requests: ${formatRequests(requests.total)} (image layers and model weights not counted)`,
    ...requests.parts.map((p) => `  ${p.source}: ${formatRequests(p.requests)}`),
  ].join("\n");
}

/**
 * Preflight (Kind): reads the host Docker's CPUs, memory, architecture and
 * the free disk under its data root (with `df` in `image`, pulled unless
 * present, through the docker.io mirror when there is one: the Kind node
 * image, needed next anyway), and refuses before
 * anything is created when it has less than the plan requests, naming each
 * shortfall and what to change.
 */
export function preflightScript(
  requests: PlanRequests,
  image: { readonly repository: string; readonly tag: string },
  mirrors?: RegistryMirrors,
): string {
  const need = requests.total;
  const dfImage = `${image.repository}:${image.tag}`;
  const advice =
    "give Docker more (Docker Desktop: Settings > Resources), deploy fewer phases (--phases), or use an existing cluster (--env=cluster)";
  return [
    `info=$(docker info --format '{{.NCPU}} {{.MemTotal}} {{.Architecture}} {{.DockerRootDir}}')`,
    `read -r cpus memory arch root <<<"$info"`,
    ensureHubImageScript(image, mirrors),
    `free_kib=$(docker run --rm --network none -v "$root:/data-root:ro" --entrypoint df ${dfImage} -Pk /data-root | awk 'NR == 2 { print $4 }')`,
    `echo "host Docker: $cpus CPUs, $((memory / 1048576)) MiB memory, $arch, $((free_kib / 1024)) MiB free under $root"`,
    `echo "plan requests: ${formatRequests(need)}"`,
    `short=()`,
    `[ $((cpus * 1000)) -ge ${need.cpuMillis} ] || short+=("CPU: Docker has $cpus, the plan requests ${cpus(need.cpuMillis)}")`,
    `[ "$memory" -ge ${need.memoryBytes} ] || short+=("memory: Docker has $((memory / 1048576)) MiB, the plan requests ${Math.ceil(need.memoryBytes / 2 ** 20)} MiB")`,
    `[ $((free_kib * 1024)) -ge ${need.storageBytes} ] || short+=("disk: $((free_kib / 1024)) MiB free under $root, the plan's volumes request ${Math.ceil(need.storageBytes / 2 ** 20)} MiB")`,
    `case $arch in x86_64 | amd64 | aarch64 | arm64) ;; *) short+=("architecture: $arch; the images exist for amd64 and arm64") ;; esac`,
    `if [ \${#short[@]} -gt 0 ]; then`,
    `  echo "preflight: the host's Docker is short of what the plan requests; nothing was created:" >&2`,
    `  printf '  - %s\\n' "\${short[@]}" >&2`,
    `  echo "  ${advice}" >&2`,
    `  exit 1`,
    `fi`,
    `echo "preflight: enough for the plan"`,
  ].join("\n");
}
