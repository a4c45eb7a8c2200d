import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";

/** @public uid/gid of the `node` user in the official Node images; our images and the test node's pods (test/node) run as it. */
export const nonRootUid = 1000;

export const podSecurity: IPodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: nonRootUid,
  runAsGroup: nonRootUid,
  fsGroup: nonRootUid,
  seccompProfile: { type: "RuntimeDefault" },
};

export const containerSecurity: ISecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};

/** Laptop-sized requests and limits; `plan` prints what they add up to, and Kind's preflight asks that of the host's Docker. */
export const resources = {
  nodeService: {
    requests: { cpu: "100m", memory: "192Mi" },
    limits: { cpu: "1", memory: "512Mi" },
  },
  batchJob: {
    requests: { cpu: "100m", memory: "192Mi" },
    limits: { cpu: "1", memory: "768Mi" },
  },
  vllmChatCpu: {
    requests: { cpu: "2", memory: "4Gi" },
    limits: { cpu: "4", memory: "8Gi" },
  },
  vllmEmbeddingCpu: {
    requests: { cpu: "500m", memory: "2Gi" },
    limits: { cpu: "2", memory: "4Gi" },
  },
  vllmChatGpu: {
    requests: { cpu: "2", memory: "8Gi", "nvidia.com/gpu": "1" },
    limits: { cpu: "8", memory: "16Gi", "nvidia.com/gpu": "1" },
  },
} as const satisfies Record<string, IResourceRequirements>;
