import { spawnSync } from "node:child_process";
import { expect } from "chai";
import {
  buildPlan,
  componentNames,
  forwardScript,
  hostKubeconfigScript,
  logsScript,
  pocTestScript,
  seedChecksScript,
  statusScript,
  teardownSteps,
  verifySteps,
  type Env,
  type PlanOptions,
} from "../src/index.js";

/**
 * Every bash script the module runs, as the tool container runs it
 * (`bash -euo pipefail <file>`), through shellcheck (Debian's package, which
 * the test command installs): every step of every plan — Kind and an
 * existing cluster, CPU and GPU, with and without Istio — and verify's and
 * teardown's steps, and status, logs, forward, seed-checks and kubeconfig. Zero findings, notes included.
 */
function planVariants(): { name: string; options: PlanOptions }[] {
  const variants: { name: string; options: PlanOptions }[] = [];
  for (const env of ["kind", "cluster"] as const satisfies readonly Env[]) {
    for (const gpu of [false, true]) {
      for (const istio of [false, true]) {
        variants.push({
          name: `${env}, ${gpu ? "GPU" : "CPU"}${istio ? ", Istio" : ""}`,
          options: {
            env,
            imageTag: "t",
            istio,
            accelerator: { gpu, arch: "amd64" },
            ...(env === "cluster" ? { registry: "registry.example/one-data" } : {}),
          },
        });
      }
    }
  }
  variants.push({
    name: "kind, every download source",
    options: {
      env: "kind",
      imageTag: "t",
      istio: false,
      sources: {
        registryMirrors: {
          "docker.io": "https://docker.mirror.example",
          "quay.io": "https://quay.mirror.example",
          "ghcr.io": "https://ghcr.mirror.example",
          "registry.k8s.io": "https://k8s.mirror.example",
        },
        hfEndpoint: "https://hf.mirror.example",
        modelscope: true,
        npmRegistry: "https://npm.mirror.example",
      },
    },
  });
  variants.push({
    name: "cluster, registry mirrors",
    options: {
      env: "cluster",
      imageTag: "t",
      istio: false,
      registry: "registry.example/one-data",
      sources: { registryMirrors: { "docker.io": "https://docker.mirror.example", "quay.io": "https://quay.mirror.example" } },
    },
  });
  variants.push({
    name: "kind, weights from the host",
    options: { env: "kind", imageTag: "t", istio: false, sources: { localWeights: true } },
  });
  return variants;
}

function everyScript(): { where: string; script: string }[] {
  const scripts: { where: string; script: string }[] = [];
  for (const { name, options } of planVariants()) {
    for (const phase of buildPlan(options)) {
      for (const step of phase.steps) {
        if (step.kind === "shell" || step.kind === "detect-accelerator")
          scripts.push({ where: `deploy (${name}) ${phase.phase}: ${step.description}`, script: step.script });
      }
    }
    for (const step of verifySteps(options))
      if (step.kind === "shell") scripts.push({ where: `verify (${name}): ${step.description}`, script: step.script });
  }
  for (const env of ["kind", "cluster"] as const) {
    for (const step of teardownSteps(env))
      if (step.kind === "shell") scripts.push({ where: `teardown (${env}): ${step.description}`, script: step.script });
    scripts.push({ where: `status (${env})`, script: statusScript(env) });
    scripts.push({ where: `forward (${env})`, script: forwardScript(env) });
    scripts.push({ where: `seed-checks (${env})`, script: seedChecksScript(env) });
    scripts.push({ where: `kubeconfig (${env})`, script: hostKubeconfigScript(env) });
    scripts.push({
      where: "the seed's 6.1 check script (pocTestScript)",
      script: pocTestScript({
        dataApi: "http://127.0.0.1:8080",
        agentApi: "http://127.0.0.1:8081",
        model: "http://127.0.0.1:8000",
        modelName: "Qwen/Qwen2.5-0.5B-Instruct",
      }),
    });
    for (const name of componentNames) scripts.push({ where: `logs --component=${name} (${env})`, script: logsScript(env, name, 100) });
  }
  return scripts;
}

function shellcheck(script: string): string {
  const run = spawnSync("shellcheck", ["--shell=bash", "--severity=style", "--format=gcc", "-"], {
    input: script,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (run.error) throw new Error(`shellcheck did not run (${run.error.message}); the test command installs it: apt-get install shellcheck`);
  return run.stdout.trim();
}

describe("topology: shellcheck over every generated script", function () {
  this.timeout(240_000);

  it("finds a known mistake (the check itself works)", () => {
    expect(shellcheck("f=$1\nrm -f $f\n")).to.match(/SC2086/);
  });

  it("reports nothing for any step of any plan, verify or teardown", () => {
    const scripts = everyScript();
    expect(scripts.length, "scripts checked").to.be.greaterThan(100);
    const seen = new Map<string, string>();
    for (const { where, script } of scripts) if (!seen.has(script)) seen.set(script, where);
    const findings = [...seen].flatMap(([script, where]) => {
      const out = shellcheck(script);
      return out ? [`${where}:\n${out.replace(/^-:/gm, "  line ")}`] : [];
    });
    expect(findings, findings.join("\n\n")).to.deep.equal([]);
  });
});
