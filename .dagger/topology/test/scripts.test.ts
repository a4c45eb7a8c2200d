import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  buildPlan,
  formatPlanAndRequests,
  hostWeightsPath,
  ciFailureMessage,
  deployedImagesScript,
  parseDeployedImages,
  shellStepsOnly,
  stepFailureMessage,
  stepScriptPath,
  stepSpanName,
  statusScript,
  stepTimeoutWithinPhase,
  teardownSteps,
  waitGuardedFunction,
  type Step,
  type StepPosition,
} from "../src/index.js";

/**
 * The plan's bash run for real, with `kubectl` and `helm` replaced by test
 * doubles on PATH: each double records its arguments and answers from the
 * scenario the test sets (pod states, which release fails), never from what
 * the test expects to read back.
 */
function sandbox(scenario: Record<string, string>): { dir: string; env: NodeJS.ProcessEnv; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), "plan-bash-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  mkdirSync(join(dir, "work"));
  const double = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >>"$DOUBLE_CALLS"\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  double(
    "kubectl",
    [
      `case "$*" in`,
      `  *"get pods -o jsonpath"*) printf '%b' "\${DOUBLE_STATUS_PODS:-}" ;;`,
      `  *"get pods"*) printf '%b' "\${DOUBLE_PODS:-}" ;;`,
      `  *"get deployments,statefulsets"*) case "$*" in *"-n \${DOUBLE_NAMESPACE:-}"*) printf '%b' "\${DOUBLE_WORKLOADS:-}" ;; esac ;;`,
      `  *"get events"*) for a in "$@"; do case "$a" in involvedObject.name=*) echo "Warning  Failed  pod/\${a#involvedObject.name=}  pull failed (double)" ;; esac; done ;;`,
      // Stopped like the real kubectl would be: the TERM reaches the sleep too.
      `  *wait*|*rollout*) trap 'kill $child 2>/dev/null; exit 143' TERM; sleep "\${DOUBLE_WAIT_SECONDS:-0}" >/dev/null 2>&1 & child=$!; wait $child; exit "\${DOUBLE_WAIT_EXIT:-0}" ;;`,
      `esac`,
    ].join("\n"),
  );
  double(
    "helm",
    [
      // A release (or namespace) fails on every command, or only on DOUBLE_FAILING_VERB when the scenario names one.
      `for a in "$@"; do`,
      `  if [ "$a" = "\${DOUBLE_FAILING_RELEASE:-}" ] && { [ -z "\${DOUBLE_FAILING_VERB:-}" ] || [[ " $* " == *" $DOUBLE_FAILING_VERB "* ]]; }; then`,
      `    echo "Error: release $a failed (double)" >&2; exit 1`,
      `  fi`,
      `done`,
      // `helm list -q --filter '^name$'`: the release when the scenario says it is installed.
      `case " $* " in *" list "*) for a in "$@"; do case "$a" in ^*$) name=\${a#^}; name=\${name%$}; printf '%b' "\${DOUBLE_HELM_RELEASES:-}" | grep -x "$name" || true ;; esac; done ;; esac`,
      `exit 0`,
    ].join("\n"),
  );
  const calls = join(dir, "calls.log");
  writeFileSync(calls, "");
  return {
    dir,
    env: { PATH: `${bin}:${process.env["PATH"]}`, DOUBLE_CALLS: calls, ...scenario },
    calls: () => readFileSync(calls, "utf8").split("\n").filter(Boolean),
  };
}

