/**
 * Root filesystems of the infra stand-ins (test/node/infra-stand-ins.ts): the
 * same servers the test command runs on loopback (scripts/local/servers.sh),
 * made images, because the Helm charts' images cannot be pulled here.
 *   - mysql: Debian's mariadbd with its libraries and /usr/share/mysql, a data
 *     directory made at build time by mariadb-install-db (copied into the
 *     pod's volume on first start), busybox for the start script;
 *   - redis: Debian's redis-server with its libraries, busybox;
 *   - minio: the MinIO binary the install built from Go;
 *   - milvus: the Python interpreter of the tests' venv, its standard library,
 *     and exactly the distributions milvus-lite and pymilvus require (their
 *     RECORD files),
 *     with the libraries their extension modules load.
 * Each start script reads the credentials from the environment the chart's
 * Secret sets, as the chart's image does.
 */
import { chmodSync, cpSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ImageConfig } from "./oci-image.js";
import { baseFiles, copyBinary, copySharedLibraries, run, withBusybox } from "./root-fs.js";
import { infraImageRefs, type InfraStandIn } from "./refs.js";

/** uids the charts run their servers as (bitnami images: 1001; the MinIO values: 1000). */
export const infraUids: Record<InfraStandIn, number> = { mysql: 1001, redis: 1001, minio: 1000, milvus: 1000 };

function script(root: string, path: string, lines: readonly string[]): void {
  mkdirSync(join(root, "usr/local/bin"), { recursive: true });
  writeFileSync(join(root, path), ["#!/bin/sh", "set -eu", ...lines, ""].join("\n"));
  chmodSync(join(root, path), 0o755);
}

/** The data directory the pod's volume starts from: made here, readable by the server's uid once copied. */
const mariadbSeed = "/opt/mariadb-seed";
export const mariadbDataDir = "/bitnami/mysql/data";

function mariadbRoot(root: string): ImageConfig {
  withBusybox(root);
  copyBinary(root, "/usr/sbin/mariadbd");
  cpSync("/usr/share/mysql", join(root, "usr/share/mysql"), { recursive: true, dereference: true });
  run("mariadb-install-db", [
    "--no-defaults",
    `--datadir=${join(root, mariadbSeed)}`,
    "--user=root",
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
  ]);
  run("chmod", ["-R", "a+rX", join(root, mariadbSeed)]);
  // The passwords are hex (the plan's generated Secrets), safe inside SQL quotes.
  script(root, "/usr/local/bin/start-mysql", [
    `data=${mariadbDataDir}`,
    `[ -d "$data/mysql" ] || { mkdir -p "$data" && cp -R ${mariadbSeed}/. "$data/"; }`,
    "umask 077",
    "cat >/tmp/init.sql <<SQL",
    "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';",
    "ALTER USER 'root'@'%' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';",
    "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;",
    "ALTER USER 'root'@'localhost' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';",
    "CREATE DATABASE IF NOT EXISTS \\`$MYSQL_DATABASE\\`;",
    "FLUSH PRIVILEGES;",
    "SQL",
    'exec /usr/sbin/mariadbd --no-defaults --datadir="$data" --tmpdir=/tmp --socket=/tmp/mysqld.sock --pid-file=/tmp/mysqld.pid \\',
    "  --bind-address=0.0.0.0 --port=3306 --skip-name-resolve --init-file=/tmp/init.sql --local-infile=1 \\",
    "  --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci --innodb-buffer-pool-size=128M",
  ]);
  return { entrypoint: ["/usr/local/bin/start-mysql"] };
}

function redisRoot(root: string): ImageConfig {
  withBusybox(root);
  copyBinary(root, "/usr/bin/redis-server");
  // The password goes in a config file, not on the command line (visible in ps).
  script(root, "/usr/local/bin/start-redis", [
    "umask 077",
    "cat >/tmp/redis.conf <<CONF",
    "bind 0.0.0.0",
    "port 6379",
    "protected-mode no",
    "requirepass $REDIS_PASSWORD",
    "dir /data",
    'save ""',
    "appendonly no",
    "daemonize no",
    "CONF",
    "exec /usr/bin/redis-server /tmp/redis.conf",
  ]);
  return { entrypoint: ["/usr/local/bin/start-redis"] };
}

