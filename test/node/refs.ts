import { defaultImageTag, externalImages, weightsLoaderPods, type Accelerator } from "@one-data/topology";

/** The test node's accelerator, as detection finds it there: no GPU, this machine's amd64. */
export const nodeAccelerator: Accelerator = { gpu: false, arch: "amd64" };

/**
 * The name containerd records for an image reference (what CRI resolves a pod's `image` to): Docker Hub's short
 * names made full, `vllm/x:t` as `docker.io/vllm/x:t` and `x:t` as `docker.io/library/x:t`.
 */
function containerdImageName(ref: string): string {
  const [first, ...rest] = ref.split("/");
  const hasRegistry = rest.length > 0 && (first!.includes(".") || first!.includes(":") || first === "localhost");
  if (hasRegistry) return ref;
  return rest.length === 0 ? `docker.io/library/${ref}` : `docker.io/${ref}`;
}

/** The one image the `--weights` loader pods run, as the topology renders them for the node. */
function weightsLoaderImage(): string {
  const pods = weightsLoaderPods({ imageTag: defaultImageTag, accelerator: nodeAccelerator }) as readonly {
    spec?: { containers?: readonly { image?: string }[] };
  }[];
  const images = new Set(pods.flatMap((pod) => (pod.spec?.containers ?? []).map((c) => c.image)));
  const [image, ...more] = images;
  if (!image || more.length > 0) throw new Error(`the weights loader pods run ${[...images].join(", ")}: expected one image`);
  return image;
}

/** The test node's own images (test/node/build-images.ts), besides ours. */
export const nodeImageRefs = {
  pause: "localhost/one-data-test/pause:1",
  coredns: "localhost/one-data-test/coredns:1",
  nodeBase: `localhost/one-data-test/node-base:${externalImages.node.tag}`,
  modelStandIn: "localhost/one-data-test/model-stand-in:1",
  /**
   * The vLLM image as the `--weights` loader pods use it (a shell, sleep, tar for `kubectl cp`): a stand-in under
   * the vLLM image's own name, never pushed anywhere (test/node/build-images.ts).
   */
  vllmLoaderStandIn: containerdImageName(weightsLoaderImage()),
  modelServerStandIn: "localhost/one-data-test/model-server-stand-in:1",
} as const;

/** The infra stand-ins (test/node/infra-images.ts), one per Helm release of phase infra. */
export const infraImageRefs = {
  mysql: "localhost/one-data-test/mysql-stand-in:1",
  redis: "localhost/one-data-test/redis-stand-in:1",
  minio: "localhost/one-data-test/minio-stand-in:1",
  milvus: "localhost/one-data-test/milvus-lite-stand-in:1",
} as const;

export type InfraStandIn = keyof typeof infraImageRefs;

/** The tag of the agent image broken on purpose (test/node/build-images.ts), beside the tag of the real one. */
export function brokenAgentTag(tag: string): string {
  return `${tag}-broken-chat`;
}
