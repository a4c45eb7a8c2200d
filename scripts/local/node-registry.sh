# shellcheck shell=bash disable=SC2154
# (sourced by servers.sh after kube-node.sh, whose variables and functions it uses)
# A private registry for the test node, so that the plan's --env=cluster path
# runs for real: distribution's registry on the node namespace's loopback,
# with TLS and htpasswd (bcrypt) credentials, both made per start and kept
# in $NODE_REGISTRY_DIR (mode 700): nothing secret is committed or printed.
# Our images (the OCI archives test/node/build-images.ts writes) are pushed
# to it with crane; containerd reaches it through a hosts.toml that trusts its
# CA, as a node does for any registry with a private CA. TLS rather than a
# plain-HTTP mirror: a real registry's pull Secret carries basic credentials,
# which nothing should send in the clear, and the htpasswd realm of the
# registry is meant to sit behind TLS.
#
#   start_node_registry   after start_node: registry up, our images pushed

NODE_REGISTRY_DIR="$NODE_DIR/registry"
# The namespace is the node's alone, so the port needs no base; one above
# LOCAL_PORT_BASE could be taken as a client's ephemeral port (32768-60999)
# by the many connections the node's components already hold on loopback.
NODE_REGISTRY_PORT=5000
NODE_REGISTRY_HOST="127.0.0.1:$NODE_REGISTRY_PORT"
# What a user passes as --registry: the host and the path our images go under.
NODE_REGISTRY="$NODE_REGISTRY_HOST/one-data"
NODE_REGISTRY_USER=one-data-deployer

# A CA for this start and the registry's certificate for its loopback address.
make_node_registry_tls() {
  local dir=$NODE_REGISTRY_DIR
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=one-data test registry CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=${NODE_REGISTRY_HOST%:*}" -keyout "$dir/registry.key" -out "$dir/registry.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "${NODE_REGISTRY_HOST%:*}" >"$dir/registry.ext"
  openssl x509 -req -in "$dir/registry.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/registry.ext" -out "$dir/registry.crt" 2>/dev/null
}

# The push and pull credentials: a bcrypt htpasswd for the registry, the
# plain pair (REGISTRY_USERNAME, REGISTRY_PASSWORD, as the Dagger module
# hands them to the plan) for the tests. The password is never an argument.
make_node_registry_credentials() {
  local dir=$NODE_REGISTRY_DIR password
  password=$(openssl rand -hex 24)
  printf '%s' "$password" | htpasswd -niB "$NODE_REGISTRY_USER" >"$dir/htpasswd"
  printf 'REGISTRY_USERNAME=%s\nREGISTRY_PASSWORD=%s\n' "$NODE_REGISTRY_USER" "$password" >"$dir/credentials.env"
}

write_node_registry_config() {
  local dir=$NODE_REGISTRY_DIR
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: false
http:
  addr: $NODE_REGISTRY_HOST
  secret: $(openssl rand -hex 24)
  tls:
    certificate: $dir/registry.crt
    key: $dir/registry.key
auth:
  htpasswd:
    realm: one-data-test-registry
    path: $dir/htpasswd
YAML
  # containerd's per-host configuration (its registry config_path, kube-node.sh).
  mkdir -p "$NODE_DIR/registry-hosts/$NODE_REGISTRY_HOST"
  cat >"$NODE_DIR/registry-hosts/$NODE_REGISTRY_HOST/hosts.toml" <<TOML
server = "https://$NODE_REGISTRY_HOST"

[host."https://$NODE_REGISTRY_HOST"]
  capabilities = ["pull", "resolve"]
  ca = "$dir/ca.crt"
TOML
}

node_registry_answers() {
  in_node_namespace curl -sS -o /dev/null --cacert "$NODE_REGISTRY_DIR/ca.crt" "https://$NODE_REGISTRY_HOST/v2/"
}