function minioRoot(root: string, minioBin: string): ImageConfig {
  mkdirSync(join(root, "usr/local/bin"), { recursive: true });
  cpSync(minioBin, join(root, "usr/local/bin/minio"), { dereference: true });
  chmodSync(join(root, "usr/local/bin/minio"), 0o755);
  copySharedLibraries(root, [minioBin]);
  return {
    entrypoint: ["/usr/local/bin/minio"],
    cmd: ["server", "/export", "--address", ":9000", "--console-address", ":9001"],
    env: ["HOME=/tmp", "MINIO_BROWSER=off", "MINIO_UPDATE=off"],
  };
}

/**
 * Files (absolute) of milvus-lite and every distribution it requires, from
 * their RECORD files; pymilvus too, whose generated gRPC code milvus-lite
 * imports without declaring it.
 */
const distributionFilesScript = `
import importlib.metadata as m, re
seen, todo = set(), ["milvus-lite", "pymilvus"]
while todo:
    name = todo.pop()
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in seen:
        continue
    seen.add(key)
    try:
        dist = m.distribution(name)
    except m.PackageNotFoundError:
        continue  # a backport the interpreter's own standard library provides (tomli)
    for req in dist.requires or []:
        if "extra ==" not in req:
            todo.append(re.split(r"[ ;<>=!~\\[(]", req)[0])
    for f in dist.files or []:
        if not str(f).startswith(".."):
            print(f.locate())
`;

const standardLibraryLeftOut = ["site-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "unittest/test"];
const milvusSitePackages = "/opt/milvus-lite/site-packages";

function milvusRoot(root: string, pythonEnv: string): ImageConfig {
  const venvPython = join(pythonEnv, "bin/python3");
  const python = run(venvPython, ["-c", "import sys, os; print(os.path.realpath(sys._base_executable))"]).trim();
  const stdlib = run(venvPython, ["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"]).trim();
  const sitePackages = run(venvPython, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).trim();
  copyBinary(root, python);
  cpSync(stdlib, join(root, stdlib), {
    recursive: true,
    dereference: true,
    // config-3.x-<platform>: the static library and build files, for embedding Python, not running it.
    filter: (source) =>
      !standardLibraryLeftOut.some((left) => source === join(stdlib, left)) &&
      !source.endsWith("__pycache__") &&
      !(dirname(source) === stdlib && basename(source).startsWith("config-")),
  });
  const files = run(venvPython, ["-c", distributionFilesScript]).trim().split("\n");
  for (const file of files) {
    if (!file.startsWith(`${sitePackages}/`) || file.endsWith(".pyc")) continue;
    const target = join(root, milvusSitePackages, file.slice(sitePackages.length + 1));
    mkdirSync(join(target, ".."), { recursive: true });
    cpSync(file, target, { dereference: true });
  }
  const extensions = run("find", [join(root, milvusSitePackages), join(root, stdlib, "lib-dynload"), "-name", "*.so*"])
    .trim()
    .split("\n")
    .filter(Boolean);
  copySharedLibraries(root, extensions);
  mkdirSync(join(root, "var/lib/milvus"), { recursive: true });
  return {
    entrypoint: [python, "-m", "milvus_lite"],
    cmd: ["server", "--data-dir", "/var/lib/milvus/data", "--host", "0.0.0.0", "--port", "19530"],
    env: [`PYTHONPATH=${milvusSitePackages}`, "PYTHONDONTWRITEBYTECODE=1", "HOME=/tmp"],
    workdir: "/tmp",
  };
}

interface InfraImage {
  readonly key: InfraStandIn;
  readonly ref: string;
  readonly config: ImageConfig;
}

/** Lays out one stand-in's root filesystem under root and returns its image config. */
export function infraImageRoot(key: InfraStandIn, root: string, tools: { minioBin: string; pythonEnv: string }): InfraImage {
  mkdirSync(root, { recursive: true });
  baseFiles(root, { [key]: infraUids[key] });
  const config =
    key === "mysql"
      ? mariadbRoot(root)
      : key === "redis"
        ? redisRoot(root)
        : key === "minio"
          ? minioRoot(root, tools.minioBin)
          : milvusRoot(root, tools.pythonEnv);
  return {
    key,
    ref: infraImageRefs[key],
    config: { ...config, env: ["PATH=/usr/local/bin:/usr/bin:/usr/sbin:/bin", ...(config.env ?? [])] },
  };
}
