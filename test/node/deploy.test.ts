import { expect } from "chai";
import {
  appSelector,
  appServices,
  buildPlan,
  connectPrelude,
  helmReleases,
  namespaces,
  nonRootUid,
  releaseSelector,
  selectorString,
  type PlanOptions,
  type Step,
  waitGuardedFunction,
} from "@one-data/topology";
import { kubectl, notRunnableHere, requireKube, runStep, type Kube } from "../cluster/support/kube.js";
import { infraStandIns } from "./infra-stand-ins.js";

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
type ShellStep = Extract<Step, { kind: "shell" }>;

const deadline = "--timeout=600s";

function must(kube: Kube, args: string[], input?: string): string {
  const ran = kubectl(kube, args, input);
  if (ran.status !== 0) expect.fail(`kubectl ${args.join(" ")} failed (exit ${ran.status}):\n${ran.stdout}\n${ran.stderr}`);
  return ran.stdout;
}

function planOptions(): PlanOptions {
  const imageTag = process.env.KUBE_TEST_NODE_IMAGE_TAG;
  if (!imageTag)
    throw new Error("KUBE_TEST_NODE_IMAGE_TAG is not set: start_node (scripts/local/kube-node.sh) sets it with NODE_IMAGES=all");
  return { env: "kind", istio: false, accelerator: { gpu: false, arch: "amd64" }, imageTag };
}

function phaseSteps(phase: string): ShellStep[] {
  const found = buildPlan(planOptions()).find((p) => p.phase === phase);
  if (!found) throw new Error(`the plan has no phase ${phase}`);
  return found.steps.map((step) => {
    if (step.kind !== "shell") throw new Error(`step "${step.description}" of phase ${phase} is not a shell step`);
    return step;
  });
}

function runOnNode(kube: Kube, step: ShellStep): string {
  const ran = runStep(kube, "kind", step, {}, "real");
  if (ran.status !== 0)
    expect.fail(`step "${step.description}" failed (exit ${ran.status}) on the test node:\n${ran.stdout}\n${ran.stderr}`);
  return ran.stdout;
}

/**
 * The Helm step's own readiness waits (`kubectl wait --for=condition=Ready
 * pod -l <the chart's labels>`, guarded), run after the stand-ins are
 * applied in the releases' place.
 */
function standInsForHelm(kube: Kube, helmStep: ShellStep): ShellStep {
  must(kube, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: infraStandIns() }));
  const waits = helmStep.script
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^wait_guarded \S+ '[^']+' kubectl -n \S+ wait --for=condition=Ready pod -l /.test(l));
  expect(waits, "the Helm step's readiness waits, one per release").to.have.length(helmReleases.length);
  return {
    ...helmStep,
    description: `${helmStep.description} [stand-ins, the step's own waits]`,
    script: [connectPrelude("kind"), waitGuardedFunction, ...waits].join("\n"),
  };
}

interface PodJson {
  metadata: { name: string };
  spec: {
    securityContext?: { runAsUser?: number; runAsNonRoot?: boolean };
    containers: { securityContext?: { readOnlyRootFilesystem?: boolean } }[];
  };
  status: { conditions?: { type: string; status: string }[]; containerStatuses?: { ready: boolean }[] };
}

function readyPods(kube: Kube, namespace: string, selector: string): PodJson[] {
  const list = JSON.parse(must(kube, ["-n", namespace, "get", "pods", "-l", selector, "-o", "json"])) as { items: PodJson[] };
  return list.items.filter((p) => p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
}

/** Runs Node in the pod's container and returns what it printed. */
function nodeInPod(kube: Kube, namespace: string, pod: string, source: string): string {
  return must(kube, ["-n", namespace, "exec", pod, "--", "node", "-e", source]).trim();
}

describe("the deploy plan's steps on the test node (real kubelet, our images, infra stand-ins)", function () {
  this.timeout(1_200_000);
  let kube: Kube;
  const started = Date.now();

  before(function () {
    kube = requireKube();
    if (!process.env.KUBE_TEST_NODE_NAME)
      throw new Error("no test node: KUBE_TEST_NODE_NAME is not set (scripts/local/servers.sh start-node)");
    must(kube, ["delete", "namespace", ...Object.values(namespaces), "--ignore-not-found", "--wait=true", deadline]);
  });

  after(function () {
    console.log(`      deploy on the test node: ${Math.round((Date.now() - started) / 1000)}s`);
  });

  it("phase infra: namespaces, generated Secrets, and the four releases' stand-ins Ready through the plan's own waits", function () {
    for (const step of phaseSteps("infra")) {
      runOnNode(kube, notRunnableHere(step) === undefined ? step : standInsForHelm(kube, step));
    }
    for (const release of helmReleases) {
      const pods = readyPods(kube, release.namespace, releaseSelector(release));
      expect(pods, `${release.release}: Ready pods under the chart's labels`).to.have.length(1);
      const endpoints = must(kube, [
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
    const ran = phaseSteps("data").map((step) => runOnNode(kube, step));
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
});
