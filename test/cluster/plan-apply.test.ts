import { expect } from "chai";
import {
  buildPlan,
  deployedImagesScript,
  namespaces,
  parseDeployedImages,
  registryPullSecret,
  secrets,
  verifySteps,
  type Env,
  type Manifest,
  type PhasePlan,
  type PlanOptions,
  type Step,
} from "@one-data/topology";
import { kubectl, notRunnableHere, requireKube, runStep, teardownCluster, type Kube } from "./support/kube.js";

type ShellStep = Extract<Step, { kind: "shell" }>;

interface Applied {
  readonly ran: string[];
  readonly notRun: string[];
}

/** Every step of a deploy (+ verify) in plan order, each script executed for real; stops at the first failure. */
function deploy(kube: Kube, options: PlanOptions, env: Record<string, string> = {}): Applied {
  const plan: PhasePlan[] = buildPlan(options);
  const steps: Step[] = [...plan.flatMap((phase) => phase.steps), ...verifySteps(options)];
  const result: Applied = { ran: [], notRun: [] };
  for (const step of steps) {
    const why = notRunnableHere(step);
    if (why !== undefined) {
      expect(step.kind === "shell" && step.manifests, `step "${step.description}" carries manifests but is not run`).to.not.be.ok;
      result.notRun.push(`${step.description}: ${why}`);
      continue;
    }
    const ran = runStep(kube, options.env, step as ShellStep, env);
    if (ran.status !== 0) {
      expect.fail(`step "${step.description}" failed (exit ${ran.status}) on the real API server:\n${ran.stdout}\n${ran.stderr}`);
    }
    result.ran.push(step.description);
  }
  return result;
}

function manifestsOf(options: PlanOptions): Manifest[] {
  const steps = [...buildPlan(options).flatMap((p) => p.steps), ...verifySteps(options)];
  return steps.flatMap((s) => (s.kind === "shell" && s.manifests ? [...s.manifests] : []));
}

/** Secret data by namespace/name, as the server holds it. */
function secretData(kube: Kube): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const pull = registryPullSecret.namespaces.map((namespace) => ({ namespace, name: registryPullSecret.name }));
  for (const s of [...Object.values(secrets), ...pull]) {
    const got = kubectl(kube, ["-n", s.namespace, "get", "secret", s.name, "-o", "json"]);
    if (got.status === 0) out[`${s.namespace}/${s.name}`] = (JSON.parse(got.stdout) as { data: Record<string, string> }).data;
  }
  return out;
}

interface ServerObject {
  metadata: { name: string; namespace?: string; uid: string };
  spec?: { template?: { spec?: { containers?: { image: string }[] } } };
}

function serverObject(kube: Kube, m: Manifest): ServerObject {
  const got = kubectl(kube, ["get", "-f", "-", "-o", "json"], JSON.stringify(m));
  if (got.status !== 0) expect.fail(`${m.kind} ${m.metadata?.namespace ?? ""}/${m.metadata?.name} is not on the server: ${got.stderr}`);
  const parsed = JSON.parse(got.stdout) as ServerObject | { kind: "List"; items: ServerObject[] };
  return "items" in parsed ? parsed.items[0]! : parsed;
}

function expectAllOnServer(kube: Kube, options: PlanOptions): void {
  for (const m of manifestsOf(options)) {
    const got = serverObject(kube, m);
    const wanted = (m as ServerObject).spec?.template?.spec?.containers?.map((c) => c.image);
    if (wanted)
      expect(
        got.spec?.template?.spec?.containers?.map((c) => c.image),
        `${m.kind} ${m.metadata?.name}`,
      ).to.deep.equal(wanted);
  }
}

function expectNamespacesGone(kube: Kube): void {
  for (const ns of Object.values(namespaces)) {
    const got = kubectl(kube, ["get", "namespace", ns, "--ignore-not-found", "-o", "name"]);
    expect(got.status).to.equal(0);
    expect(got.stdout.trim(), `namespace ${ns} still there after teardown`).to.equal("");
  }
}

