import { externalImages } from "@one-data/topology";

/** The test node's own images (test/node/build-images.ts), besides ours. */
export const nodeImageRefs = {
  pause: "localhost/one-data-test/pause:1",
  coredns: "localhost/one-data-test/coredns:1",
  nodeBase: `localhost/one-data-test/node-base:${externalImages.node.tag}`,
} as const;
