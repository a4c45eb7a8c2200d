# shellcheck shell=bash disable=SC2034,SC2154
# (sourced by servers.sh, which defines servers_dir and the variables it reads here)
# A real Kubernetes node for the tests (sourced by servers.sh): containerd +
# runc, the CNI bridge/host-local/loopback/portmap plugins, kubelet,
# kube-proxy (iptables) and kube-scheduler, joined to the API server
# start_kube starts, CoreDNS as the cluster DNS (a Deployment and the
# kube-dns Service, as on Kind), and kube-router's network policy controller
# enforcing the NetworkPolicies (Kind's enforcer, kube-network-policies, needs
# nftables' queue, which this kernel lacks). Everything runs inside one private network
# and mount namespace made here (start_node_namespace): tmpfs over /run,
# /var/lib and /var/log (kubelet, CNI and containerd write there whatever
# their flags say), the node IP on a veth (the kernel has no dummy
# interface). Nothing listens outside it; every process is stopped by PID.
#
#   start_node_namespace   before start_kube, which then runs inside it
#   start_node             after start_kube: images, containerd, the node, DNS
#   in_node_namespace CMD  runs CMD inside (kubectl, the node's tests)

NODE_DIR="$LOCAL_STATE_DIR/node"
NODE_NAME=one-data-node
NODE_IP=10.250.0.2
NODE_POD_CIDR=10.244.0.0/24
NODE_CLUSTER_DNS=10.96.0.10
NODE_SERVICE_CIDR=10.96.0.0/16
NODE_API_SERVICE_IP=10.96.0.1
NODE_CONTAINERD_SOCKET=/run/containerd/containerd.sock
# Overridable so that two nodes (two worktrees) never share a cgroup tree.
NODE_CGROUP_ROOT=${NODE_CGROUP_ROOT:-/one-data-test-node}
# The tag of our images on the node (imported, or pushed to its registry).
NODE_IMAGE_TAG=${NODE_IMAGE_TAG:-0.1.0}

node_namespace_pid() { cat "$NODE_DIR/namespace.inside-pid" 2>/dev/null; }

# True once start_node_namespace ran and its holder lives.
node_namespace_up() {
  local pid
  pid=$(node_namespace_pid) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

in_node_namespace() {
  nsenter --target "$(node_namespace_pid)" --net --mount -- "$@"
}

# Starts a server inside the namespace (launch runs programs, not functions).
launch_in_node_namespace() {
  local name=$1
  shift
  launch "$name" nsenter --target "$(node_namespace_pid)" --net --mount -- "$@"
}

# The holder: a process that makes the namespaces, mounts and addresses, then
# sleeps (under the servers' lifetime); the namespaces live while it does.
start_node_namespace() {
  stop_node
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  local setup
  setup=$(cat <<SETUP
set -e
mount -t tmpfs one-data-node-run /run
mount -t tmpfs one-data-node-var-lib /var/lib
mount -t tmpfs one-data-node-var-log /var/log
# Name lookups (containerd resolving a registry, CoreDNS's upstream) stay on the namespace's own loopback.
echo "nameserver 127.0.0.1" >"$NODE_DIR/resolv.conf"
mount --bind "$NODE_DIR/resolv.conf" /etc/resolv.conf
ip link set lo up
ip link add name node0 type veth peer name node0-peer
ip addr add $NODE_IP/24 dev node0
ip link set node0 up
ip link set node0-peer up
ip route add default dev node0
sysctl -q -w net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
echo \$\$ >"$NODE_DIR/namespace.inside-pid"
exec sleep infinity
SETUP
)
  launch node-namespace unshare --net --mount --propagation private bash -c "$setup"
  wait_until node-namespace 30 test -s "$NODE_DIR/namespace.inside-pid"
  echo "node namespace up (holder $(node_namespace_pid)), node IP $NODE_IP"
}

# Service IP and node IP on the serving certificate, the address pods reach it on.
node_apiserver_sans() { echo "IP:$NODE_API_SERVICE_IP,IP:$NODE_IP"; }

write_containerd_config() {
  cat >"$NODE_DIR/containerd.toml" <<TOML
version = 2
root = "$NODE_DIR/containerd"
state = "/run/containerd"
[grpc]
  address = "$NODE_CONTAINERD_SOCKET"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # root here lacks CAP_SYS_RESOURCE: without this every sandbox fails in runc.
  restrict_oom_score_adj = true
  enable_unprivileged_ports = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$NODE_DIR/cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$NODE_DIR/registry-hosts"
TOML
  mkdir -p "$NODE_DIR/cni" "$NODE_DIR/registry-hosts"
  cat >"$NODE_DIR/cni/10-one-data-node.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "one-data-node",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$NODE_POD_CIDR" }]], "routes": [{ "dst": "0.0.0.0/0" }] }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
}