for (const env of ["kind", "cluster"] as const satisfies readonly Env[]) {
  const base = {
    env,
    istio: false,
    accelerator: { gpu: false, arch: "amd64" },
    ...(env === "cluster" ? { registry: "registry.one-data.test/one-data" } : {}),
  } as const;
  // Registry credentials as the module passes them to the tool container (from Dagger secrets).
  const registryEnv: Record<string, string> =
    env === "cluster" ? { REGISTRY_USERNAME: "deployer", REGISTRY_PASSWORD: "pull-token-for-the-test" } : {};
  const first: PlanOptions = { ...base, imageTag: "0.1.0" };
  // The re-deploy brings new image tags, each image its own (as deploy tags them): every Job's pod
  // template changes, which a Job refuses in place.
  const second: PlanOptions = {
    ...base,
    imageTag: { dataApi: "src-00000000da7a", agentApi: "src-00000000a9e7", modelJobs: "src-0000000000b5", acceptance: "src-00000000acce" },
  };

  describe(`deploy --env=${env} on a real kube-apiserver ${env === "kind" ? "(CPU Kind plan)" : "(existing-cluster plan)"}`, function () {
    this.timeout(600_000);
    let kube: Kube;
    let secretsAfterFirst: Record<string, Record<string, string>>;

    before(() => {
      kube = requireKube();
      teardownCluster(kube);
    });

    it("every step the plan runs without pods executes for real, in plan order, and what it applied is on the server", () => {
      const applied = deploy(kube, first, registryEnv);
      expect(applied.ran.length).to.be.greaterThan(5);
      console.log(`      ran ${applied.ran.length} steps; not run here: ${applied.notRun.join("; ")}`);
      expectAllOnServer(kube, first);
      secretsAfterFirst = secretData(kube);
      expect(Object.keys(secretsAfterFirst).sort()).to.deep.equal(
        [
          ...Object.values(secrets)
            .filter((s) => s.name !== secrets.huggingFace.name)
            .map((s) => `${s.namespace}/${s.name}`),
          ...(env === "cluster" ? registryPullSecret.namespaces.map((ns) => `${ns}/${registryPullSecret.name}`) : []),
        ].sort(),
      );
    });

    if (env === "cluster") {
      it("creates the image pull Secret from the registry credentials in every namespace our pods run in, and our pods name it", () => {
        for (const ns of registryPullSecret.namespaces) {
          const data = secretsAfterFirst[`${ns}/${registryPullSecret.name}`]!;
          const config = JSON.parse(Buffer.from(data[".dockerconfigjson"]!, "base64").toString()) as {
            auths: Record<string, { auth: string }>;
          };
          expect(Object.keys(config.auths)).to.deep.equal(["registry.one-data.test"]);
          expect(Buffer.from(config.auths["registry.one-data.test"]!.auth, "base64").toString()).to.equal(
            "deployer:pull-token-for-the-test",
          );
        }
        for (const m of manifestsOf(first)) {
          const pod = (m as { spec?: { template?: { spec?: { containers: { image: string }[]; imagePullSecrets?: { name: string }[] } } } })
            .spec?.template?.spec;
          if (!pod?.containers.some((c) => c.image.startsWith("registry.one-data.test/"))) continue;
          expect(registryPullSecret.namespaces, `${m.metadata?.name} runs our image outside the pull Secret's namespaces`).to.include(
            m.metadata?.namespace,
          );
          expect(pod.imagePullSecrets, `${m.kind} ${m.metadata?.name}`).to.deep.equal([{ name: registryPullSecret.name }]);
        }
      });
    }

    it("the whole plan applies a second time with a new image tag (no immutable-field errors) and the server holds the new images", () => {
      deploy(kube, second, registryEnv);
      expectAllOnServer(kube, second);
    });

    it("verify reads, from the server, the acceptance image deploy recorded and the Deployments it checks against the record", () => {
      const read = runStep(kube, env, {
        kind: "shell",
        description: "deployed images",
        timeoutSeconds: 60,
        script: deployedImagesScript(env),
      });
      expect(read.status, read.stderr).to.equal(0);
      expect(parseDeployedImages(read.stdout)).to.deep.equal({
        imageTag: "src-00000000acce",
        ...(env === "cluster" ? { registry: "registry.one-data.test/one-data" } : {}),
      });
    });

    it("keeps every generated Secret across the re-deploy", () => {
      expect(secretData(kube)).to.deep.equal(secretsAfterFirst);
    });

    it("tears down (--env=cluster teardown) twice: everything gone, the second run a no-op", () => {
      teardownCluster(kube);
      expectNamespacesGone(kube);
      teardownCluster(kube);
      expectNamespacesGone(kube);
    });
  });
}

describe("the real API server refuses what jobRunScript's delete avoids", function () {
  this.timeout(120_000);

  it("a Job applied again with a changed pod template fails as immutable", () => {
    const kube = requireKube();
    const ns = "one-data-immutable-check";
    kubectl(kube, ["create", "namespace", ns]);
    try {
      const job = (image: string) =>
        JSON.stringify({
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: { name: "template-change", namespace: ns },
          spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image }] } } },
        });
      const apply = ["apply", "--server-side", "--force-conflicts", "--field-manager=one-data-dagger", "-f", "-"];
      expect(kubectl(kube, apply, job("busybox:1")).status).to.equal(0);
      const again = kubectl(kube, apply, job("busybox:2"));
      expect(again.status).to.not.equal(0);
      expect(again.stderr).to.match(/field is immutable/);
    } finally {
      kubectl(kube, ["delete", "namespace", ns, "--wait=false"]);
    }
  });
});
