import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { expect } from "chai";
import { buildPlan, formatPlan, formatPlanAndRequests, helmReleases, parsePhases, teardownSteps } from "../src/index.js";

const repoRoot = resolve(import.meta.dirname, "../../..");

describe("topology: the deploy plan (dry run)", () => {
  const plan = buildPlan({ env: "kind", imageTag: "0.1.0", istio: false, accelerator: { gpu: false, arch: "amd64" } });
  const text = formatPlan(plan);
  const at = (needle: string) => {
    const i = text.indexOf(needle);
    expect(i, `plan lacks: ${needle}`).to.be.greaterThan(-1);
    return i;
  };

  it("runs the phases cluster -> infra -> data -> model -> agent, whatever order --phases names them", () => {
    expect(plan.map((p) => p.phase)).to.deep.equal(["cluster", "infra", "data", "model", "agent"]);
    expect(parsePhases("agent,infra")).to.deep.equal(["infra", "agent"]);
    expect(() => parsePhases("infra,bogus")).to.throw(/unknown phase\(s\): bogus/);
    expect(buildPlan({ env: "kind", imageTag: "t", istio: false, phases: ["data"] }).map((p) => p.phase)).to.deep.equal(["data"]);
  });

  it("orders the steps: cluster, image load, namespaces, secrets before releases, releases before apps, model before bootstrap", () => {
    const order = [
      "preflight: the host's Docker has the CPUs, memory, architecture and disk the plan requests",
      "kind create cluster --name one-data-studio --config /src/k8s/kind/cluster.yaml --image kindest/node:v1.36.1",
      "[load-images]",
      "manifest: Namespace one-data-infra",
      "secret generic minio-root",
      "helm upgrade --install minio minio/minio --namespace one-data-infra --version 5.4.0",
      "helm upgrade --install milvus zilliztech/milvus --namespace one-data-infra --version 5.0.19",
      "secret generic data-api-credentials",
      "rollout status deployment/data-api",
      "[detect-accelerator]",
      "rollout status deployment/vllm-serving",
      "wait --for=jsonpath='{.status.conditions[0].status}'=True job/data-bootstrap",
      "wait --for=jsonpath='{.status.conditions[0].status}'=True job/model-dataset-job",
      "rollout status deployment/agent-api",
    ];
    const positions = order.map(at);
    expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
  });

  it("pins every chart version and installs MinIO, MySQL, Redis concurrently before Milvus", () => {
    for (const r of helmReleases)
      at(`helm upgrade --install ${r.release} ${r.chart} --namespace one-data-infra --version ${r.version} -f /src/${r.valuesFile}`);
    at("install_minio >/work/helm-minio.log 2>&1 &");
    at("install_mysql >/work/helm-mysql.log 2>&1 &");
    expect(at("install_redis >/work/helm-redis.log 2>&1 &")).to.be.lessThan(at("install_milvus >/work/helm-milvus.log 2>&1 &"));
    expect(at("if wait $pid_minio; then")).to.be.lessThan(at("install_milvus >/work/helm-milvus.log 2>&1 &"));
  });

  it("keeps existing passwords on re-deploy and never prints them", () => {
    at(
      'if kubectl -n one-data-infra get secret mysql-auth >/dev/null 2>&1; then\n      $   echo "secret one-data-infra/mysql-auth exists: kept"',
    );
    expect(text).to.include("--from-env-file");
    expect(text).not.to.match(/--from-literal/);
    expect(text).not.to.match(/admin123456|mysql123|redis123/);
  });

  it("chooses the vLLM image by accelerator and architecture", () => {
    expect(text).to.include("vllm/vllm-openai-cpu:v0.28.0-x86_64");
    const gpu = formatPlan(
      buildPlan({ env: "kind", imageTag: "t", istio: false, accelerator: { gpu: true, arch: "amd64" }, phases: ["model"] }),
    );
    expect(gpu).to.include("vllm/vllm-openai:v0.28.0");
    const arm = formatPlan(
      buildPlan({ env: "kind", imageTag: "t", istio: false, accelerator: { gpu: false, arch: "arm64" }, phases: ["model"] }),
    );
    expect(arm).to.include("vllm/vllm-openai-cpu:v0.28.0-arm64");
  });

  it("--env=cluster uses the kubeconfig, pushes to the registry, and requires one", () => {
    const cluster = formatPlan(buildPlan({ env: "cluster", registry: "ghcr.io/acme", imageTag: "t", istio: true }));
    expect(cluster).to.include("export KUBECONFIG=/run/secrets/kubeconfig");
    expect(cluster).to.include("push: ghcr.io/acme/one-data-data-api:t");
    expect(cluster).not.to.include("kind create cluster");
    expect(cluster).to.include("manifest: VirtualService one-data-model/vllm-openai");
    expect(() => buildPlan({ env: "cluster", imageTag: "t", istio: false })).to.throw(/--registry/);
  });

  it("teardown is safe twice: every delete tolerates absence", () => {
    const kind = teardownSteps("kind")[0]!;
    expect(kind.kind === "shell" && kind.script).to.include("not present: nothing to do");
    const cluster = teardownSteps("cluster")[0]!;
    expect(cluster.kind === "shell" && cluster.script).to.include("--ignore-not-found");
    expect(cluster.kind === "shell" && cluster.script).to.include('  echo "release milvus not present"');
  });

  it("`npm run plan -- --env=kind` prints the same plan", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", ".dagger/topology/src/cli.ts", "plan", "--env=kind"], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    expect(out.trim()).to.equal(
      formatPlanAndRequests({ env: "kind", imageTag: "0.1.0", istio: false, accelerator: { gpu: false, arch: "amd64" } }).trim(),
    );
    expect(out).to.include(text);
  });
});

describe("the Dagger module", () => {
  it("type-checks against the real @dagger.io/dagger SDK (npm run typecheck:dagger)", function () {
    this.timeout(180_000);
    const tsc = resolve(repoRoot, "node_modules/typescript/bin/tsc");
    try {
      execFileSync(process.execPath, [tsc, "-p", ".dagger/tsconfig.json"], { cwd: repoRoot, encoding: "utf8" });
    } catch (error) {
      const out = error as { stdout?: string };
      expect.fail(`tsc -p .dagger/tsconfig.json failed:\n${out.stdout ?? String(error)}`);
    }
    const version = (
      JSON.parse(execFileSync("cat", ["node_modules/@dagger.io/dagger/package.json"], { cwd: repoRoot, encoding: "utf8" })) as {
        version: string;
      }
    ).version;
    const engine = (JSON.parse(execFileSync("cat", ["dagger.json"], { cwd: repoRoot, encoding: "utf8" })) as { engineVersion: string })
      .engineVersion;
    expect(`v${version}`).to.equal(engine);
  });
});