write_kubelet_config() {
  cat >"$NODE_DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The machine has cgroup v1 only; kubelet 1.36 refuses it unless told.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: $NODE_CGROUP_ROOT
containerRuntimeEndpoint: unix://$NODE_CONTAINERD_SOCKET
address: $NODE_IP
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
# Reached only from inside the namespace (API server streaming: logs, exec, port-forward).
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
clusterDomain: cluster.local
clusterDNS: [$NODE_CLUSTER_DNS]
resolvConf: ""
failSwapOn: false
serializeImagePulls: false
# No disk stats for the root filesystem here (/stats/summary fails): no ephemeral-storage accounting.
localStorageCapacityIsolation: false
imageGCHighThresholdPercent: 100
evictionHard: {memory.available: "100Mi"}
YAML
}

write_kube_proxy_config() {
  cat >"$NODE_DIR/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $LOCAL_STATE_DIR/kube/kubeconfig}
hostnameOverride: $NODE_NAME
clusterCIDR: $NODE_POD_CIDR
bindAddress: $NODE_IP
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
# Zero leaves the machine's conntrack settings alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
}

# Imports OCI archives into the node's containerd, as `kind load image-archive` does.
node_import_images() {
  local archive
  for archive in "$@"; do
    in_node_namespace ctr --address "$NODE_CONTAINERD_SOCKET" -n k8s.io images import "$archive" >/dev/null
  done
}

node_kubectl() { in_node_namespace "$KUBECTL_BIN" --kubeconfig "$LOCAL_STATE_DIR/kube/kubeconfig" "$@"; }

node_ready() { node_kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=1s; }

