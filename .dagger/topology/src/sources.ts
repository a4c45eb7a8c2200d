/**
 * Where downloads come from, for networks where Hugging Face or npm's
 * registry are slow or blocked: options of deploy, ci and plan. Each one
 * changes the configuration it names, and `plan` shows it.
 */
import type { EnvWiring } from "./env.js";

export interface DownloadSources {
  /** A Hugging Face mirror vLLM downloads the weights from (HF_ENDPOINT), e.g. https://hf-mirror.com. */
  readonly hfEndpoint?: string;
  /** Weights from ModelScope instead of Hugging Face (vLLM reads VLLM_USE_MODELSCOPE). */
  readonly modelscope?: boolean;
  /** The npm registry our image builds install from (npm_config_registry). */
  readonly npmRegistry?: string;
}

function httpUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${flag} must be an http(s) URL, not ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`${flag} must be an http(s) URL, not ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, "");
}

/** Checks the URLs; throws naming the flag when one is not an http(s) URL. */
export function checkedSources(sources: DownloadSources): DownloadSources {
  return {
    ...(sources.hfEndpoint ? { hfEndpoint: httpUrl("--hf-endpoint", sources.hfEndpoint) } : {}),
    ...(sources.modelscope ? { modelscope: true } : {}),
    ...(sources.npmRegistry ? { npmRegistry: httpUrl("--npm-registry", sources.npmRegistry) } : {}),
  };
}

/** What vLLM's containers read to download the weights from elsewhere than huggingface.co. */
export function modelSourceEnv(sources: DownloadSources | undefined): EnvWiring {
  return {
    ...(sources?.hfEndpoint ? { HF_ENDPOINT: { value: sources.hfEndpoint } } : {}),
    ...(sources?.modelscope ? { VLLM_USE_MODELSCOPE: { value: "True" } } : {}),
  };
}

/** What the image builds read to install from another npm registry. */
export function npmSourceEnv(sources: DownloadSources | undefined): Readonly<Record<string, string>> {
  return sources?.npmRegistry ? { npm_config_registry: sources.npmRegistry } : {};
}

/** The lines `plan` prints. */
export function formatSources(sources: DownloadSources | undefined): string {
  return [
    "download sources:",
    `  model weights: ${sources?.modelscope ? "ModelScope (VLLM_USE_MODELSCOPE=True)" : sources?.hfEndpoint ? `Hugging Face mirror ${sources.hfEndpoint} (HF_ENDPOINT)` : "huggingface.co"}`,
    `  npm packages (image builds): ${sources?.npmRegistry ? `${sources.npmRegistry} (npm_config_registry)` : "registry.npmjs.org"}`,
  ].join("\n");
}
