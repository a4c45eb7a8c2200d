/**
 * After `deploy`: the scripts behind `status`, `logs`, `forward` and
 * `kubeconfig`, and the text deploy ends with. Component names, namespaces,
 * selectors and ports come from names.ts and charts.ts; the module's
 * `Component` enum is held to `componentNames` by a test.
 */
import { helmReleases, releaseSelector } from "./charts.js";
import { kindCluster, appServices, jobs, models, namespaces, type ServiceEndpoint } from "./names.js";
import { pocTestScript } from "./seed-checks.js";
import { appSelector, selectorString } from "./labels.js";
import { connectPrelude, mountedKubeconfigPath, phaseOrder, type Env, type Phase } from "./plan.js";
import { jobPodSelector } from "./waits.js";

interface Component {
  readonly name: string;
  readonly namespace: string;
  /** `-l` selector of its pods. */
  readonly selector: string;
  readonly kind: "deployment" | "job" | "helm release";
}

/** Every workload of ours and every infra release, by the name users type (`--component=data-api`). */
const components: readonly Component[] = [
  ...Object.values(appServices).map((s) => ({
    name: s.name,
    namespace: s.namespace,
    selector: selectorString(appSelector(s.name)),
    kind: "deployment" as const,
  })),
  ...Object.values(jobs).map((j) => ({ name: j.name, namespace: j.namespace, selector: jobPodSelector(j.name), kind: "job" as const })),
  ...helmReleases.map((r) => ({ name: r.release, namespace: r.namespace, selector: releaseSelector(r), kind: "helm release" as const })),
];

export const componentNames = components.map((c) => c.name);

function component(name: string): Component {
  const found = components.find((c) => c.name === name);
  if (!found) throw new Error(`no component named ${name}; components are ${componentNames.join(", ")}`);
  return found;
}

/** `logs --component=<name> --tail=N`: the last lines of every container of the component's pods. */
export function logsScript(env: Env, name: string, tail: number): string {
  const c = component(name);
  if (!Number.isInteger(tail) || tail < 1) throw new Error(`--tail must be a positive whole number, not ${tail}`);
  return [
    connectPrelude(env),
    `pods=$(kubectl -n ${c.namespace} get pods -l '${c.selector}' -o name)`,
    `if [ -z "$pods" ]; then`,
    `  echo "no pods of ${c.kind} ${c.name} in ${c.namespace} (selector ${c.selector}): has deploy run this far? (dagger call status)" >&2`,
    `  exit 1`,
    `fi`,
    // kubectl prints nothing and exits 0 for pods that never started, which reads as "no output, all fine".
    `rc=0`,
    `while read -r pod; do`,
    `  phase=$(kubectl -n ${c.namespace} get "$pod" -o jsonpath='{.status.phase}')`,
    `  if [ "$phase" = Pending ]; then`,
    `    why=$(kubectl -n ${c.namespace} get "$pod" -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].reason}{" "}{.status.containerStatuses[*].state.waiting.reason}')`,
    `    read -r why <<<"$why" || true`,
    `    echo "$pod of ${c.kind} ${c.name} has not started (Pending\${why:+: $why}): no logs yet; see dagger call status" >&2`,
    `    rc=1`,
    `  fi`,
    `done <<<"$pods"`,
    `kubectl -n ${c.namespace} logs -l '${c.selector}' --all-containers --prefix --tail=${tail} --max-log-requests=10 || rc=$?`,
    `exit "$rc"`,
  ].join("\n");
}

/** The namespace each deploy phase fills (the cluster phase has none of ours). */
const phaseNamespaces: Readonly<Record<Exclude<Phase, "cluster">, string>> = {
  infra: namespaces.infra,
  data: namespaces.data,
  model: namespaces.model,
  agent: namespaces.agent,
};

/**
 * `status`: per phase, the Helm releases and their state, the Deployments,
 * StatefulSets and Jobs with their ready counts, and every pod that is not
 * Ready with its reason, last events and last log lines. Exits 1 when
 * anything is not ready.
 */