function runBash(script: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000) {
  const run = spawnSync("bash", ["-euo", "pipefail", "-c", script], { env, encoding: "utf8", timeout: timeoutMs });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("topology: the plan's bash, run with kubectl/helm doubles", function () {
  this.timeout(90_000);

  it("wait_guarded fails at once with the pod's events when a pod cannot pull its image", () => {
    const box = sandbox({ DOUBLE_PODS: "data-api-7d9 ImagePullBackOff\\n", DOUBLE_WAIT_SECONDS: "300" });
    const run = runBash(
      `${waitGuardedFunction}\nwait_guarded one-data-data 'app=data-api' kubectl -n one-data-data rollout status deployment/data-api --timeout=400s`,
      box.env,
    );
    // Status 1, not the null of a run killed at runBash's limit: it did not wait out the double's 300 s rollout.
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include("pod one-data-data/data-api-7d9 will not become ready: ImagePullBackOff");
    expect(run.stderr).to.include("pod/data-api-7d9  pull failed (double)");
    expect(box.calls()).to.include(
      "kubectl -n one-data-data get events --field-selector involvedObject.name=data-api-7d9 --sort-by=.lastTimestamp",
    );
  });

  it("wait_guarded also catches a crash loop in a second container, and returns the wait's own status otherwise", () => {
    const crash = sandbox({ DOUBLE_PODS: "ok-pod \\nagent-1 Running CrashLoopBackOff\\n", DOUBLE_WAIT_SECONDS: "300" });
    const crashed = runBash(`${waitGuardedFunction}\nwait_guarded ns 'a=b' kubectl wait job/x`, crash.env);
    expect(crashed.status).to.equal(1);
    expect(crashed.stderr).to.include("pod ns/agent-1 will not become ready: CrashLoopBackOff");
    const healthy = sandbox({ DOUBLE_PODS: "ok-pod ContainerCreating\\n", DOUBLE_WAIT_SECONDS: "3", DOUBLE_WAIT_EXIT: "0" });
    expect(runBash(`${waitGuardedFunction}\nwait_guarded ns 'a=b' kubectl wait job/x`, healthy.env).status).to.equal(0);
    const timedOut = sandbox({ DOUBLE_PODS: "", DOUBLE_WAIT_EXIT: "7" });
    expect(runBash(`${waitGuardedFunction}\nwait_guarded ns 'a=b' kubectl wait job/x\necho unreachable`, timedOut.env).status).to.equal(7);
  });

  const infraStep = () => {
    const infra = buildPlan({ env: "cluster", registry: "r.example", imageTag: "t", istio: false, phases: ["infra"] })[0]!;
    const step = infra.steps.find((s): s is Extract<Step, { kind: "shell" }> => s.kind === "shell" && s.description.startsWith("helm:"))!;
    return step.script.replaceAll("/work/", "WORK/");
  };

  it("the infra step fails when a Helm install running in the background fails, and prints each release's log once", () => {
    const box = sandbox({ DOUBLE_FAILING_RELEASE: "mysql" });
    const run = runBash(infraStep().replaceAll("WORK/", `${box.dir}/work/`), box.env);
    expect(run.status, run.stdout + run.stderr).to.not.equal(0);
    expect(run.stdout).to.include("--- helm mysql: FAILED");
    expect(run.stdout.split("Error: release mysql failed (double)").length - 1, "mysql's error printed once").to.equal(1);
    expect(run.stdout).to.include("--- helm minio: ok");
    expect(run.stdout).to.include("release minio ready after");
  });

  it("the infra step skips Milvus when MinIO failed, and passes when every release installs", () => {
    const failed = sandbox({ DOUBLE_FAILING_RELEASE: "minio" });
    const run = runBash(infraStep().replaceAll("WORK/", `${failed.dir}/work/`), failed.env);
    expect(run.status).to.not.equal(0);
    expect(failed.calls().some((c) => c.startsWith("helm upgrade --install milvus"))).to.equal(false);
    const fine = sandbox({});
    const ok = runBash(infraStep().replaceAll("WORK/", `${fine.dir}/work/`), fine.env);
    expect(ok.status, ok.stdout + ok.stderr).to.equal(0);
    expect(fine.calls().some((c) => c.startsWith("helm upgrade --install milvus"))).to.equal(true);
  });
});

describe("topology: teardown's bash, run with kubectl/helm doubles", function () {
  this.timeout(90_000);
  const teardownScript = () => {
    const [step] = teardownSteps("cluster");
    if (step?.kind !== "shell") throw new Error("teardown --env=cluster has no shell step");
    return step.script;
  };

  it("fails, naming the release, when an installed release does not uninstall", () => {
    const box = sandbox({ DOUBLE_HELM_RELEASES: "milvus\\n", DOUBLE_FAILING_RELEASE: "milvus", DOUBLE_FAILING_VERB: "uninstall" });
    const run = runBash(teardownScript(), box.env);
    expect(run.status, run.stdout).to.not.equal(0);
    expect(run.stderr).to.include("Error: release milvus failed (double)");
    expect(run.stdout).to.not.include("release milvus not present");
    expect(
      box.calls().some((c) => c.startsWith("kubectl delete namespace")),
      "namespaces kept after a failed uninstall",
    ).to.equal(false);
  });

  it("uninstalls the releases that are there, says which are not, and deletes our namespaces", () => {
    const box = sandbox({ DOUBLE_HELM_RELEASES: "minio\\nmysql\\n" });
    const run = runBash(teardownScript(), box.env);
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    expect(box.calls()).to.include("helm -n one-data-infra uninstall minio --wait --timeout 300s");
    expect(box.calls()).to.include("helm -n one-data-infra uninstall mysql --wait --timeout 300s");
    expect(box.calls().some((c) => c.includes("uninstall milvus"))).to.equal(false);
    expect(run.stdout).to.include("release milvus not present");
    expect(box.calls().some((c) => c.startsWith("kubectl delete namespace one-data-infra"))).to.equal(true);
  });

  it("fails when Helm cannot list the releases, instead of calling them absent", () => {
    const box = sandbox({ DOUBLE_FAILING_RELEASE: "one-data-infra", DOUBLE_FAILING_VERB: "list" });
    const run = runBash(teardownScript(), box.env);
    expect(run.status, run.stdout).to.not.equal(0);
    expect(run.stdout).to.not.include("not present");
  });
});

describe("topology: status's bash, run with kubectl/helm doubles", function () {
  this.timeout(90_000);

  it("reads a Deployment with no ready replica as 0/1 NOT READY, shows the pod's reason and events, and exits 1", () => {
    const box = sandbox({
      DOUBLE_NAMESPACE: "one-data-data",
      DOUBLE_WORKLOADS: "Deployment/data-api||1\\n",
      DOUBLE_STATUS_PODS: "data-api-7d9|Pending|False| ImagePullBackOff\\n",
      DOUBLE_HELM_RELEASES: "",
    });
    const run = runBash(
      statusScript("cluster")
        .replace(/^export KUBECONFIG=.*\n/, "")
        .replaceAll("/work/", `${box.dir}/work/`),
      box.env,
    );
    expect(run.status, run.stderr).to.equal(1);
    expect(run.stdout).to.include("  Deployment/data-api 0/1 NOT READY");
    expect(run.stdout).to.include("  pod data-api-7d9 not ready: Pending  ImagePullBackOff");
    expect(run.stdout).to.include("pod/data-api-7d9  pull failed (double)");
    expect(run.stdout).to.include("something is not ready (above)");
  });

  it("reads a ready Deployment as ready", () => {
    const box = sandbox({ DOUBLE_NAMESPACE: "one-data-agent", DOUBLE_WORKLOADS: "Deployment/agent-api|1|1\\n" });
    const run = runBash(
      statusScript("cluster")
        .replace(/^export KUBECONFIG=.*\n/, "")
        .replaceAll("/work/", `${box.dir}/work/`),
      box.env,
    );
    expect(run.stdout).to.include("  Deployment/agent-api 1/1 ready");
  });
});

describe("topology: --weights, weights downloaded beforehand", function () {
  this.timeout(60_000);
  const options = {
    env: "cluster",
    registry: "r.example",
    imageTag: "t",
    istio: false,
    phases: ["model"],
    sources: { localWeights: true },
  } as const;
  const model = buildPlan({ ...options, accelerator: { gpu: false, arch: "amd64" } })[0]!;
  const shellSteps = model.steps.filter((s): s is Extract<typeof s, { kind: "shell" }> => s.kind === "shell");
  const copy = shellSteps.find((s) => s.description.startsWith("copy the weights from --weights"))!;
  /** The copy step with the host directory where the test put it. */
  const copyScript = (weights: string) => copy.script.replaceAll(hostWeightsPath, weights);

  it("copies each model into its server's weights volume before vLLM starts, then vLLM serves the copy and downloads nothing", () => {
    expect(shellSteps.indexOf(copy)).to.be.lessThan(shellSteps.findIndex((s) => s.description.startsWith("vLLM Deployments")));
    const vllm = shellSteps.flatMap((s) => s.manifests ?? []).filter((m) => m.kind === "Deployment") as {
      spec: { template: { spec: { containers: { args: string[]; env: { name: string; value?: string }[] }[] } } };
    }[];
    expect(vllm.map((d) => d.spec.template.spec.containers[0]!.args[0])).to.deep.equal([
      "/models/local/Qwen/Qwen2.5-0.5B-Instruct",
      "/models/local/BAAI/bge-small-zh-v1.5",
    ]);
    for (const d of vllm) {
      const env = d.spec.template.spec.containers[0]!.env;
      expect(env).to.deep.include({ name: "HF_HUB_OFFLINE", value: "1" });
      expect(env.map((e) => e.name)).to.not.include("HF_ENDPOINT");
    }
    expect(formatPlanAndRequests({ ...options })).to.include(
      "model weights: the host directory given with --weights, copied into the weights volumes (HF_HUB_OFFLINE=1)",
    );
  });

  it("runs kubectl cp of each model directory through a loader pod, the running servers stopped first", () => {
    const weights = mkdtempSync(join(tmpdir(), "weights-"));
    for (const id of ["Qwen/Qwen2.5-0.5B-Instruct", "BAAI/bge-small-zh-v1.5"]) {
      mkdirSync(join(weights, id), { recursive: true });
      writeFileSync(join(weights, id, "config.json"), "{}");
    }
    const box = sandbox({});
    const run = runBash(copyScript(weights), box.env);
    expect(run.status, run.stderr).to.equal(0);
    const calls = box.calls();
    const at = (prefix: string) => calls.findIndex((c) => c.startsWith(prefix));
    expect(at("kubectl -n one-data-model scale deployment vllm-serving --replicas=0")).to.be.greaterThan(-1);
    expect(at("kubectl -n one-data-model scale deployment vllm-serving")).to.be.lessThan(at("kubectl apply"));
    expect(calls).to.include(
      `kubectl -n one-data-model cp ${weights}/Qwen/Qwen2.5-0.5B-Instruct/. vllm-serving-weights-loader:/models/local/Qwen/Qwen2.5-0.5B-Instruct`,
    );
    expect(calls).to.include(
      `kubectl -n one-data-model cp ${weights}/BAAI/bge-small-zh-v1.5/. vllm-embedding-weights-loader:/models/local/BAAI/bge-small-zh-v1.5`,
    );
    expect(at("kubectl -n one-data-model delete pod vllm-serving-weights-loader")).to.be.greaterThan(at("kubectl -n one-data-model cp"));
  });

  it("refuses before touching the cluster when a model is missing from the directory", () => {
    const weights = mkdtempSync(join(tmpdir(), "weights-"));
    mkdirSync(join(weights, "Qwen/Qwen2.5-0.5B-Instruct"), { recursive: true });
    writeFileSync(join(weights, "Qwen/Qwen2.5-0.5B-Instruct/config.json"), "{}");
    const box = sandbox({});
    const run = runBash(copyScript(weights), box.env);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include("--weights has no BAAI/bge-small-zh-v1.5/config.json");
    expect(box.calls()).to.deep.equal([]);
  });
});

describe("topology: what verify reads from the cluster", () => {
  const record = (registry: string, tags: Record<string, string>) =>
    [
      `record/dataApi ${registry}/one-data-data-api:${tags.dataApi}`,
      `record/agentApi ${registry}/one-data-agent-api:${tags.agentApi}`,
      `record/modelJobs ${registry}/one-data-model-jobs:${tags.modelJobs}`,
      `record/acceptance ${registry}/one-data-acceptance:${tags.acceptance}`,
    ].join("\n");
  const tags = { dataApi: "src-000000000001", agentApi: "src-000000000002", modelJobs: "src-000000000003", acceptance: "src-000000000004" };

  it("takes the acceptance image deploy recorded (and its registry), each image with its own tag, not the source's", () => {
    expect(
      parseDeployedImages(
        `one-data-data/data-api docker.io/library/one-data-data-api:${tags.dataApi}\none-data-agent/agent-api docker.io/library/one-data-agent-api:${tags.agentApi}\n${record("docker.io/library", tags)}\n`,
      ),
    ).to.deep.equal({ imageTag: tags.acceptance });
    expect(
      parseDeployedImages(
        `one-data-data/data-api ghcr.io/acme/one-data-data-api:${tags.dataApi}\none-data-agent/agent-api ghcr.io/acme/one-data-agent-api:${tags.agentApi}\n${record("ghcr.io/acme", tags)}`,
      ),
    ).to.deep.equal({ imageTag: tags.acceptance, registry: "ghcr.io/acme" });
  });

  it("refuses when deploy has not run, left no record, or a Deployment runs another build than recorded", () => {
    expect(() => parseDeployedImages("")).to.throw(/Deployment one-data-data\/data-api not found: run `dagger call deploy` first/);
    const running = `one-data-data/data-api docker.io/library/one-data-data-api:${tags.dataApi}\none-data-agent/agent-api docker.io/library/one-data-agent-api:${tags.agentApi}`;
    expect(() => parseDeployedImages(`${running}\nrecord/acceptance\n`)).to.throw(
      /ConfigMap one-data-agent\/deployed-images has no dataApi image/,
    );
    expect(() => parseDeployedImages(`${running}\n${record("docker.io/library", { ...tags, agentApi: "src-0000000000ff" })}`)).to.throw(
      /agent-api runs docker.io\/library\/one-data-agent-api:src-000000000002 where deploy recorded .*:src-0000000000ff/,
    );
    expect(() => parseDeployedImages("one-data-data/data-api nginx:1\none-data-agent/agent-api nginx:1")).to.throw(/not one-data-data-api/);
  });

  it("asks kubectl for each of our Deployments' image and each entry of deploy's record", () => {
    const script = deployedImagesScript("cluster");
    expect(script).to.include("kubectl -n one-data-data get deployment data-api -o jsonpath=");
    expect(script).to.include("kubectl -n one-data-agent get deployment agent-api -o jsonpath=");
    expect(script).to.include(
      `kubectl -n one-data-agent get configmap deployed-images -o jsonpath='record/acceptance {.data.acceptance}{"\\n"}'`,
    );
  });

  it("deploys each image under its own tag and records them all", () => {
    const plan = buildPlan({ env: "kind", imageTag: tags, istio: false, accelerator: { gpu: false, arch: "amd64" } });
    const manifests = plan.flatMap((p) => p.steps.flatMap((s) => (s.kind === "shell" && s.manifests ? [...s.manifests] : [])));
    const images = JSON.stringify(manifests);
    expect(images).to.include(`docker.io/library/one-data-data-api:${tags.dataApi}`);
    expect(images).to.include(`docker.io/library/one-data-agent-api:${tags.agentApi}`);
    expect(images).to.include(`docker.io/library/one-data-model-jobs:${tags.modelJobs}`);
    const recorded = manifests.find((m) => m.kind === "ConfigMap" && m.metadata?.name === "deployed-images") as {
      data: Record<string, string>;
    };
    expect(recorded.data).to.deep.equal({
      dataApi: `docker.io/library/one-data-data-api:${tags.dataApi}`,
      agentApi: `docker.io/library/one-data-agent-api:${tags.agentApi}`,
      modelJobs: `docker.io/library/one-data-model-jobs:${tags.modelJobs}`,
      acceptance: `docker.io/library/one-data-acceptance:${tags.acceptance}`,
    });
    const load = plan[0]!.steps.find((s) => s.kind === "load-images");
    expect(load?.description).to.include(`one-data-acceptance:${tags.acceptance}`);
  });
});

describe("topology: how the module names and reports steps", () => {
  const at: StepPosition = { fn: "deploy", phase: "infra", phaseIndex: 2, phaseCount: 5, stepIndex: 3 };

  it("names a step by function, phase and step for Dagger's TUI and its script file", () => {
    expect(stepSpanName(at, "helm: minio")).to.equal("deploy 2/5 infra · 2.3 helm: minio");
    expect(stepSpanName({ fn: "verify", phase: "verify", phaseIndex: 1, phaseCount: 1, stepIndex: 2 }, "acceptance")).to.equal(
      "verify · 1.2 acceptance",
    );
    expect(stepScriptPath(at)).to.equal("/work/steps/deploy-infra-2.3.sh");
  });

  it("says where a step failed, why (exit code or timeout), and its output once", () => {
    const timedOut = stepFailureMessage(at, "helm: minio", { exitCode: 124, timeoutSeconds: 1400, stdout: "waiting\n", stderr: "" });
    expect(timedOut).to.equal("deploy 2/5 infra · 2.3 helm: minio: failed (timed out after 1400s)\n--- stdout\nwaiting");
    const failed = stepFailureMessage(at, "helm: minio", { exitCode: 1, timeoutSeconds: 1400, stdout: "out", stderr: "Error: boom" });
    expect(failed).to.equal("deploy 2/5 infra · 2.3 helm: minio: failed (exit code 1)\n--- stdout\nout\n--- stderr\nError: boom");
  });

  it("reports every failure of ci, teardown's after deploy's", () => {
    const message = ciFailureMessage([
      { stage: "deploy", message: "image pull failed" },
      { stage: "teardown", message: "docker socket gone" },
    ]);
    expect(message).to.equal(
      "ci failed in deploy and teardown\n=== deploy failed:\nimage pull failed\n=== teardown failed:\ndocker socket gone",
    );
  });
});

describe("topology: phase deadlines and steps a function cannot run", () => {
  const phase = { phase: "infra", timeoutSeconds: 600 };

  it("cuts a step's timeout to what is left of its phase's, so the phase's timeout interrupts the step", () => {
    expect(stepTimeoutWithinPhase(phase, 0, 420)).to.equal(420);
    expect(stepTimeoutWithinPhase(phase, 500, 420)).to.equal(100);
    expect(stepTimeoutWithinPhase(phase, 599.2, 420)).to.equal(1);
  });

  it("refuses to start a step once the phase's time is used up, naming the phase", () => {
    expect(() => stepTimeoutWithinPhase(phase, 600, 60)).to.throw("phase infra exceeded its 600s timeout");
  });

  it("refuses a step verify or teardown cannot run instead of skipping it", () => {
    const steps: Step[] = [
      { kind: "shell", description: "a", script: "true", timeoutSeconds: 5 },
      { kind: "load-images", description: "load our images", images: ["dataApi"] },
    ];
    expect(() => shellStepsOnly("teardown", steps)).to.throw('teardown cannot run step 2 "load our images" (a load-images step)');
    expect(shellStepsOnly("verify", steps.slice(0, 1)).map((s) => s.description)).to.deep.equal(["a"]);
  });
});
