import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { buildPlan, planRequests, preflightScript, type Step } from "../src/index.js";

/**
 * Kind's preflight against a real Docker daemon: Debian's docker.io, started
 * by this test in a network and mount namespace of its own (no network but
 * loopback), its socket in a temporary directory, pinned to one CPU and with
 * its data root on a 256 MiB tmpfs, so what it reports is the same on any
 * machine. `df` runs in an image imported from Debian's static busybox (no
 * registry is reachable); stopped by PID.
 */
const dfImage = { repository: "one-data-test/df-double", tag: "1" };
const dfImageRef = `${dfImage.repository}:${dfImage.tag}`;

interface Daemon {
  readonly dir: string;
  readonly socket: string;
  readonly process: ChildProcess;
}

function need(command: string, hint: string): void {
  if (spawnSync("sh", ["-c", `command -v ${command}`]).status !== 0)
    throw new Error(`${command} is missing: ${hint} (the test command installs it)`);
}

async function startDaemon(): Promise<Daemon> {
  need("dockerd", "apt-get install docker.io");
  need("unshare", "util-linux");
  if (!existsSync("/bin/busybox")) throw new Error("/bin/busybox is missing: apt-get install busybox-static");
  const dir = mkdtempSync(join(tmpdir(), "one-data-dockerd-"));
  mkdirSync(join(dir, "data"));
  mkdirSync(join(dir, "exec"));
  const setup = [
    "set -e",
    "ip link set lo up",
    `mount -t tmpfs -o size=256m one-data-docker-root "$1/data"`,
    `exec taskset -c 0 dockerd --host "unix://$1/docker.sock" --data-root "$1/data" --exec-root "$1/exec" --pidfile "$1/dockerd.pid" --iptables=false --ip6tables=false --bridge=none >"$1/dockerd.log" 2>&1`,
  ].join("\n");
  const child = spawn("unshare", ["--net", "--mount", "--propagation", "private", "--fork", "bash", "-c", setup, "dockerd-setup", dir], {
    stdio: "ignore",
  });
  const socket = join(dir, "docker.sock");
  for (let i = 0; i < 120 && docker({ dir, socket, process: child }, ["info", "--format", "{{.ID}}"]).status !== 0; i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const daemon = { dir, socket, process: child };
  const info = docker(daemon, ["info", "--format", "{{.ID}}"]);
  if (info.status !== 0)
    throw new Error(
      `dockerd did not start:\n${existsSync(join(dir, "dockerd.log")) ? readFileSync(join(dir, "dockerd.log"), "utf8").slice(-2000) : "(no log)"}`,
    );
  const root = join(dir, "df-image");
  mkdirSync(join(root, "bin"), { recursive: true });
  copyFileSync("/bin/busybox", join(root, "bin/busybox"));
  chmodSync(join(root, "bin/busybox"), 0o755);
  symlinkSync("busybox", join(root, "bin/df"));
  const imported = spawnSync("bash", ["-c", `tar -C "$1" -c . | docker import - ${dfImageRef}`, "import", root], {
    env: { ...process.env, DOCKER_HOST: `unix://${socket}` },
    encoding: "utf8",
  });
  if (imported.status !== 0) throw new Error(`docker import failed: ${imported.stderr}`);
  return daemon;
}

function docker(daemon: Daemon, args: string[]) {
  return spawnSync("docker", args, { env: { ...process.env, DOCKER_HOST: `unix://${daemon.socket}` }, encoding: "utf8", timeout: 60_000 });
}

async function stopDaemon(daemon: Daemon): Promise<void> {
  const pidFile = join(daemon.dir, "dockerd.pid");
  if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, "utf8").trim()), "SIGTERM");
  if (daemon.process.exitCode === null) await new Promise((r) => daemon.process.once("exit", r));
  rmSync(daemon.dir, { recursive: true, force: true });
}

function runPreflight(daemon: Daemon, script: string) {
  const file = join(daemon.dir, "preflight.sh");
  writeFileSync(file, script);
  return spawnSync("bash", ["-euo", "pipefail", file], {
    env: { ...process.env, DOCKER_HOST: `unix://${daemon.socket}` },
    encoding: "utf8",
    timeout: 120_000,
  });
}

describe("topology: Kind's preflight against a real dockerd (private namespaces, 1 CPU, 256 MiB data root)", function () {
  this.timeout(300_000);
  let daemon: Daemon;

  before(async () => {
    daemon = await startDaemon();
  });

  after(async () => {
    if (daemon) await stopDaemon(daemon);
  });

  it("refuses the whole Kind plan before anything is created, naming each shortfall and what to change", () => {
    const plan = buildPlan({ env: "kind", imageTag: "t", istio: false, accelerator: { gpu: false, arch: "amd64" } });
    const step = plan[0]!.steps[0] as Extract<Step, { kind: "shell" }>;
    expect(step.description).to.match(/^preflight/);
    const ran = runPreflight(daemon, step.script.replaceAll("kindest/node:v1.36.1", dfImageRef));
    expect(ran.status, ran.stdout + ran.stderr).to.equal(1);
    expect(ran.stdout).to.match(/^host Docker: 1 CPUs, \d+ MiB memory, (x86_64|aarch64),/m);
    expect(ran.stderr).to.include("preflight: the host's Docker is short of what the plan requests; nothing was created:");
    expect(ran.stderr).to.include("  - CPU: Docker has 1, the plan requests 5.10 CPU");
    expect(ran.stderr).to.match(/ {2}- disk: \d+ MiB free under \S+\/data, the plan's volumes request 33792 MiB/);
    expect(ran.stderr).to.include("--env=cluster");
    console.log(`      ${ran.stdout.split("\n")[0]}`);
  });

  it("lets through what the host has room for (the data phase's requests)", () => {
    const requests = planRequests(
      buildPlan({ env: "kind", imageTag: "t", istio: false, phases: ["data"], accelerator: { gpu: false, arch: "amd64" } }),
      { kind: true },
    );
    expect(requests.total.cpuMillis).to.be.at.most(1000);
    const ran = runPreflight(daemon, preflightScript(requests, dfImage));
    expect(ran.status, ran.stdout + ran.stderr).to.equal(0);
    expect(ran.stdout).to.include("preflight: enough for the plan");
  });
});