# The cgroup hierarchy kubelet puts its pods under, in every v1 controller.
make_node_cgroups() {
  local controller
  for controller in /sys/fs/cgroup/*/; do
    [ -L "${controller%/}" ] || mkdir -p "${controller}${NODE_CGROUP_ROOT#/}"
  done
  # A v1 cpuset starts empty; its children (the pods) inherit what it has.
  local cpuset=/sys/fs/cgroup/cpuset
  if [ -f "$cpuset/cpuset.cpus" ]; then
    cat "$cpuset/cpuset.cpus" >"$cpuset$NODE_CGROUP_ROOT/cpuset.cpus"
    cat "$cpuset/cpuset.mems" >"$cpuset$NODE_CGROUP_ROOT/cpuset.mems"
  fi
}

remove_node_cgroups() {
  [ -d "/sys/fs/cgroup/memory${NODE_CGROUP_ROOT}" ] || return 0
  find /sys/fs/cgroup/*"$NODE_CGROUP_ROOT" -depth -type d -exec rmdir {} + 2>/dev/null || true
}

# The node's images (`node`) or ours too (`all`) as OCI archives in $NODE_DIR/images (test/node/build-images.ts).
build_node_images() {
  local repo_root
  repo_root=$(cd "$servers_dir/../.." && pwd)
  # model_file (servers.sh): the GGUF the model-server stand-in serves, as the local model server does.
  (cd "$repo_root" && COREDNS_BIN="$COREDNS_BIN" MINIO_BIN="$MINIO_BIN" PYTHON_ENV="$PYTHON_ENV" MODEL_PATH="$(model_file)" \
    node --disable-warning=ExperimentalWarning --import tsx --conditions=source \
    test/node/build-images.ts "$NODE_DIR/images" "$NODE_IMAGE_TAG" "$1")
}

start_node() {
  node_namespace_up || { echo "start_node_namespace first" >&2; return 1; }
  local binary
  for binary in "$KUBELET_BIN" "$KUBE_PROXY_BIN" "$KUBE_SCHEDULER_BIN" "$COREDNS_BIN" "$KUBE_ROUTER_BIN"; do
    [ -x "$binary" ] || { echo "$binary is not built; run scripts/local/install.sh" >&2; return 1; }
  done
  local started=$SECONDS
  build_node_images "${NODE_IMAGES:-node}"
  echo "images built in $((SECONDS - started))s"
  # shellcheck source=/dev/null
  . "$NODE_DIR/images/images.env"
  write_containerd_config
  write_kubelet_config
  write_kube_proxy_config
  make_node_cgroups
  launch_in_node_namespace containerd containerd --config "$NODE_DIR/containerd.toml"
  wait_until containerd 60 in_node_namespace ctr --address "$NODE_CONTAINERD_SOCKET" version
  started=$SECONDS
  node_import_images "$NODE_DIR"/images/*.tar
  echo "images imported in $((SECONDS - started))s"
  launch_in_node_namespace kube-scheduler "$KUBE_SCHEDULER_BIN" --kubeconfig "$LOCAL_STATE_DIR/kube/kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false
  launch_in_node_namespace kube-proxy "$KUBE_PROXY_BIN" --config "$NODE_DIR/kube-proxy.yaml"
  launch_in_node_namespace kubelet "$KUBELET_BIN" --config "$NODE_DIR/kubelet.yaml" \
    --kubeconfig "$LOCAL_STATE_DIR/kube/kubeconfig" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP"
  wait_until kubelet 120 node_ready
  start_network_policy_controller
  sed "s|\${COREDNS_IMAGE}|$COREDNS_IMAGE|; s|\${NODE_CLUSTER_DNS}|$NODE_CLUSTER_DNS|" \
    "$servers_dir/node/coredns.yaml" | node_kubectl apply -f - >/dev/null
  node_kubectl -n kube-system rollout status deployment/coredns --timeout=180s
  put_env KUBE_TEST_NODE_NAME "$NODE_NAME"
  put_env KUBE_TEST_NODE_IMAGES "$NODE_DIR/images"
  put_env KUBE_TEST_NODE_CONTAINERD_SOCKET "$NODE_CONTAINERD_SOCKET"
  put_env KUBE_TEST_NODE_IMAGE_TAG "$NODE_IMAGE_TAG"
  echo "node $NODE_NAME ready ($(node_kubectl get node "$NODE_NAME" -o jsonpath='{.status.nodeInfo.kubeletVersion}, {.status.nodeInfo.containerRuntimeVersion}'))"
}

# kube-router's network policy controller alone (no routing, no service
# proxy: the CNI bridge and kube-proxy do those), for the node it reads from
# the API server. Bridged pod-to-pod traffic passes its iptables rules
# because start_node_namespace sets bridge-nf-call-iptables in the namespace.
start_network_policy_controller() {
  [ "$(in_node_namespace sysctl -n net.bridge.bridge-nf-call-iptables)" = 1 ] ||
    { echo "bridge-nf-call-iptables is off in the node's namespace: bridged pod traffic would bypass the policies" >&2; return 1; }
  local started=$SECONDS
  launch_in_node_namespace kube-router "$KUBE_ROUTER_BIN" --kubeconfig "$LOCAL_STATE_DIR/kube/kubeconfig" \
    --hostname-override "$NODE_NAME" --run-firewall=true --run-router=false --run-service-proxy=false \
    --service-cluster-ip-range "$NODE_SERVICE_CIDR" --health-port 0 --metrics-port 0
  # Its default chain is made right before its first full sync.
  wait_until kube-router 60 in_node_namespace iptables -S KUBE-NWPLCY-DEFAULT
  echo "network policy controller (kube-router $KUBE_ROUTER_VERSION) up in $((SECONDS - started))s"
}

# Every process still inside the node's network namespace (container shims
# and the containers they run), by PID: the namespace is ours alone.
node_namespace_pids() {
  local holder inode pid
  holder=$(node_namespace_pid) || return 0
  inode=$(readlink "/proc/$holder/ns/net" 2>/dev/null) || return 0
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [ "$pid" != "$holder" ] && [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$inode" ] && echo "$pid"
  done
  return 0
}

# The pods' processes, each in a network namespace of its own: by the cgroup
# hierarchy kubelet made for them under the node's cgroup root.
node_pod_pids() {
  find "/sys/fs/cgroup/pids$NODE_CGROUP_ROOT" -name cgroup.procs -exec cat {} + 2>/dev/null || true
}

stop_node() {
  [ -d "$NODE_DIR" ] || return 0
  local name pid
  for name in kube-router kubelet kube-proxy kube-scheduler kube-controller-manager kube-apiserver etcd containerd; do
    stop_pidfile "$LOCAL_STATE_DIR/$name.pid"
  done
  for pid in $(node_namespace_pids) $(node_pod_pids); do kill -KILL "$pid" 2>/dev/null || true; done
  stop_pidfile "$LOCAL_STATE_DIR/node-namespace.pid"
  # Killed processes leave their cgroups a moment later.
  for _ in $(seq 1 20); do
    remove_node_cgroups
    [ -d "/sys/fs/cgroup/pids$NODE_CGROUP_ROOT" ] || break
    sleep 0.25
  done
}
