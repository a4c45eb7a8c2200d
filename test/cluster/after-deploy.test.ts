import { expect } from "chai";
import {
  buildPlan,
  componentNames,
  forwardScript,
  hostKubeconfigPath,
  hostKubeconfigScript,
  logsScript,
  seedChecksScript,
  statusScript,
  type Env,
  type PlanOptions,
  type ShellStep,
} from "@one-data/topology";
import { notRunnableHere, requireKube, runStep, teardownCluster, type Kube } from "./support/kube.js";

/**
 * The bash behind `status`, `logs`, `forward`, `seed-checks` and `kubeconfig`, run for real
 * against the real API server after the plan's runnable steps applied the
 * platform. This server has no kubelet yet: nothing becomes Ready, so what
 * is proven is the report of a platform that is not ready, a log request for
 * pods that never started, and a forward that ends because no pod serves it.
 * The same scripts against real pods: test/node/deploy.test.ts.
 */
const shell = (description: string, script: string, timeoutSeconds = 120): ShellStep => ({
  kind: "shell",
  description,
  script,
  timeoutSeconds,
});

function applyRunnable(kube: Kube, options: PlanOptions): void {
  for (const step of buildPlan(options).flatMap((p) => p.steps)) {
    if (notRunnableHere(step) !== undefined || step.kind !== "shell") continue;
    const ran = runStep(kube, options.env, step, { REGISTRY_USERNAME: "deployer", REGISTRY_PASSWORD: "pull-token-for-the-test" });
    if (ran.status !== 0) expect.fail(`step "${step.description}" failed (exit ${ran.status}):\n${ran.stdout}\n${ran.stderr}`);
  }
}

describe("after deploy on a real kube-apiserver: status, logs, forward, kubeconfig", function () {
  this.timeout(600_000);
  let kube: Kube;
  const options: PlanOptions = {
    env: "cluster",
    registry: "registry.one-data.test/one-data",
    imageTag: "0.1.0",
    istio: false,
    accelerator: { gpu: false, arch: "amd64" },
  };

  before(() => {
    kube = requireKube();
    teardownCluster(kube);
    applyRunnable(kube, options);
  });

  after(() => teardownCluster(kube));

  for (const env of ["cluster", "kind"] as const satisfies readonly Env[]) {
    it(`status (--env=${env}) reports every phase, the releases not installed and the workloads not ready, and exits 1`, () => {
      const ran = runStep(kube, env, shell("status", statusScript(env), 300));
      expect(ran.status, ran.stderr).to.equal(1);
      for (const phase of ["infra", "data", "model", "agent"])
        expect(ran.stdout).to.include(`== phase ${phase} (namespace one-data-${phase})`);
      expect(ran.stdout).to.include("helm minio (minio/minio@5.4.0): not installed");
      expect(ran.stdout).to.match(/Deployment\/data-api 0\/1 NOT READY/);
      expect(ran.stdout).to.match(/Deployment\/agent-api 0\/1 NOT READY/);
      expect(ran.stdout).to.include("something is not ready (above)");
    });
  }

  it("logs --component=<name> fails, naming the component, when it has no pods", () => {
    const ran = runStep(kube, "cluster", shell("logs", logsScript("cluster", "milvus", 20)));
    expect(ran.status).to.equal(1);
    expect(ran.stderr).to.include("no pods of helm release milvus in one-data-infra");
  });

  it("logs of a Deployment whose pods never started fails with kubectl's reason, not an empty success", () => {
    const ran = runStep(kube, "cluster", shell("logs", logsScript("cluster", "data-api", 20)));
    expect(ran.status, ran.stdout).to.not.equal(0);
    expect(ran.stderr).to.match(/data-api/);
  });

  it("knows every component the topology names (each one's script runs, none refers to a missing namespace)", () => {
    for (const name of componentNames) {
      const ran = runStep(kube, "cluster", shell("logs", logsScript("cluster", name, 5)));
      expect(ran.stderr, name).to.not.match(/namespaces? "[^"]+" not found/);
    }
  });

  it("kubeconfig (--env=cluster) writes the kubeconfig given, and kubectl reaches the server with it", () => {
    const ran = runStep(
      kube,
      "cluster",
      shell(
        "kubeconfig",
        `${hostKubeconfigScript("cluster")}\nunset KUBECONFIG\nkubectl --kubeconfig ${hostKubeconfigPath} get namespace one-data-data -o name`,
      ),
    );
    expect(ran.status, ran.stderr).to.equal(0);
    expect(ran.stdout.trim()).to.equal("namespace/one-data-data");
  });

  it("seed-checks runs the seed's 6.1 script through port-forwards and fails with its ✗ lines when nothing serves (no kubelet here)", () => {
    const ran = runStep(kube, "cluster", shell("seed-checks", seedChecksScript("cluster"), 900));
    expect(ran.status, ran.stderr).to.equal(1);
    expect(ran.stdout).to.include("=== ONE-DATA-STUDIO PoC 集成验证 ===");
    expect(ran.stdout).to.include("✗ Data API 异常");
    expect(ran.stdout).to.include("✗ 端到端调用失败");
    expect(ran.stdout).to.match(/--- \/work\/forward-data-api\.log/);
  });

  it("forward ends with a failure, not a hang, when no pod serves a forwarded Service (no kubelet here)", () => {
    const ran = runStep(kube, "cluster", shell("forward", forwardScript("cluster"), 120));
    expect(ran.status, ran.stdout).to.equal(1);
    expect(ran.stderr).to.include("a port-forward ended (exit");
  });
});
