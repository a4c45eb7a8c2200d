#!/usr/bin/env bash
# Installs the real servers the tests run against: MariaDB and Redis from
# Debian, MinIO built from its Go module, and the Python servers (Milvus Lite,
# the small model) into a virtualenv. Idempotent: each part is skipped when
# its pinned version is already there.
set -euo pipefail
install_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$install_dir/paths.sh"
. "$install_dir/../lib/steps.sh"

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

# What the local platform runs (`npm run platform -- up` installs only these).
install_servers() {
  step "install: debian packages" install_debian_packages
  step "install: minio (go build)" build_minio
  step "install: python servers" install_python_servers
}

install_all() {
  install_servers
  step "install: chromium (page test)" install_test_browser
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  trap print_step_summary EXIT
  case "${1:-all}" in
    servers) install_servers ;;
    all) install_all ;;
    *) echo "usage: $0 [servers|all]" >&2; exit 2 ;;
  esac
fi
