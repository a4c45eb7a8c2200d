import { externalImages } from "@one-data/topology";

/** The test node's own images (test/node/build-images.ts), besides ours. */
export const nodeImageRefs = {
  pause: "localhost/one-data-test/pause:1",
  coredns: "localhost/one-data-test/coredns:1",
  nodeBase: `localhost/one-data-test/node-base:${externalImages.node.tag}`,
  modelStandIn: "localhost/one-data-test/model-stand-in:1",
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