export function statusScript(env: Env): string {
  // Fields separated by "|": an absent field (no ready replica yet) stays an empty field instead of shifting the rest.
  const workloads = `'{range .items[*]}{.kind}/{.metadata.name}|{.status.readyReplicas}|{.spec.replicas}{"\\n"}{end}'`;
  const jobsReady = `'{range .items[*]}Job/{.metadata.name}|{.status.succeeded}|{.spec.completions}{"\\n"}{end}'`;
  const pods =
    `'{range .items[*]}{.metadata.name}|{.status.phase}|{range .status.conditions[?(@.type=="Ready")]}{.status}{end}|` +
    `{range .status.containerStatuses[*]}{" "}{.state.waiting.reason}{.state.terminated.reason}{end}{"\\n"}{end}'`;
  const lines = [connectPrelude(env), `rc=0`];
  for (const phase of phaseOrder) {
    if (phase === "cluster") continue;
    const ns = phaseNamespaces[phase];
    lines.push(`echo "== phase ${phase} (namespace ${ns})"`);
    for (const r of helmReleases.filter((h) => h.namespace === ns)) {
      lines.push(
        `state=$(helm -n ${ns} status ${r.release} 2>/dev/null | sed -n 's/^STATUS: //p') || true`,
        `echo "  helm ${r.release} (${r.chart}@${r.version}): \${state:-not installed}"`,
        `[ "$state" = deployed ] || rc=1`,
      );
    }
    lines.push(
      `{ kubectl -n ${ns} get deployments,statefulsets -o jsonpath=${workloads}; kubectl -n ${ns} get jobs -o jsonpath=${jobsReady}; } >/work/status-workloads`,
      `while IFS='|' read -r what ready want; do`,
      `  [ -n "$what" ] || continue`,
      `  mark=ready; [ "\${ready:-0}" -ge "\${want:-1}" ] || { mark="NOT READY"; rc=1; }`,
      `  echo "  $what \${ready:-0}/\${want:-1} $mark"`,
      `done </work/status-workloads`,
      `kubectl -n ${ns} get pods -o jsonpath=${pods} >/work/status-pods`,
      `while IFS='|' read -r pod phase ready reasons; do`,
      `  [ -n "$pod" ] || continue`,
      `  if [ "$phase" = Succeeded ] || [ "$ready" = True ]; then continue; fi`,
      `  rc=1`,
      `  echo "  pod $pod not ready: $phase \${reasons:-}"`,
      `  echo "    last events:"`,
      `  kubectl -n ${ns} get events --field-selector "involvedObject.name=$pod" --sort-by=.lastTimestamp 2>&1 | tail -n 5 | sed 's/^/      /' || true`,
      `  echo "    last log lines:"`,
      `  kubectl -n ${ns} logs "$pod" --all-containers --tail=10 2>&1 | sed 's/^/      /' || true`,
      `done </work/status-pods`,
    );
  }
  lines.push(`if [ $rc -eq 0 ]; then echo "everything is ready"; else echo "something is not ready (above)"; fi`, `exit $rc`);
  return lines.join("\n");
}

/** What `forward` serves on the host, on the seed's ports (3.4, 4.3, 5.3). */
interface ForwardedPort {
  readonly service: ServiceEndpoint;
  readonly local: number;
  readonly what: string;
}

export const forwardedPorts: readonly ForwardedPort[] = [
  { service: appServices.dataApi, local: 8080, what: "Data API (/api/v1/...)" },
  { service: appServices.agentApi, local: 8081, what: "Agent API and its page (/ and /api/v1/...)" },
  { service: appServices.vllmServing, local: 8000, what: "model server, OpenAI-compatible (/v1/...)" },
];

/** `forward`: one `kubectl port-forward` per service, on every address of the forwarding container; ends when one ends. */
export function forwardScript(env: Env): string {
  return [
    connectPrelude(env),
    ...forwardedPorts.map(
      (p) => `kubectl -n ${p.service.namespace} port-forward --address 0.0.0.0 service/${p.service.name} ${p.local}:${p.service.port} &`,
    ),
    `status=0`,
    `wait -n || status=$?`,
    `echo "a port-forward ended (exit $status); stopping the others" >&2`,
    `jobs -p | xargs -r kill 2>/dev/null || true`,
    `exit 1`,
  ].join("\n");
}

