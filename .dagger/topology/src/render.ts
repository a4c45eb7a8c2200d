import { istioIngressPolicy, istioManifests } from "./istio.js";
import { defaultImageTag, type Accelerator } from "./images.js";
import {
  acceptanceJob,
  agentManifests,
  dataBootstrapJob,
  dataManifests,
  modelJob,
  modelManifests,
  namespaceManifests,
  type Manifest,
  type RenderOptions,
} from "./manifests.js";
import { networkPolicies } from "./network.js";

/**
 * The manifests committed under k8s/manifests/, one file per concern, rendered
 * for Kind on a CPU-only amd64 cluster with the default image tag. A test
 * renders them again and fails when the committed files drift.
 */
const committedRenderOptions: RenderOptions = {
  imageTag: defaultImageTag,
  accelerator: { gpu: false, arch: "amd64" } satisfies Accelerator,
};

export function renderedManifestFiles(options: RenderOptions = committedRenderOptions): Record<string, Manifest[]> {
  return {
    "00-namespaces.json": namespaceManifests(),
    "01-network-policies.json": networkPolicies(),
    "10-data-api.json": dataManifests(options),
    "20-model-vllm.json": modelManifests(options),
    "21-model-vllm-gpu.json": modelManifests({ ...options, accelerator: { gpu: true, arch: "amd64" } }),
    "30-agent-api.json": agentManifests(options),
    "40-job-data-bootstrap.json": [dataBootstrapJob(options)],
    "41-job-model-dataset.json": [modelJob(options)],
    "42-job-acceptance.json": [acceptanceJob(options)],
    "50-istio-optional.json": [...istioManifests(), istioIngressPolicy()],
  };
}

/** A kubectl-applicable `List` document. */
export function asList(items: readonly Manifest[]): { apiVersion: "v1"; kind: "List"; items: readonly Manifest[] } {
  return { apiVersion: "v1", kind: "List", items };
}
