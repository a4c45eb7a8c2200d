import { execFileSync } from "node:child_process";
import { expect } from "chai";
import {
  appSelector,
  acceptanceOutcome,
  appServices,
  buildPlan,
  jobs,
  models,
  connectPrelude,
  forwardScript,
  forwardedPorts,
  helmReleases,
  infraServices,
  logsScript,
  namespaces,
  nonRootUid,
  ourImageRef,
  ourImages,
  releaseSelector,
  secrets,
  seedChecksScript,
  selectorString,
  serviceHost,
  statusScript,
  teardownSteps,
  verifySteps,
  type AcceptanceOutcome,
  type Manifest,
  type OurImageKey,
  type PlanOptions,
  type ShellStep,
  type ServiceEndpoint,
  type Step,
  waitGuardedFunction,
} from "@one-data/topology";
import { kubectl, kubectlOk, notRunnableHere, portForward, requireKube, runStep, type Kube, type Ran } from "../cluster/support/kube.js";
import { infraStandIns } from "./infra-stand-ins.js";
import { modelStandIns, standInReadinessPath, type ModelStandIn } from "./model-stand-ins.js";
import { stepApplying } from "./plan-steps.js";
import { brokenAgentTag, nodeAccelerator, nodeImageRefs } from "./refs.js";
import type { AcceptanceConfig } from "../acceptance/src/config.js";
import type { CheckStatus } from "../acceptance/src/runner.js";

/**
 * The deploy plan's own steps on the test node (scripts/local/kube-node.sh),
 * in plan order, with the plan's manifests and kubeconfig path and the real
 * kubectl: every `rollout status` and `kubectl wait` waits on pods the real
 * kubelet runs and probes. The Helm releases of phase infra cannot be
 * installed here (no charts, no chart images): the stand-ins of
 * test/node/infra-stand-ins.ts take their place under the same Service names,
 * labels and Secrets, and the plan's own readiness waits for the releases run
 * against them. Our images are the ones start_node built and imported (tag
 * KUBE_TEST_NODE_IMAGE_TAG), as `kind load` leaves them.
 */
const deadline = "--timeout=600s";

/** The tag start_node built and imported our images under. */
function nodeImageTag(): string {
  const imageTag = process.env.KUBE_TEST_NODE_IMAGE_TAG;
  if (!imageTag)
    throw new Error("KUBE_TEST_NODE_IMAGE_TAG is not set: start_node (scripts/local/kube-node.sh) sets it with NODE_IMAGES=all");
  return imageTag;
}

/** The new tag the second deploy rolls our workloads onto (the same build, tagged again). */
function secondDeployTag(): string {
  return `${nodeImageTag()}-second`;
}

function planOptions(imageTag: string = nodeImageTag()): PlanOptions {
  return { env: "kind", istio: false, accelerator: nodeAccelerator, imageTag };
}

function phaseSteps(phase: string, options: PlanOptions = planOptions()): readonly Step[] {
  const found = buildPlan(options).find((p) => p.phase === phase);
  if (!found) throw new Error(`the plan has no phase ${phase}`);
  return found.steps;
}

function runOnNode(kube: Kube, step: Step, model: ModelStandIn = "scripted-double"): Ran {
  const shell = onNode(kube, step, model);
  const ran = runStep(kube, "kind", shell, {}, "real");
  // 124: `timeout` ended the step at its deadline (runStep).
  const why = ran.status === 124 ? `did not finish within its ${shell.timeoutSeconds}s` : `failed (exit ${ran.status})`;
  if (ran.status !== 0) expect.fail(`step "${shell.description}" ${why} on the test node:\n${ran.stdout}\n${ran.stderr}`);
  return ran;
}

/** One of the after-deploy functions' scripts (status, logs, seed-checks), as the Dagger function runs it. */
function runOperation(kube: Kube, description: string, script: string, timeoutSeconds: number): Ran {
  return runStep(kube, "kind", { kind: "shell", description, script, timeoutSeconds }, {}, "real");
}

