import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import {
  buildPlan,
  checkedSources,
  formatPlanAndRequests,
  kindConfigPath,
  helmReleases,
  kindConfigScript,
  parseRegistryMirrors,
  type DownloadSources,
  type Manifest,
} from "../src/index.js";

const repoRoot = resolve(import.meta.dirname, "../../..");

/** The env of every vLLM container the plan applies. */
function vllmEnv(sources?: DownloadSources): Record<string, string>[] {
  const plan = buildPlan({
    env: "kind",
    imageTag: "t",
    istio: false,
    accelerator: { gpu: false, arch: "amd64" },
    ...(sources ? { sources } : {}),
  });
  const manifests: Manifest[] = plan.flatMap((p) => p.steps.flatMap((s) => (s.kind === "shell" && s.manifests ? [...s.manifests] : [])));
  return manifests
    .filter((m) => m.kind === "Deployment" && (m.metadata?.name ?? "").startsWith("vllm-"))
    .map((m) => {
      const env =
        (m as { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } }).spec.template.spec
          .containers[0]!.env ?? [];
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
    const text = formatPlanAndRequests({
      ...options,
      sources: { hfEndpoint: "https://hf-mirror.com", npmRegistry: "https://registry.npmmirror.com" },
    });
    expect(text).to.include("  model weights: Hugging Face mirror https://hf-mirror.com (HF_ENDPOINT)");
    expect(text).to.include("  npm packages (image builds): https://registry.npmmirror.com (npm_config_registry)");
    expect(formatPlanAndRequests({ ...options, sources: { modelscope: true } })).to.include(
      "  model weights: ModelScope (VLLM_USE_MODELSCOPE=True)",
    );
    expect(formatPlanAndRequests(options)).to.include("  model weights: huggingface.co");
    const cli = execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        ".dagger/topology/src/cli.ts",
        "plan",
        "--env=kind",
        "--hf-endpoint=https://hf-mirror.com/",
        "--npm-registry=https://registry.npmmirror.com",
      ],
      { cwd: repoRoot, encoding: "utf8" },
    );
    expect(cli.trim()).to.equal(text.trim());
  });

  it("refuses a source that is not an http(s) URL, naming the flag", () => {
    expect(() => checkedSources({ hfEndpoint: "hf-mirror.com" })).to.throw('--hf-endpoint must be an http(s) URL, not "hf-mirror.com"');
    expect(() => checkedSources({ npmRegistry: "ftp://npm.example" })).to.throw(/--npm-registry must be an http\(s\) URL/);
  });
});

describe("topology: registry mirrors (Kind's containerd, the node image)", () => {
  const mirrors = parseRegistryMirrors(["docker.io=https://docker.m.daocloud.io", "quay.io=https://quay.m.daocloud.io/"]);
  const kindStep = () => {
    const plan = buildPlan({ env: "kind", imageTag: "t", istio: false, phases: ["cluster"], sources: { registryMirrors: mirrors } });
    return plan[0]!.steps.filter((s): s is Extract<typeof s, { kind: "shell" }> => s.kind === "shell");
  };

  it("takes <registry>=<url> for the four registries and refuses anything else, naming the flag", () => {
    expect(mirrors).to.deep.equal({ "docker.io": "https://docker.m.daocloud.io", "quay.io": "https://quay.m.daocloud.io" });
    expect(() => parseRegistryMirrors(["gcr.io=https://m.example"])).to.throw(
      /--registry-mirror takes <registry>=<url> for docker.io, quay.io, ghcr.io, registry.k8s.io/,
    );
    expect(() => parseRegistryMirrors(["docker.io=m.example"])).to.throw(/--registry-mirror must be an http\(s\) URL/);
  });

  it("renders the Kind configuration with containerd pointed at the hosts directory, the committed nodes kept", () => {
    const dir = mkdtempSync(join(tmpdir(), "kind-config-"));
    const script = kindConfigScript().replaceAll("/src/", `${repoRoot}/`).replace(kindConfigPath, join(dir, "kind.yaml"));
    execFileSync("bash", ["-euo", "pipefail", "-c", script]);
    const config = parse(readFileSync(join(dir, "kind.yaml"), "utf8")) as { nodes: { role: string }[]; containerdConfigPatches: string[] };
    expect(config.nodes.map((n) => n.role)).to.deep.equal(["control-plane", "worker", "worker"]);
    expect(config.containerdConfigPatches).to.deep.equal([
      '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"',
    ]);
    const create = kindStep().find((s) => s.script.includes("kind create cluster"))!;
    expect(create.script).to.include(`kind create cluster --name one-data-studio --config ${kindConfigPath}`);
  });

  it("writes each mirror's hosts.toml into every node, the registry itself as the fallback server, and pulls the node image through the docker.io mirror", () => {
    const [preflight, create] = kindStep();
    expect(create!.script).to.include(
      `printf '%s\\n' 'server = "https://quay.io"' '' '[host."https://quay.m.daocloud.io"]' '  capabilities = ["pull", "resolve"]' | docker exec -i "$node" tee /etc/containerd/certs.d/quay.io/hosts.toml`,
    );
    expect(create!.script).to.include("'server = \"https://registry-1.docker.io\"'");
    expect(preflight!.script).to.include(
      "docker pull -q docker.m.daocloud.io/kindest/node:v1.36.1 >/dev/null && docker tag docker.m.daocloud.io/kindest/node:v1.36.1 kindest/node:v1.36.1",
    );
    const text = formatPlanAndRequests({ env: "kind", imageTag: "t", istio: false, sources: { registryMirrors: mirrors } });
    expect(text).to.include(
      "  images: docker.io through https://docker.m.daocloud.io, quay.io through https://quay.m.daocloud.io (Kind's containerd, the node image)",
    );
  });

  it("leaves the committed configuration and direct pulls without mirrors", () => {
    const plan = buildPlan({ env: "kind", imageTag: "t", istio: false, phases: ["cluster"] });
    const scripts = plan[0]!.steps.map((s) => (s.kind === "shell" ? s.script : "")).join("\n");
    expect(scripts).to.include("--config /src/k8s/kind/cluster.yaml");
    expect(scripts).to.not.include("certs.d");
    expect(scripts).to.include("docker pull -q kindest/node:v1.36.1");
  });
});