# crane with the registry's CA and its own login (DOCKER_CONFIG in the state directory, not ~/.docker).
node_crane() {
  SSL_CERT_FILE="$NODE_REGISTRY_DIR/ca.crt" DOCKER_CONFIG="$NODE_REGISTRY_DIR/docker-config" in_node_namespace "$CRANE_BIN" "$@"
}

# Pushes our images' OCI archives (an image layout, tarred) under $NODE_REGISTRY;
# <ref> <digest> per line in $NODE_REGISTRY_DIR/pushed.
push_node_registry_images() {
  local name layout ref digest
  (. "$NODE_REGISTRY_DIR/credentials.env" && printf '%s' "$REGISTRY_PASSWORD" |
    node_crane auth login "$NODE_REGISTRY_HOST" -u "$REGISTRY_USERNAME" --password-stdin >/dev/null 2>&1)
  : >"$NODE_REGISTRY_DIR/pushed"
  for name in $OUR_IMAGE_NAMES; do
    layout="$NODE_REGISTRY_DIR/layouts/$name"
    mkdir -p "$layout"
    tar -xf "$NODE_DIR/images/$name.tar" -C "$layout"
    ref="$NODE_REGISTRY/$name:$NODE_IMAGE_TAG"
    digest=$(node_crane push "$layout" "$ref" 2>>"$NODE_REGISTRY_DIR/push.log")
    echo "$ref ${digest#*@}" >>"$NODE_REGISTRY_DIR/pushed"
    echo "pushed $ref (${digest#*@})"
  done
  # The login was for the push alone: the tests hand the credentials to the plan's pull-Secret step.
  rm -rf "$NODE_REGISTRY_DIR/layouts" "$NODE_REGISTRY_DIR/docker-config"
}

start_node_registry() {
  node_namespace_up || { echo "start_node first" >&2; return 1; }
  local binary
  for binary in "$REGISTRY_BIN" "$CRANE_BIN" "$(command -v htpasswd)"; do
    [ -x "$binary" ] || { echo "${binary:-htpasswd} is not installed; run scripts/local/install.sh" >&2; return 1; }
  done
  stop_pidfile "$LOCAL_STATE_DIR/node-registry.pid"
  rm -rf "$NODE_REGISTRY_DIR"
  (umask 077 && mkdir -p "$NODE_REGISTRY_DIR")
  (
    umask 077
    make_node_registry_tls
    make_node_registry_credentials
    write_node_registry_config
  )
  # No trace exporter: the registry would otherwise send spans to an OTLP endpoint.
  launch_in_node_namespace node-registry env OTEL_TRACES_EXPORTER=none "$REGISTRY_BIN" serve "$NODE_REGISTRY_DIR/config.yml"
  wait_until node-registry 60 node_registry_answers
  # shellcheck source=/dev/null
  . "$NODE_DIR/images/images.env"
  local name started=$SECONDS
  for name in $OUR_IMAGE_NAMES; do
    if [ ! -f "$NODE_DIR/images/$name.tar" ]; then
      build_node_images all
      echo "our images built in $((SECONDS - started))s"
      break
    fi
  done
  started=$SECONDS
  push_node_registry_images
  echo "images pushed in $((SECONDS - started))s"
  put_env KUBE_TEST_REGISTRY "$NODE_REGISTRY"
  put_env KUBE_TEST_REGISTRY_CREDENTIALS "$NODE_REGISTRY_DIR/credentials.env"
  put_env KUBE_TEST_REGISTRY_PUSHED "$NODE_REGISTRY_DIR/pushed"
  put_env KUBE_TEST_REGISTRY_LOG "$LOCAL_STATE_DIR/node-registry.log"
  put_env KUBE_TEST_REGISTRY_IMAGE_TAG "$NODE_IMAGE_TAG"
  echo "registry $NODE_REGISTRY_HOST up (TLS, htpasswd), our images pushed under $NODE_REGISTRY"
}
