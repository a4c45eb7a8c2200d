import { kindCluster } from "./names.js";
import { hostsToml, type MirroredRegistry, type RegistryMirrors } from "./sources.js";

/**
 * Kind on its own Docker network. `kind create cluster` makes the `kind`
 * network, which has Docker's embedded DNS: the workers join the control
 * plane by its container name (on the default `bridge`, where the Dagger CLI
 * starts its engine, they cannot: kind#2379). The engine container is then
 * connected to that network, so the pipeline's execs reach the control plane
 * at its IP there.
 */
const kindNetwork = "kind";

/** The Dagger CLI names its engine container `dagger-engine-<version>`. */
const engineContainerFilter = "name=^dagger-engine-";

const controlPlaneContainer = `${kindCluster.name}-control-plane`;

/** Finds the engine container and connects it to the kind network; "already connected" is fine. Sets $engine. */
export function connectEngineScript(): string {
  return [
    `engine=$(docker ps --filter '${engineContainerFilter}' --format '{{.Names}}' | head -n1)`,
    `if [ -z "$engine" ]; then`,
    `  echo "no Dagger engine container on this Docker (docker ps --filter ${engineContainerFilter}): --env=kind needs the engine the Dagger CLI starts on the Docker that runs Kind" >&2`,
    `  exit 1`,
    `fi`,
    `if ! out=$(docker network connect ${kindNetwork} "$engine" 2>&1); then`,
    `  case "$out" in`,
    `    *"already exists in network"* | *"already connected"*) ;;`,
    `    *) echo "could not connect the Dagger engine ($engine) to the ${kindNetwork} network: $out" >&2; exit 1 ;;`,
    `  esac`,
    `fi`,
  ].join("\n");
}

/**
 * Writes the cluster's kubeconfig (internal, i.e. for a peer container) with
 * the server rewritten to the control plane's IP on the kind network, and
 * points kubectl at it. Sets $cp_ip.
 */
export function kindKubeconfigScript(kubeconfig: string): string {
  return [
    `(umask 077 && kind get kubeconfig --name ${kindCluster.name} --internal >${kubeconfig})`,
    `cp_ip=$(docker inspect -f '{{with index .NetworkSettings.Networks "${kindNetwork}"}}{{.IPAddress}}{{end}}' ${controlPlaneContainer})`,
    `if [ -z "$cp_ip" ]; then`,
    `  echo "${controlPlaneContainer} is not on the ${kindNetwork} network (a cluster made on another network, e.g. by an older deploy): delete it with 'kind delete cluster --name ${kindCluster.name}' and deploy again" >&2`,
    `  exit 1`,
    `fi`,
    `sed -i "s#server: https://.*#server: https://$cp_ip:6443#" ${kubeconfig}`,
    `export KUBECONFIG=${kubeconfig}`,
  ].join("\n");
}

/** Fails early, saying what to do, when the engine cannot reach the cluster's API server. */
function kindReachableScript(): string {
  return [
    `if ! kubectl get --raw=/readyz --request-timeout=15s >/dev/null 2>&1; then`,
    `  echo "the API server of Kind cluster ${kindCluster.name} (https://$cp_ip:6443 on the ${kindNetwork} network) does not answer from the Dagger engine $engine: start its node containers (docker start ${controlPlaneContainer} ...) or delete it ('kind delete cluster --name ${kindCluster.name}') and deploy again" >&2`,
    `  exit 1`,
    `fi`,
  ].join("\n");
}

/** Where the Kind configuration is written when it differs from the committed one (registry mirrors). */
export const kindConfigPath = "/work/kind-cluster.yaml";

/** containerd's directory of per-registry hosts.toml files, which the mirrors' configuration patch points it at. */
const containerdHostsDir = "/etc/containerd/certs.d";

/**
 * With registry mirrors, the Kind configuration `kind create cluster` reads:
 * the committed file plus a containerd patch pointing it at per-registry
 * hosts.toml files, written to `kindConfigPath`.
 */
export function kindConfigScript(): string {
  return [
    `{`,
    `  cat /src/${kindCluster.configPath}`,
    `  printf '%s\\n' 'containerdConfigPatches:' '  - |-' '    [plugins."io.containerd.grpc.v1.cri".registry]' '      config_path = "${containerdHostsDir}"'`,
    `} >${kindConfigPath}`,
  ].join("\n");
}

/** Writes each mirror's hosts.toml into every node of the cluster (containerd reads them without a restart). */
function nodeMirrorsScript(mirrors: RegistryMirrors): string {
  const lines = [
    `for node in $(kind get nodes --name ${kindCluster.name}); do`,
    `  if ! docker exec "$node" grep -q '${containerdHostsDir}' /etc/containerd/config.toml; then`,
    `    echo "node $node of kind cluster ${kindCluster.name} was created without the registry mirrors' containerd patch: delete it with 'kind delete cluster --name ${kindCluster.name}' and deploy again" >&2`,
    `    exit 1`,
    `  fi`,
  ];
  for (const [registry, mirror] of Object.entries(mirrors) as [MirroredRegistry, string][]) {
    lines.push(
      `  docker exec "$node" mkdir -p ${containerdHostsDir}/${registry}`,
      `  printf '%s\\n' ${hostsToml(registry, mirror)
        .split("\n")
        .map((l) => `'${l}'`)
        .join(" ")} | docker exec -i "$node" tee ${containerdHostsDir}/${registry}/hosts.toml >/dev/null`,
    );
  }
  lines.push(`  echo "node $node: registry mirrors for ${Object.keys(mirrors).join(", ")}"`, `done`);
  return lines.join("\n");
}

/** Cluster phase, Kind: create (or reuse) the 3-node cluster on its network, connect the engine, check it answers. */
export function kindClusterScript(options: { kubeconfig: string; nodeImage: string; registryMirrors?: RegistryMirrors }): string {
  const mirrors = options.registryMirrors && Object.keys(options.registryMirrors).length > 0 ? options.registryMirrors : undefined;
  return [
    `if kind get clusters 2>/dev/null | grep -qx ${kindCluster.name}; then`,
    `  echo "kind cluster ${kindCluster.name} exists: reused"`,
    `else`,
    ...(mirrors ? [kindConfigScript().replace(/^/gm, "  ")] : []),
    `  kind create cluster --name ${kindCluster.name} --config ${mirrors ? kindConfigPath : `/src/${kindCluster.configPath}`} --image ${options.nodeImage} --wait 300s`,
    `fi`,
    ...(mirrors ? [nodeMirrorsScript(mirrors)] : []),
    connectEngineScript(),
    kindKubeconfigScript(options.kubeconfig),
    kindReachableScript(),
    `kubectl wait --for=condition=Ready node --all --timeout=300s`,
    `nodes=$(kubectl get nodes -o name | wc -l)`,
    `if [ "$nodes" -ne ${kindCluster.nodes} ]; then`,
    `  echo "kind cluster ${kindCluster.name} has $nodes nodes; the plan needs ${kindCluster.nodes} (/src/${kindCluster.configPath}): delete it with 'kind delete cluster --name ${kindCluster.name}' and deploy again" >&2`,
    `  exit 1`,
    `fi`,
  ].join("\n");
}
