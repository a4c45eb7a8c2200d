/**
 * Where downloads come from, for networks where Hugging Face or npm's
 * registry are slow or blocked: options of deploy, ci and plan. Each one
 * changes the configuration it names, and `plan` shows it.
 */
import type { HelmRelease } from "./charts.js";
import type { EnvWiring } from "./env.js";
import { parseToolMirrors, toolDownloads, toolNames, type ToolMirrors } from "./tool-downloads.js";

/** The registries `--registry-mirror` can stand in for, with the server each one's hosts.toml falls back to. */
const mirroredRegistries = {
  "docker.io": "https://registry-1.docker.io",
  "quay.io": "https://quay.io",
  "ghcr.io": "https://ghcr.io",
  "registry.k8s.io": "https://registry.k8s.io",
} as const;

export type MirroredRegistry = keyof typeof mirroredRegistries;
export type RegistryMirrors = Readonly<Partial<Record<MirroredRegistry, string>>>;

export interface DownloadSources {
  /** Per registry, a mirror Kind's containerd and the node image pull use (`--registry-mirror=docker.io=https://...`). */
  readonly registryMirrors?: RegistryMirrors;
  /** A Hugging Face mirror vLLM downloads the weights from (HF_ENDPOINT), e.g. https://hf-mirror.com. */
  readonly hfEndpoint?: string;
  /** Weights from ModelScope instead of Hugging Face (vLLM reads VLLM_USE_MODELSCOPE). */
  readonly modelscope?: boolean;
  /** The npm registry our image builds install from (npm_config_registry). */
  readonly npmRegistry?: string;
  /**
   * The weights come from a host directory (`--weights`, one subdirectory per
   * model id, as `hf download <id> --local-dir <dir>/<id>` writes it), copied
   * into the weights volumes: nothing is downloaded.
   */
  readonly localWeights?: boolean;
  /** Per tool, a base URL the tool container downloads it from instead of its release host (`--tool-mirror=helm=https://...`). */
  readonly toolMirrors?: ToolMirrors;
}

function httpUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${flag} must be an http(s) URL, not ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new Error(`${flag} must be an http(s) URL, not ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, "");
}

/** `--registry-mirror` values, each `<registry>=<url>`, as a map; throws naming a value it cannot use. */
export function parseRegistryMirrors(values: readonly string[]): RegistryMirrors {
  const mirrors: Partial<Record<MirroredRegistry, string>> = {};
  for (const value of values) {
    const at = value.indexOf("=");
    const registry = value.slice(0, at);
    if (at < 0 || !(registry in mirroredRegistries)) {
      throw new Error(
        `--registry-mirror takes <registry>=<url> for ${Object.keys(mirroredRegistries).join(", ")}, not ${JSON.stringify(value)}`,
      );
    }
    mirrors[registry as MirroredRegistry] = httpUrl("--registry-mirror", value.slice(at + 1));
  }
  return mirrors;
}

/** Checks the URLs; throws naming the flag when one is not an http(s) URL. */
export function checkedSources(sources: DownloadSources): DownloadSources {
  const mirrors = Object.entries(sources.registryMirrors ?? {}).map(([registry, url]) => `${registry}=${url}`);
  const tools = Object.entries(sources.toolMirrors ?? {}).map(([tool, url]) => `${tool}=${url}`);
  return {
    ...(mirrors.length > 0 ? { registryMirrors: parseRegistryMirrors(mirrors) } : {}),
    ...(sources.hfEndpoint ? { hfEndpoint: httpUrl("--hf-endpoint", sources.hfEndpoint) } : {}),
    ...(sources.modelscope ? { modelscope: true } : {}),
    ...(sources.localWeights ? { localWeights: true } : {}),
    ...(sources.npmRegistry ? { npmRegistry: httpUrl("--npm-registry", sources.npmRegistry) } : {}),
    ...(tools.length > 0 ? { toolMirrors: parseToolMirrors(tools, httpUrl) } : {}),
  };
}

/** `--tool-mirror` values, each `<tool>=<url>`, as a map; throws naming a value it cannot use. */
export function parseToolMirrorFlags(values: readonly string[]): ToolMirrors {
  return parseToolMirrors(values, httpUrl);
}

/** What vLLM's containers read to download the weights from elsewhere than huggingface.co. */
export function modelSourceEnv(sources: DownloadSources | undefined): EnvWiring {
  if (sources?.localWeights) return { HF_HUB_OFFLINE: { value: "1" } };
  return {
    ...(sources?.hfEndpoint ? { HF_ENDPOINT: { value: sources.hfEndpoint } } : {}),
    ...(sources?.modelscope ? { VLLM_USE_MODELSCOPE: { value: "True" } } : {}),
  };
}

/** What the image builds read to install from another npm registry. */
export function npmSourceEnv(sources: DownloadSources | undefined): Readonly<Record<string, string>> {
  return sources?.npmRegistry ? { npm_config_registry: sources.npmRegistry } : {};
}

/** `host[:port]` of a mirror URL: what an image reference through it starts with. */
function mirrorHost(url: string): string {
  return new URL(url).host;
}

/** Docker Hub's short names as a registry path: `kindest/node` stays, `node` becomes `library/node`. */
function dockerHubPath(repository: string): string {
  return repository.includes("/") ? repository : `library/${repository}`;
}

/** A Docker Hub image's reference through the docker.io mirror, or as pinned when there is none. */
export function hubImageRef(image: { readonly repository: string; readonly tag: string }, mirrors: RegistryMirrors | undefined): string {
  const mirror = mirrors?.["docker.io"];
  return mirror ? `${mirrorHost(mirror)}/${dockerHubPath(image.repository)}:${image.tag}` : `${image.repository}:${image.tag}`;
}

/**
 * Makes an image from Docker Hub present on the host's Docker: pulled through
 * the docker.io mirror (and tagged with its usual name) when there is one.
 */
export function ensureHubImageScript(
  image: { readonly repository: string; readonly tag: string },
  mirrors: RegistryMirrors | undefined,
): string {
  const ref = `${image.repository}:${image.tag}`;
  if (!mirrors?.["docker.io"]) return `docker image inspect ${ref} >/dev/null 2>&1 || docker pull -q ${ref} >/dev/null`;
  const through = hubImageRef(image, mirrors);
  return `docker image inspect ${ref} >/dev/null 2>&1 || { docker pull -q ${through} >/dev/null && docker tag ${through} ${ref}; }`;
}

/** `--set` values that point a chart's images at the registry mirrors (`--env=cluster`, where no containerd is ours to configure). */
export function chartMirrorSets(release: HelmRelease, mirrors: RegistryMirrors | undefined): string[] {
  return release.images.flatMap((image) => {
    const mirror = mirrors?.[image.registry];
    if (!mirror) return [];
    const host = mirrorHost(mirror);
    return [`${image.key}=${image.repository ? `${host}/${image.repository}` : host}`];
  });
}

/** containerd's hosts.toml for one registry: the mirror first, the registry itself when the mirror fails. */
export function hostsToml(registry: MirroredRegistry, mirror: string): string {
  return [`server = "${mirroredRegistries[registry]}"`, "", `[host."${mirror}"]`, `  capabilities = ["pull", "resolve"]`].join("\n");
}

/** The lines `plan` prints. */
export function formatSources(sources: DownloadSources | undefined, env: "kind" | "cluster"): string {
  const mirrors = Object.entries(sources?.registryMirrors ?? {});
  const where = env === "kind" ? "Kind's containerd, the node image" : "the charts' image registries, the vLLM image";
  return [
    "download sources:",
    `  images: ${mirrors.length > 0 ? mirrors.map(([registry, url]) => `${registry} through ${url}`).join(", ") + ` (${where})` : "from their registries"}`,
    `  model weights: ${sources?.localWeights ? "the host directory given with --weights, copied into the weights volumes (HF_HUB_OFFLINE=1)" : sources?.modelscope ? "ModelScope (VLLM_USE_MODELSCOPE=True)" : sources?.hfEndpoint ? `Hugging Face mirror ${sources.hfEndpoint} (HF_ENDPOINT)` : "huggingface.co"}`,
    `  npm packages (image builds): ${sources?.npmRegistry ? `${sources.npmRegistry} (npm_config_registry)` : "registry.npmjs.org"}`,
    `  tools (sha256-checked): ${toolNames.map((name) => `${name} ${toolDownloads[name].version} from ${sources?.toolMirrors?.[name] ?? toolDownloads[name].defaultBase}`).join(", ")}`,
  ].join("\n");
}
