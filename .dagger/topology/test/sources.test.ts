import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { expect } from "chai";
import { buildPlan, checkedSources, formatPlanAndRequests, type DownloadSources, type Manifest } from "../src/index.js";

const repoRoot = resolve(import.meta.dirname, "../../..");

/** The env of every vLLM container the plan applies. */
function vllmEnv(sources?: DownloadSources): Record<string, string>[] {
  const plan = buildPlan({ env: "kind", imageTag: "t", istio: false, accelerator: { gpu: false, arch: "amd64" }, ...(sources ? { sources } : {}) });
  const manifests: Manifest[] = plan.flatMap((p) => p.steps.flatMap((s) => (s.kind === "shell" && s.manifests ? [...s.manifests] : [])));
  return manifests
    .filter((m) => m.kind === "Deployment" && (m.metadata?.name ?? "").startsWith("vllm-"))
    .map((m) => {
      const env = (m as { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } }).spec.template.spec.containers[0]!.env ?? [];
      return Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    });
}

describe("topology: download sources for restricted networks", () => {
  it("puts --hf-endpoint into every vLLM container as HF_ENDPOINT, and nothing without it", () => {
    const envs = vllmEnv({ hfEndpoint: "https://hf-mirror.com" });
    expect(envs).to.have.length(2);
    for (const env of envs) expect(env["HF_ENDPOINT"]).to.equal("https://hf-mirror.com");
    for (const env of vllmEnv()) expect(env).to.not.have.any.keys("HF_ENDPOINT", "VLLM_USE_MODELSCOPE");
  });

  it("switches vLLM to ModelScope with --modelscope", () => {
    for (const env of vllmEnv({ modelscope: true })) expect(env["VLLM_USE_MODELSCOPE"]).to.equal("True");
  });

  it("shows each source in the plan's text, the same from `npm run plan`", () => {
    const options = { env: "kind", imageTag: "0.1.0", istio: false, accelerator: { gpu: false, arch: "amd64" } } as const;
    const text = formatPlanAndRequests({ ...options, sources: { hfEndpoint: "https://hf-mirror.com", npmRegistry: "https://registry.npmmirror.com" } });
    expect(text).to.include("  model weights: Hugging Face mirror https://hf-mirror.com (HF_ENDPOINT)");
    expect(text).to.include("  npm packages (image builds): https://registry.npmmirror.com (npm_config_registry)");
    expect(formatPlanAndRequests({ ...options, sources: { modelscope: true } })).to.include("  model weights: ModelScope (VLLM_USE_MODELSCOPE=True)");
    expect(formatPlanAndRequests(options)).to.include("  model weights: huggingface.co");
    const cli = execFileSync(
      process.execPath,
      ["--import", "tsx", ".dagger/topology/src/cli.ts", "plan", "--env=kind", "--hf-endpoint=https://hf-mirror.com/", "--npm-registry=https://registry.npmmirror.com"],
      { cwd: repoRoot, encoding: "utf8" },
    );
    expect(cli.trim()).to.equal(text.trim());
  });

  it("refuses a source that is not an http(s) URL, naming the flag", () => {
    expect(() => checkedSources({ hfEndpoint: "hf-mirror.com" })).to.throw('--hf-endpoint must be an http(s) URL, not "hf-mirror.com"');
    expect(() => checkedSources({ npmRegistry: "ftp://npm.example" })).to.throw(/--npm-registry must be an http\(s\) URL/);
  });
});
