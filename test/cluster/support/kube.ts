import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import {
  asList,
  connectPrelude,
  manifestsPath,
  mountedKubeconfigPath,
  shellQuote,
  teardownSteps,
  type Env,
  type ShellStep,
  type Step,
} from "@one-data/topology";

const repoRoot = resolve(import.meta.dirname, "../../..");
const kubectlDouble = join(repoRoot, "test/doubles/kubectl-without-kubelet/kubectl");
const helmDouble = join(repoRoot, "test/doubles/helm-release-records/helm");

export interface Kube {
  readonly kubeconfig: string;
  readonly kubectl: string;
}

/**
 * The API server the test command starts (scripts/local/servers.sh
 * start-kube). These tests are about that real server: without it they fail
 * and say how to get one, they never pass by skipping.
 */
export function requireKube(): Kube {
  const kubeconfig = process.env.KUBE_TEST_KUBECONFIG;
  const kubectl = process.env.KUBE_TEST_KUBECTL;
  if (!kubeconfig || !kubectl) {
    throw new Error(
      "no Kubernetes API server: KUBE_TEST_KUBECONFIG/KUBE_TEST_KUBECTL are not set. scripts/test.sh starts one; by hand: " +
        "LOCAL_PORT_BASE=<base> bash scripts/local/servers.sh start-kube, then source .local/servers/env",
    );
  }
  const version = spawnSync(kubectl, ["--kubeconfig", kubeconfig, "version", "-o", "json"], { encoding: "utf8", timeout: 20_000 });
  if (version.status !== 0) throw new Error(`the API server in ${kubeconfig} does not answer: ${version.stderr}`);
  return { kubeconfig, kubectl };
}

/** A host directory mounted at a path of the step's tool container. */
export interface BindMount {
  readonly source: string;
  readonly target: string;
}

export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** runStep: the files the step left in /work (as the module reads them from the tool container), by name. */
  readonly work?: Readonly<Record<string, string>>;
}

export function kubectl(kube: Kube, args: readonly string[], input?: string): Ran {
  const ran = spawnSync(kube.kubectl, ["--kubeconfig", kube.kubeconfig, ...args], { encoding: "utf8", timeout: 60_000, input });
  return { status: ran.status, stdout: ran.stdout, stderr: ran.stderr };
}

