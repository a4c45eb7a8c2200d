import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import mysql from "mysql2/promise";
import { freePort, waitUntil } from "../../../../test/support/testkit.js";

const execute = promisify(execFile);
// The client tools read MYSQL_HOST and friends from the environment, which name the shared dev server.
const ownEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("MYSQL") && !name.startsWith("MARIADB")));
const run = (file: string, args: string[], options: { timeout?: number } = {}) => execute(file, args, { ...options, env: ownEnv });

/**
 * A MariaDB of the test's own (the shared dev server must never be killed):
 * its own data directory and port, run under `timeout` so it cannot outlive
 * the test, killed and restarted by PID.
 */
export class OwnMariadb {
  private process: ChildProcess | undefined;
  readonly user = "own_owner";
  readonly password = "own-owner-password";

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<OwnMariadb> {
    const dir = await mkdtemp(join(tmpdir(), "data-api-own-mariadb-"));
    await run(
      "mariadb-install-db",
      ["--user=root", `--datadir=${dir}/data`, "--auth-root-authentication-method=socket", "--skip-test-db"],
      { timeout: 120_000 },
    );
    const server = new OwnMariadb(dir, await freePort());
    await server.start();
    await run("mariadb", [
      "--no-defaults",
      "--protocol=socket",
      `--socket=${dir}/sock`,
      "--user=root",
      "-e",
      `CREATE USER '${server.user}'@'127.0.0.1' IDENTIFIED BY '${server.password}'; GRANT ALL PRIVILEGES ON *.* TO '${server.user}'@'127.0.0.1' WITH GRANT OPTION;`,
    ]);
    return server;
  }

  async start(): Promise<void> {
    this.process = spawn(
      "timeout",
      [
        "--signal=TERM",
        "--kill-after=5s",
        "10m",
        "mariadbd",
        "--no-defaults",
        "--user=root",
        `--datadir=${this.dir}/data`,
        `--socket=${this.dir}/sock`,
        `--pid-file=${this.dir}/pid`,
        "--bind-address=127.0.0.1",
        `--port=${this.port}`,
        "--skip-name-resolve",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
        "--innodb-buffer-pool-size=64M",
      ],
      { stdio: "ignore" },
    );
    const ping = () =>
      run("mariadb-admin", ["--no-defaults", "--protocol=socket", `--socket=${this.dir}/sock`, "--user=root", "ping"], { timeout: 5000 });
    await waitUntil(
      "own mariadb",
      () =>
        ping().then(
          () => true,
          () => false,
        ),
      { timeoutMs: 60_000, intervalMs: 250, pid: this.process.pid! },
    );
  }

  /** SIGKILL to the server itself (the child of `timeout`): no shutdown, as when a node or a pod dies. */
  async kill(): Promise<void> {
    const { stdout } = await run("cat", [`${this.dir}/pid`]);
    process.kill(Number(stdout.trim()), "SIGKILL");
    const exited = this.process;
    if (exited && exited.exitCode === null) await new Promise((resolve) => exited.once("exit", resolve));
  }

  connection(): Promise<mysql.Connection> {
    return mysql.createConnection({ host: "127.0.0.1", port: this.port, user: this.user, password: this.password });
  }

  async stop(): Promise<void> {
    const running = this.process;
    if (running && running.exitCode === null) {
      running.kill("SIGTERM");
      await new Promise((resolve) => running.once("exit", resolve));
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