/**
 * A step whose workloads cannot run here (Helm releases, vLLM), as its
 * stand-ins: they are applied in the workloads' place, then the step's own
 * waits (the lines matching `wait`, guarded as in the step) run on them.
 */
function withStandIns(kube: Kube, step: ShellStep, standIns: readonly Manifest[], wait: RegExp, waits: number): ShellStep {
  kubectlOk(kube, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: standIns }));
  const lines = step.script
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => wait.test(l));
  expect(lines, `the waits of step "${step.description}"`).to.have.length(waits);
  return {
    ...step,
    description: `${step.description} [stand-ins, the step's own waits]`,
    script: [connectPrelude("kind"), waitGuardedFunction, ...lines].join("\n"),
  };
}

const helmReadyWait = /^wait_guarded \S+ '[^']+' kubectl -n \S+ wait --for=condition=Ready pod -l /;
const rolloutWait = /^wait_guarded \S+ '[^']+' kubectl -n \S+ rollout status deployment\//;

/** The plan's step as it runs on the node: Helm's and vLLM's workloads replaced by their stand-ins. */
function onNode(kube: Kube, step: Step, model: ModelStandIn): ShellStep {
  if (step.kind === "detect-accelerator") return { kind: "shell", description: step.description, timeoutSeconds: 60, script: step.script };
  if (step.kind !== "shell") throw new Error(`step "${step.description}" (${step.kind}) does not run on the node`);
  if (notRunnableHere(step) !== undefined) return withStandIns(kube, step, infraStandIns(), helmReadyWait, helmReleases.length);
  if (step.manifests?.some((m) => m.kind === "Deployment" && m.metadata?.name === appServices.vllmServing.name)) {
    const services = step.manifests.filter((m) => m.kind === "Service");
    return withStandIns(kube, step, [...services, ...modelStandIns(model)], rolloutWait, 2);
  }
  return step;
}

/** `verify`'s step (the acceptance Job, our images' tag). */
function verifyStep(options: PlanOptions = planOptions()): ShellStep {
  const [step, ...more] = verifySteps(options);
  expect(more, "verify is one step").to.have.length(0);
  if (step?.kind !== "shell") throw new Error("verify's step is not a shell step");
  return step;
}

/** `verify`'s verdict, read by the Dagger function's own reader. */
function verifyOutcome(kube: Kube, step: ShellStep = verifyStep()): AcceptanceOutcome {
  const ran = runOnNode(kube, step);
  return acceptanceOutcome(ran.work?.["acceptance.log"] ?? "", ran.work?.["acceptance.succeeded"] ?? "");
}

/** The step under a tighter deadline than the plan's (which allows for vLLM downloading weights). */
function bounded(step: ShellStep, seconds: number): ShellStep {
  return { ...step, timeoutSeconds: Math.min(step.timeoutSeconds, seconds) };
}

/** The variable of the acceptance suite's config that records wrong answers instead of failing on them. */
const tolerateWrongAnswers: keyof AcceptanceConfig = "ACCEPTANCE_TOLERATE_WRONG_ANSWERS";
const wrongAnswer: CheckStatus = "wrong-answer";

/**
 * `verify`'s step as the recorded run takes it, as the local acceptance's
 * second run does: the plan's Job with one variable added,
 * ACCEPTANCE_TOLERATE_WRONG_ANSWERS=true; everything else is the plan's.
 */
function recordedVerifyStep(options: PlanOptions, seconds: number): ShellStep {
  const step = verifyStep(options);
  const [job, ...more] = structuredClone(step.manifests ?? []) as Extract<Manifest, { kind: "Job" }>[];
  expect(more, "verify applies one Job").to.have.length(0);
  const container = job?.spec?.template.spec?.containers[0];
  if (!job || !container) throw new Error("verify's Job has no container");
  expect((container.env ?? []).map((e) => e.name)).to.not.include(tolerateWrongAnswers);
  container.env = [...(container.env ?? []), { name: tolerateWrongAnswers, value: "true" }];
  return bounded({ ...step, manifests: [job] }, seconds);
}