/** kubectl that must succeed: its output, or an error with all it said. */
export function kubectlOk(kube: Kube, args: readonly string[], input?: string): string {
  const ran = kubectl(kube, args, input);
  if (ran.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed (exit ${ran.status}):\n${ran.stdout}\n${ran.stderr}`);
  return ran.stdout;
}

/** What a plan step needs that this machine does not have (Helm releases, Kind, Docker), or undefined when it runs here. */
export function notRunnableHere(step: Step): string | undefined {
  if (step.kind === "load-images" || step.kind === "publish-images") return "needs Docker and a container registry";
  if (step.kind === "detect-accelerator") return "reads the nodes' GPUs (there are no nodes)";
  if (/\bhelm (upgrade|install)\b/.test(step.script)) return "installs Helm releases (needs helm and running pods)";
  if (/\bkind create cluster\b/.test(step.script)) return "creates the Kind cluster (needs Docker)";
  if (/\bdocker info\b/.test(step.script))
    return "asks the host's Docker (preflight; run against a real dockerd in .dagger/topology/test/preflight.test.ts)";
  return undefined;
}

/**
 * Executes a plan step's script as the pipeline's tool container does
 * (`bash -euo pipefail -c <script>` under `timeout`, the step's manifests in
 * /work/manifests.json, the kubeconfig at /run/secrets/kubeconfig), in a
 * private mount namespace so those fixed paths exist for this run only. The
 * script is the plan's own text; only a Kind step's connection prelude (kind
 * and docker on the host) is replaced by the cluster prelude: the API server
 * here is not a Kind container. With `tools: "doubles"` (the API server
 * alone) kubectl and helm are the doubles of test/doubles
 * (kubectl-without-kubelet, helm-release-records), both in front of this real
 * server; with `tools: "real"` (a node runs the pods: test/node) kubectl is
 * the real one, and helm still the records double (no chart is installed on
 * the node either). `binds` are host directories mounted where the Dagger
 * module mounts the user's directories in the tool container (`--weights` at
 * hostWeightsPath), so the script reads them at its own paths.
 */
export function runStep(
  kube: Kube,
  env: Env,
  step: Extract<Step, { kind: "shell" }>,
  extraEnv: Record<string, string> = {},
  tools: "doubles" | "real" = "doubles",
  binds: readonly BindMount[] = [],
): Ran {
  let script = step.script;
  if (env === "kind") {
    const prelude = `${connectPrelude("kind")}\n`;
    if (!script.startsWith(prelude)) throw new Error(`step "${step.description}" does not start with the Kind connection prelude`);
    script = `${connectPrelude("cluster")}\n${script.slice(prelude.length)}`;
  }
  const toolWork = dirname(manifestsPath);
  for (const bind of binds) {
    // The step's /work is a fresh tmpfs: a source under it would be hidden before it is mounted.
    if (`${resolve(bind.source)}/`.startsWith(`${toolWork}/`)) throw new Error(`bind source ${bind.source} is under ${toolWork}`);
  }
  const scratch = mkdtempSync(join(tmpdir(), "one-data-step-"));
  try {
    mkdirSync(join(scratch, "bin"));
    if (tools === "real") {
      symlinkSync(kube.kubectl, join(scratch, "bin/kubectl"));
    } else {
      copyFileSync(kubectlDouble, join(scratch, "bin/kubectl"));
      chmodSync(join(scratch, "bin/kubectl"), 0o755);
    }
    copyFileSync(helmDouble, join(scratch, "bin/helm"));
    chmodSync(join(scratch, "bin/helm"), 0o755);
    copyFileSync(kube.kubeconfig, join(scratch, "kubeconfig"));
    if (step.manifests) writeFileSync(join(scratch, "manifests.json"), JSON.stringify(asList(step.manifests)));
    const setup = [
      "set -e",
      `mount -t tmpfs one-data-work ${toolWork}`,
      `[ ! -f "$1/manifests.json" ] || cp "$1/manifests.json" ${manifestsPath}`,
      ...binds.map((b) => `mkdir -p ${shellQuote(b.target)} && mount --bind ${shellQuote(resolve(b.source))} ${shellQuote(b.target)}`),
      `mount -t tmpfs one-data-run ${dirname(dirname(mountedKubeconfigPath))}`,
      `mkdir -p ${dirname(mountedKubeconfigPath)}`,
      `cp "$1/kubeconfig" ${mountedKubeconfigPath}`,
      `timeout ${step.timeoutSeconds} bash -euo pipefail -c "$2" && rc=0 || rc=$?`,
      // What the step wrote, not what was mounted for it.
      ...binds.map((b) => `umount ${shellQuote(b.target)}`),
      `mkdir "$1/work" && cp -r ${toolWork}/. "$1/work/"`,
      `exit $rc`,
    ].join("\n");
    const ran = spawnSync("unshare", ["--mount", "--propagation", "private", "bash", "-c", setup, "setup", scratch, script], {
      encoding: "utf8",
      env: { ...process.env, ...extraEnv, PATH: `${join(scratch, "bin")}:${process.env.PATH ?? ""}`, KUBECONFIG: "" },
      timeout: (step.timeoutSeconds + 30) * 1000,
    });
    const workDir = join(scratch, "work");
    const work = existsSync(workDir)
      ? Object.fromEntries(
          readdirSync(workDir, { withFileTypes: true })
            .filter((f) => f.isFile())
            .map((f) => [f.name, readFileSync(join(workDir, f.name), "utf8")]),
        )
      : {};
    return { status: ran.status, stdout: ran.stdout, stderr: ran.stderr, work };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The plan's `teardown --env=cluster` (our releases and namespaces gone), run as runStep runs a step. */
export function teardownCluster(kube: Kube): void {
  for (const step of teardownSteps("cluster")) {
    const ran = runStep(kube, "cluster", step as ShellStep);
    if (ran.status !== 0) throw new Error(`teardown step "${step.description}" failed (exit ${ran.status}):\n${ran.stdout}\n${ran.stderr}`);
  }
}

/** A `kubectl port-forward` to a Service on a free local port, until `stop` (its process, by PID). */
export async function portForward(
  kube: Kube,
  namespace: string,
  service: string,
  port: number,
): Promise<{ url: string; stop: () => void }> {
  const forward = spawn(
    kube.kubectl,
    ["--kubeconfig", kube.kubeconfig, "-n", namespace, "port-forward", `service/${service}`, `0:${port}`],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const stop = () => forward.kill("SIGTERM");
  try {
    const local = await new Promise<string>((resolvePort, reject) => {
      let seen = "";
      forward.stdout.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(seen);
        if (match) resolvePort(match[1]!);
      });
      forward.on("exit", (code) => reject(new Error(`port-forward exited (${code}): ${seen}`)));
    });
    return { url: `http://127.0.0.1:${local}`, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