/**
 * `seed-checks`: the seed's 6.1 script (pocTestScript, the same the local
 * platform writes) against the deployed platform, through port-forwards on
 * the tool container's loopback on the seed's ports. Exits 1 when a check fails.
 */
export function seedChecksScript(env: Env): string {
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const [data, agent, model] = forwardedPorts as readonly [ForwardedPort, ForwardedPort, ForwardedPort];
  const script = pocTestScript({ dataApi: url(data.local), agentApi: url(agent.local), model: url(model.local), modelName: models.chat });
  return [
    connectPrelude(env),
    ...forwardedPorts.map(
      (p) =>
        `kubectl -n ${p.service.namespace} port-forward service/${p.service.name} ${p.local}:${p.service.port} >/work/forward-${p.service.name}.log 2>&1 &`,
    ),
    `trap 'jobs -p | xargs -r kill 2>/dev/null || true' EXIT`,
    // Until every forward answers, a minute at most, or every forward has ended.
    `deadline=$((SECONDS + 60))`,
    `for port in ${forwardedPorts.map((p) => p.local).join(" ")}; do`,
    `  until curl -s -o /dev/null "http://127.0.0.1:$port/" || [ $SECONDS -ge $deadline ] || [ -z "$(jobs -pr)" ]; do sleep 1; done`,
    `done`,
    `cat >/work/poc-test.sh <<'ONE_DATA_POC'`,
    script.trimEnd(),
    `ONE_DATA_POC`,
    `if bash /work/poc-test.sh; then exit 0; fi`,
    `for log in /work/forward-*.log; do`,
    `  if [ -s "$log" ]; then echo "--- $log"; cat "$log"; fi`,
    `done`,
    `exit 1`,
  ].join("\n");
}

export const hostKubeconfigPath = "/work/kubeconfig.host";

/**
 * `kubeconfig`: for Kind, the kubeconfig kind writes for the host, whose
 * server is the API port Kind publishes on 127.0.0.1; for an existing
 * cluster, the kubeconfig the user gave.
 */
export function hostKubeconfigScript(env: Env): string {
  if (env === "cluster") return `(umask 077 && cp ${mountedKubeconfigPath} ${hostKubeconfigPath})`;
  return [
    `(umask 077 && kind get kubeconfig --name ${kindCluster.name} >${hostKubeconfigPath})`,
    `if ! grep -q 'server: https://127.0.0.1:' ${hostKubeconfigPath}; then`,
    `  echo "kind's kubeconfig for ${kindCluster.name} does not point at 127.0.0.1: was the cluster made by this deploy?" >&2`,
    `  exit 1`,
    `fi`,
  ].join("\n");
}

/** What deploy prints at its end: how to reach each endpoint and how to check it. */
export function afterDeployText(env: Env): string {
  const envFlag = env === "cluster" ? " --env=cluster --kubeconfig=file://$HOME/.kube/config" : "";
  return [
    "After deploy:",
    `  dagger call forward${envFlag} up --ports=${forwardedPorts.map((p) => `${p.local}:${p.local}`).join(",")}`,
    ...forwardedPorts.map((p) => `    http://localhost:${p.local}  ${p.what}`),
    `  dagger call seed-checks${envFlag}          the seed's checks 3.4, 4.3, 5.3, 6.1 (✓/✗ per check)`,
    `  dagger call status${envFlag}               what is not ready, with reasons, events and last log lines`,
    `  dagger call logs${envFlag} --component=agent-api --tail=100`,
    `    components: ${componentNames.join(", ")}`,
    `  dagger call kubeconfig${envFlag} export --path=./kubeconfig   a kubeconfig for kubectl on this machine`,
    `  dagger call verify${env === "cluster" ? envFlag : ""}               the acceptance suite as a Job`,
  ].join("\n");
}