/**
 * Right answers, recorded wrong ones and failures of a run, from its JUnit: a
 * tolerated wrong answer is a passing case whose output starts with its status
 * (test/acceptance/src/report/junit.ts).
 */
function answerCounts(junit: string): { right: number; wrong: number; failed: number } {
  const cases = junit.split("<testcase").slice(1);
  const failed = cases.filter((c) => /<failure\b/.test(c)).length;
  const wrong = cases.filter((c) => c.includes(`<system-out>${wrongAnswer}:`)).length;
  return { right: cases.length - failed - wrong, wrong, failed };
}

/** Data of our generated Secrets as the server holds them, by namespace/name. */
function secretData(kube: Kube): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const s of Object.values(secrets)) {
    const got = kubectl(kube, ["-n", s.namespace, "get", "secret", s.name, "-o", "json"]);
    if (got.status === 0) out[`${s.namespace}/${s.name}`] = (JSON.parse(got.stdout) as { data: Record<string, string> }).data;
  }
  return out;
}

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string };
  spec: {
    securityContext?: { runAsUser?: number; runAsNonRoot?: boolean };
    containers: { image: string; securityContext?: { readOnlyRootFilesystem?: boolean } }[];
  };
  status: { conditions?: { type: string; status: string }[]; containerStatuses?: { ready: boolean }[] };
}

