import { expect } from "chai";
import { buildPlan, jobs, type Manifest, type ShellStep } from "@one-data/topology";
import { kubectlOk, requireKube, runStep, type Kube } from "../cluster/support/kube.js";
import { stepApplying } from "./plan-steps.js";
import { nodeAccelerator, nodeImageRefs } from "./refs.js";

/**
 * A Job of the plan that fails, on the test node: its step must fail as soon
 * as the Job has given up (backoffLimit), with the Job's reason and log, and
 * not sit in `kubectl wait` until the wait's own deadline. The Job is the
 * plan's bootstrap Job with its container made to exit 1 (on the node-base
 * image, which needs no Secret); the step's script is the plan's own.
 */
type JobManifest = Extract<Manifest, { kind: "Job" }>;
type Container = NonNullable<NonNullable<JobManifest["spec"]>["template"]["spec"]>["containers"][number];

const failureMessage = "bootstrap failing on purpose";

function bootstrapStep(): ShellStep {
  const model = buildPlan({ env: "kind", istio: false, imageTag: "t", accelerator: nodeAccelerator }).find((p) => p.phase === "model");
  if (!model) throw new Error("the plan has no model phase");
  return stepApplying(model.steps, "Job", jobs.dataBootstrap.name);
}

function failingJob(job: JobManifest): JobManifest {
  const template = job.spec!.template;
  const [container] = template.spec!.containers;
  const failing: Container = {
    ...container!,
    image: nodeImageRefs.nodeBase,
    imagePullPolicy: "Never",
    command: ["node", "-e", `console.error(${JSON.stringify(failureMessage)}); process.exit(1)`],
    args: [],
    env: [],
  };
  return { ...job, spec: { ...job.spec!, template: { ...template, spec: { ...template.spec!, containers: [failing] } } } };
}

describe("a plan's Job that fails, on the test node", function () {
  this.timeout(600_000);
  let kube: Kube;
  const { namespace, name } = jobs.dataBootstrap;

  before(function () {
    kube = requireKube();
    if (!process.env.KUBE_TEST_NODE_NAME)
      throw new Error("no test node: KUBE_TEST_NODE_NAME is not set (scripts/local/servers.sh start-node)");
    kubectlOk(kube, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }));
  });

  after(function () {
    kubectlOk(kube, ["delete", "namespace", namespace, "--ignore-not-found", "--wait=true", "--timeout=300s"]);
  });

  it("fails its step once the Job has failed, with the Job's reason and log, not at the wait's deadline", function () {
    const step = bootstrapStep();
    const manifests = (step.manifests ?? []).map((m) => (m.kind === "Job" ? failingJob(m as JobManifest) : m));
    // Shorter than the step's own wait (600 s): a step still waiting then is stopped by `timeout` and says nothing about the Job.
    const ran = runStep(kube, "kind", { ...step, manifests, timeoutSeconds: 420 }, {}, "real");
    expect(ran.status, ran.stdout).to.not.equal(0);
    expect(ran.stderr).to.include(`job ${namespace}/${name} failed: BackoffLimitExceeded`);
    expect(ran.stderr).to.include(failureMessage);
    const conditions = kubectlOk(kube, [
      "-n",
      namespace,
      "get",
      "job",
      name,
      "-o",
      'jsonpath={.status.conditions[?(@.type=="Failed")].status}',
    ]);
    expect(conditions).to.equal("True");
  });
});