describe("topology: registry mirrors for --env=cluster (the charts' image registries)", () => {
  const mirrors = parseRegistryMirrors(["docker.io=https://docker.m.daocloud.io", "quay.io=https://quay.m.daocloud.io"]);
  const infraScript = (env: "kind" | "cluster") => {
    const plan = buildPlan({
      env,
      registry: "r.example",
      imageTag: "t",
      istio: false,
      phases: ["infra"],
      sources: { registryMirrors: mirrors },
    });
    return plan[0]!.steps.map((s) => (s.kind === "shell" ? s.script : "")).join("\n");
  };

  /** The values each release is installed with: its committed values file, then the `--set`s the plan's helm command passes. */
  function installedValues(script: string, release: string): Record<string, unknown> {
    const command = script.split("\n").find((line) => line.includes(`helm upgrade --install ${release} `));
    if (!command) throw new Error(`no helm install of ${release}`);
    const valuesFile = /-f \/src\/(\S+)/.exec(command)![1]!;
    const values = parse(readFileSync(join(repoRoot, valuesFile), "utf8")) as Record<string, unknown>;
    for (const [, set] of command.matchAll(/--set '([^']+)'/g)) {
      const [path, value] = set!.split("=") as [string, string];
      const keys = path.split(".");
      let at = values;
      for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
      at[keys.at(-1)!] = value;
    }
    return values;
  }

  it("points every chart's images at the mirror of their registry, keeping the pinned repositories and tags", () => {
    const script = infraScript("cluster");
    const minio = installedValues(script, "minio") as { image: { repository: string; tag: string }; mcImage: { repository: string } };
    expect(minio.image).to.include({ repository: "quay.m.daocloud.io/minio/minio", tag: "RELEASE.2025-09-07T16-13-09Z" });
    expect(minio.mcImage.repository).to.equal("quay.m.daocloud.io/minio/mc");
    for (const release of ["mysql", "redis"]) {
      const values = installedValues(script, release) as {
        global: { imageRegistry: string; security: unknown };
        image: { repository: string };
      };
      expect(values.global.imageRegistry, release).to.equal("docker.m.daocloud.io");
      expect(values.global.security, release).to.deep.equal({ allowInsecureImages: true });
      expect(values.image.repository, release).to.equal(`bitnamilegacy/${release}`);
    }
    const milvus = installedValues(script, "milvus") as {
      image: { all: { repository: string } };
      etcd: { image: { registry: string; repository: string } };
    };
    expect(milvus.image.all.repository).to.equal("docker.m.daocloud.io/milvusdb/milvus");
    expect(milvus.etcd.image).to.include({ registry: "docker.m.daocloud.io", repository: "milvusdb/etcd" });
  });

  it("names each chart image where its committed values file names it", () => {
    for (const release of helmReleases) {
      const values = parse(readFileSync(join(repoRoot, release.valuesFile), "utf8")) as Record<string, unknown>;
      for (const image of release.images.filter((i) => i.repository)) {
        const committed = image.key.split(".").reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], values);
        expect([image.repository, `${image.registry}/${image.repository}`], `${release.release} ${image.key}`).to.include(committed);
      }
    }
  });

  it("pulls the vLLM image of our manifests through the docker.io mirror on --env=cluster, and as pinned on Kind", () => {
    const vllmImages = (env: "kind" | "cluster") =>
      buildPlan({
        env,
        registry: "r.example",
        imageTag: "t",
        istio: false,
        phases: ["model"],
        accelerator: { gpu: false, arch: "amd64" },
        sources: { registryMirrors: mirrors },
      })
        .flatMap((p) => p.steps.flatMap((s) => (s.kind === "shell" ? (s.manifests ?? []) : [])))
        .filter((m) => m.kind === "Deployment")
        .map((m) => (m as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image);
    expect(vllmImages("cluster")).to.deep.equal([
      "docker.m.daocloud.io/vllm/vllm-openai-cpu:v0.28.0-x86_64",
      "docker.m.daocloud.io/vllm/vllm-openai-cpu:v0.28.0-x86_64",
    ]);
    expect(vllmImages("kind")).to.deep.equal(["vllm/vllm-openai-cpu:v0.28.0-x86_64", "vllm/vllm-openai-cpu:v0.28.0-x86_64"]);
  });

  it("shows the mirrors in the plan's text for --env=cluster, and leaves Kind's charts to containerd's mirrors", () => {
    const text = formatPlanAndRequests({
      env: "cluster",
      registry: "r.example",
      imageTag: "t",
      istio: false,
      sources: { registryMirrors: mirrors },
    });
    expect(text).to.include(
      "  images: docker.io through https://docker.m.daocloud.io, quay.io through https://quay.m.daocloud.io (the charts' image registries, the vLLM image)",
    );
    expect(text).to.include("--set 'global.imageRegistry=docker.m.daocloud.io'");
    expect(text).to.include("--set 'image.repository=quay.m.daocloud.io/minio/minio'");
    expect(infraScript("kind")).to.not.include("--set");
  });
});