function readyPods(kube: Kube, namespace: string, selector: string): PodJson[] {
  const list = JSON.parse(kubectlOk(kube, ["-n", namespace, "get", "pods", "-l", selector, "-o", "json"])) as { items: PodJson[] };
  // A pod being deleted can still read Ready until its container stops, though it is no longer served.
  return list.items.filter(
    (p) => p.metadata.deletionTimestamp === undefined && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
}

/** Runs Node in the pod's container and returns what it printed. */
function nodeInPod(kube: Kube, namespace: string, pod: string, source: string): string {
  return kubectlOk(kube, ["-n", namespace, "exec", pod, "--", "node", "-e", source]).trim();
}

/**
 * A TCP connection from the workload's pod to the Service, by its cluster DNS
 * name: "connected", or the error's code. The NetworkPolicy enforcer rejects
 * what no policy allows (ECONNREFUSED), so neither verdict waits on a timeout.
 */
function tcpFrom(kube: Kube, from: ServiceEndpoint, to: ServiceEndpoint): string {
  const [pod] = readyPods(kube, from.namespace, selectorString(appSelector(from.name)));
  if (!pod) throw new Error(`no Ready ${from.name} pod`);
  const source = `const s = require("net").connect(${to.port}, ${JSON.stringify(serviceHost(to))});
s.setTimeout(60000, () => { console.log("ETIMEDOUT"); s.destroy(); });
s.on("connect", () => { console.log("connected"); s.destroy(); });
s.on("error", (e) => console.log(e.code));`;
  return nodeInPod(kube, from.namespace, pod.metadata.name, source);
}

describe("the deploy plan's steps on the test node (real kubelet, our images, infra stand-ins)", function () {
  this.timeout(1_200_000);
  let kube: Kube;
  const started = Date.now();

  before(function () {
    kube = requireKube();
    if (!process.env.KUBE_TEST_NODE_NAME)
      throw new Error("no test node: KUBE_TEST_NODE_NAME is not set (scripts/local/servers.sh start-node)");
    kubectlOk(kube, ["delete", "namespace", ...Object.values(namespaces), "--ignore-not-found", "--wait=true", deadline]);
  });

  after(function () {
    console.log(`      deploy on the test node: ${Math.round((Date.now() - started) / 1000)}s`);
  });

  it("phase infra: namespaces, generated Secrets, and the four releases' stand-ins Ready through the plan's own waits", function () {
    for (const step of phaseSteps("infra")) runOnNode(kube, step);
    for (const release of helmReleases) {
      const pods = readyPods(kube, release.namespace, releaseSelector(release));
      expect(pods, `${release.release}: Ready pods under the chart's labels`).to.have.length(1);
      const endpoints = kubectlOk(kube, [
        "-n",
        release.namespace,
        "get",
        "endpointslices",
        "-l",
        `kubernetes.io/service-name=${release.service.name}`,
        "-o",
        "jsonpath={.items[*].endpoints[*].conditions.ready}",
      ]);
      expect(endpoints.trim(), `Service ${release.service.name} has a ready endpoint`).to.equal("true");
    }
  });

  it("phase data: data-api reaches Ready through the kubelet's probes, as non-root on a read-only root, with every dependency ok", function () {
    const ran = phaseSteps("data").map((step) => runOnNode(kube, step).stdout);
    expect(ran.at(-1)).to.contain('deployment "data-api" successfully rolled out');
    const { name, namespace, port } = appServices.dataApi;
    const [pod, ...more] = readyPods(kube, namespace, selectorString(appSelector(name)));
    expect(more, "one data-api pod").to.have.length(0);
    expect(pod, "a Ready data-api pod").to.not.equal(undefined);
    expect(pod!.spec.securityContext?.runAsUser).to.equal(nonRootUid);
    expect(pod!.spec.containers[0]!.securityContext?.readOnlyRootFilesystem).to.equal(true);
    expect(nodeInPod(kube, namespace, pod!.metadata.name, "console.log(process.getuid())")).to.equal(String(nonRootUid));
    expect(
      nodeInPod(
        kube,
        namespace,
        pod!.metadata.name,
        `try { require("fs").writeFileSync("/probe", ""); console.log("written") } catch (e) { console.log(e.code) }`,
      ),
    ).to.equal("EROFS");
    const ready = JSON.parse(
      nodeInPod(
        kube,
        namespace,
        pod!.metadata.name,
        `fetch("http://127.0.0.1:${port}/api/v1/ready", { signal: AbortSignal.timeout(20000) }).then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.json() })))`,
      ),
    ) as { status: number; body: { data?: { checks?: Record<string, string> } } };
    expect(ready.status).to.equal(200);
    const checks = ready.body.data?.checks ?? {};
    expect(checks, JSON.stringify(ready.body)).to.include({ milvus: "ok" });
    expect(Object.values(checks), JSON.stringify(ready.body)).to.satisfy((v: string[]) => v.length > 1 && v.every((c) => c === "ok"));
  });

  it("phase model: the plan's vLLM Services with the scripted model double behind them, then the bootstrap Job and the Data -> Model Job complete", function () {
    const ran = phaseSteps("model").map((step) => runOnNode(kube, step).stdout);
    expect(ran[0]).to.contain("gpu_nodes=0 arch=amd64");
    for (const job of [jobs.dataBootstrap, jobs.modelJob]) {
      const status = kubectlOk(kube, ["-n", job.namespace, "get", "job", job.name, "-o", "jsonpath={.status.succeeded}"]);
      expect(status, `Job ${job.namespace}/${job.name} succeeded`).to.equal("1");
    }
  });

  it("phase agent: agent-api reaches Ready through the kubelet's probes, as non-root on a read-only root", function () {
    const ran = phaseSteps("agent").map((step) => runOnNode(kube, step).stdout);
    expect(ran.at(-1)).to.contain('deployment "agent-api" successfully rolled out');
    const { name, namespace } = appServices.agentApi;
    const [pod, ...more] = readyPods(kube, namespace, selectorString(appSelector(name)));
    expect(more, "one agent-api pod").to.have.length(0);
    expect(pod!.spec.securityContext?.runAsUser).to.equal(nonRootUid);
    expect(pod!.spec.containers[0]!.securityContext?.readOnlyRootFilesystem).to.equal(true);
  });

  it("the plan's NetworkPolicies, enforced on the node: agent-api reaches data-api, data-api reaches MySQL, agent-api straight to MySQL is refused", function () {
    const { dataApi, agentApi } = appServices;
    expect(tcpFrom(kube, agentApi, dataApi), "agent-api -> data-api (allowed)").to.equal("connected");
    expect(tcpFrom(kube, dataApi, infraServices.mysql), "data-api -> mysql (allowed)").to.equal("connected");
    expect(tcpFrom(kube, agentApi, infraServices.mysql), "agent-api -> mysql (no policy allows it)").to.equal("ECONNREFUSED");
  });

  it("verify: the acceptance suite as a Job passes, its JUnit read as the Dagger function reads it", function () {
    const outcome = verifyOutcome(kube);
    console.log(
      outcome.summary
        .split("\n")
        .map((l) => `      ${l}`)
        .join("\n"),
    );
    expect(outcome.passed, outcome.summary).to.equal(true);
    expect(outcome.junit).to.match(/<testsuites?\b/);
    expect(outcome.junit).to.not.match(/<failure\b/);
  });

  it("verify fails on a broken agent (an agent image that does not serve /api/v1/chat), and passes again once the real one is back", function () {
    const broken = planOptions(brokenAgentTag(nodeImageTag()));
    for (const step of phaseSteps("agent", broken)) runOnNode(kube, step);
    const failed = verifyOutcome(kube);
    expect(failed.passed, failed.summary).to.equal(false);
    expect(failed.junit).to.match(/<failure\b/);
    for (const step of phaseSteps("agent")) runOnNode(kube, step);
    const passed = verifyOutcome(kube);
    expect(passed.passed, passed.summary).to.equal(true);
  });

  it("kubectl port-forward to agent-api serves the page and /api/v1/chat", async function () {
    const { name, namespace, port } = appServices.agentApi;
    const forward = await portForward(kube, namespace, name, port);
    try {
      const page = await fetch(`${forward.url}/`, { signal: AbortSignal.timeout(60_000) });
      expect(page.status).to.equal(200);
      expect(page.headers.get("content-type")).to.match(/^text\/html/);
      expect(await page.text()).to.match(/<html/i);
      const chat = await fetch(`${forward.url}/api/v1/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: "What is 2+2?" }),
        signal: AbortSignal.timeout(120_000),
      });
      const body = (await chat.json()) as { code: number; data?: { reply?: string; model?: string } };
      expect(chat.status, JSON.stringify(body)).to.equal(200);
      expect(body.data?.reply, JSON.stringify(body)).to.be.a("string").and.not.equal("");
      expect(body.data?.model).to.equal(models.chat);
    } finally {
      forward.stop();
    }
  });

  it("status reports our workloads ready from the real pods; only the Helm releases, which stand-ins replace here, are missing", function () {
    const ran = runOperation(kube, "status", statusScript("kind"), 300);
    for (const service of [appServices.dataApi, appServices.agentApi])
      expect(ran.stdout).to.match(new RegExp(`Deployment/${service.name} 1/1 ready`, "i"));
    const notReady = ran.stdout.split("\n").filter((line) => /NOT READY|not installed|not ready:/.test(line));
    expect(notReady, ran.stdout).to.have.length.greaterThan(0);
    for (const line of notReady) expect(line, ran.stdout).to.match(/^\s*helm \S+ \([^)]+\): not installed$/);
    expect(ran.status).to.equal(1);
  });

  it("logs --component prints the last lines of our workload's pod and of a release's pod", function () {
    for (const component of ["data-api", "mysql"]) {
      const ran = runOperation(kube, "logs", logsScript("kind", component, 5), 120);
      expect(ran.status, `${component}: ${ran.stderr}`).to.equal(0);
      expect(ran.stdout.trim().split("\n").length, `${component}: ${ran.stdout}`).to.be.within(1, 5 + 2);
    }
  });

  it("seed-checks passes the seed's 3.4, 4.3, 5.3 and 6.1 checks against the pods, with its ✓ lines", function () {
    const ran = runOperation(kube, "seed-checks", seedChecksScript("kind"), 900);
    expect(ran.status, `${ran.stdout}\n${ran.stderr}`).to.equal(0);
    expect(ran.stdout).to.include("=== ONE-DATA-STUDIO PoC 集成验证 ===");
    expect(ran.stdout).to.not.include("✗");
    expect(ran.stdout.match(/✓/g)?.length ?? 0, ran.stdout).to.be.greaterThan(3);
  });

  it("forward serves the Data API, the Agent API and the model on the seed's ports while it runs", function () {
    const [data, agent, model] = forwardedPorts.map((p) => `http://127.0.0.1:${p.local}`);
    // The forward runs in its own process group, stopped by that group's PID once the ports answered.
    const script = [
      `cat >/work/forward.sh <<'ONE_DATA_FORWARD'`,
      forwardScript("cluster"),
      `ONE_DATA_FORWARD`,
      // As the forward service runs it (bash -euo pipefail), in a process group of its own.
      `setsid bash -euo pipefail /work/forward.sh >/work/forward.log 2>&1 &`,
      `forward=$!`,
      `trap 'kill -TERM -- -$forward 2>/dev/null || true' EXIT`,
      `deadline=$((SECONDS + 120))`,
      `until curl -s -o /dev/null ${agent}/ || [ $SECONDS -ge $deadline ]; do sleep 1; done`,
      `curl -fsS ${data}/api/v1/datasets -o /work/datasets.json`,
      `curl -fsS ${agent}/api/v1/health -o /work/health.json`,
      `curl -fsS ${model}/v1/models -o /work/models.json`,
    ].join("\n");
    // The kubeconfig's own server, as `forward --env=cluster` reaches it (the node has no Kind network).
    const ran = runStep(kube, "cluster", { kind: "shell", description: "forward", script, timeoutSeconds: 300 }, {}, "real");
    expect(ran.status, `${ran.stdout}\n${ran.stderr}\n${ran.work?.["forward.log"] ?? ""}`).to.equal(0);
    expect(JSON.parse(ran.work?.["datasets.json"] ?? "{}")).to.include({ code: 0 });
    expect(JSON.parse(ran.work?.["health.json"] ?? "{}")).to.include({ code: 0 });
    expect(JSON.stringify(JSON.parse(ran.work?.["models.json"] ?? "{}"))).to.include(models.chat);
  });

  it("a second deploy with a new tag rolls data-api and agent-api onto it and leaves every generated Secret as it was", function () {
    const firstTag = nodeImageTag();
    const secondTag = secondDeployTag();
    const second = planOptions(secondTag);
    const secretsBefore = secretData(kube);
    const podsBefore = [appServices.dataApi, appServices.agentApi].map((s) =>
      readyPods(kube, s.namespace, selectorString(appSelector(s.name))),
    );
    // The same build under a new tag, loaded as `kind load` does (a changed source gives new names: imageTag()).
    for (const key of Object.keys(ourImages) as OurImageKey[]) {
      execFileSync("ctr", [
        "--address",
        "/run/containerd/containerd.sock",
        "-n",
        "k8s.io",
        "images",
        "tag",
        "--force",
        ourImageRef(key, firstTag),
        ourImageRef(key, secondTag),
      ]);
    }
    for (const phase of ["infra", "data", "model", "agent"]) for (const step of phaseSteps(phase, second)) runOnNode(kube, step);
    [appServices.dataApi, appServices.agentApi].forEach((service, i) => {
      const key: OurImageKey = service === appServices.dataApi ? "dataApi" : "agentApi";
      const pods = readyPods(kube, service.namespace, selectorString(appSelector(service.name)));
      expect(
        pods.map((p) => p.metadata.name),
        `${service.name} rolled to new pods`,
      ).to.not.include.members(podsBefore[i]!.map((p) => p.metadata.name));
      expect(pods.map((p) => p.spec.containers[0]!.image)).to.deep.equal([ourImageRef(key, secondTag)]);
    });
    expect(secretData(kube)).to.deep.equal(secretsBefore);
    expect(Object.keys(secretsBefore)).to.have.length.greaterThan(4);
  });

  it("verify, recorded: with services/model-server and the small model behind vLLM's Services, only plumbing faults fail; wrong answers are counted", function () {
    const options = planOptions(secondDeployTag());
    const modelPhase = phaseSteps("model", options);
    // The plan's vLLM wait allows for a weights download; the model server only loads a file it holds.
    const standIns = bounded(stepApplying(modelPhase, "Deployment", appServices.vllmServing.name), 300);
    const bootstrap = stepApplying(modelPhase, "Job", jobs.dataBootstrap.name);
    const verify = recordedVerifyStep(options, 900);
    const [data, agent] = ["data", "agent"].map((phase) => phaseSteps(phase, options));
    // Each step fails clearly at its own deadline (the plan's, or the tighter ones above); mocha's is above their sum.
    const deadlines = [standIns, bootstrap, verify, ...data!, ...agent!].map((s) => (s.kind === "shell" ? s.timeoutSeconds : 60));
    this.timeout((deadlines.reduce((a, b) => a + b, 0) + 120) * 1000);
    const started = Date.now();
    // The model server in the double's place, through the plan's own rollout waits.
    runOnNode(kube, standIns, "model-server");
    for (const service of [appServices.vllmServing, appServices.vllmEmbedding]) {
      const pods = readyPods(kube, service.namespace, selectorString(appSelector(service.name)));
      expect(
        pods.map((p) => p.spec.containers[0]!.image),
        service.name,
      ).to.deep.equal([nodeImageRefs.modelServerStandIn]);
      expect(kubectlOk(kube, ["-n", service.namespace, "logs", pods[0]!.metadata.name]), service.name).to.include("model loaded");
    }
    // As the local recorded run starts the services afresh on the real model: data-api restarted (nothing it
    // learnt of the double carries over; the new embeddings have another dimension, so another collection),
    // the bootstrap Job indexing the glossary there, then agent-api restarted; each through the plan's own waits.
    const restart = (service: (typeof appServices)["dataApi" | "agentApi"], steps: readonly Step[]) => {
      kubectlOk(kube, ["-n", service.namespace, "rollout", "restart", `deployment/${service.name}`]);
      for (const step of steps) runOnNode(kube, step, "model-server");
    };
    restart(appServices.dataApi, data!);
    try {
      runOnNode(kube, bootstrap, "model-server");
    } catch (error) {
      // Its request lines (path, status, ms) tell a slow model from one never reached; the probe's are left out.
      const embedding = appServices.vllmEmbedding;
      const served = kubectl(kube, ["-n", embedding.namespace, "logs", `deployment/${embedding.name}`, "--tail=500"]);
      const requests = served.stdout
        .split("\n")
        .filter((line) => line !== "" && !line.includes(`"path":"${standInReadinessPath}"`))
        .slice(-20);
      throw new Error(`${(error as Error).message}\n${embedding.name}'s last log lines:\n${requests.join("\n")}${served.stderr}`, {
        cause: error,
      });
    }
    restart(appServices.agentApi, agent!);
    const outcome = verifyOutcome(kube, verify);
    console.log(
      outcome.summary
        .split("\n")
        .map((l) => `      ${l}`)
        .join("\n"),
    );
    const counts = answerCounts(outcome.junit);
    // Read by scripts/lib/test-totals.mjs for the test command's closing lines (recorded, not gating).
    console.log(`real model on the node: ${counts.right} right, ${counts.wrong} wrong`);
    console.log(`      recorded run on the node: ${Math.round((Date.now() - started) / 1000)}s`);
    expect(outcome.passed, `plumbing faults with the real model:\n${outcome.summary}`).to.equal(true);
    expect(counts.failed, outcome.junit).to.equal(0);
    expect(counts.right + counts.wrong, outcome.junit).to.be.greaterThan(0);
  });

  it("teardown --env=cluster leaves none of our namespaces", function () {
    for (const step of teardownSteps("cluster")) {
      if (step.kind !== "shell") throw new Error(`teardown step "${step.description}" is not a shell step`);
      const ran = runStep(kube, "cluster", step, {}, "real");
      if (ran.status !== 0) expect.fail(`teardown step "${step.description}" failed (exit ${ran.status}):\n${ran.stdout}\n${ran.stderr}`);
    }
    for (const namespace of Object.values(namespaces)) {
      expect(kubectlOk(kube, ["get", "namespace", namespace, "--ignore-not-found", "-o", "name"]).trim(), namespace).to.equal("");
    }
  });
});
