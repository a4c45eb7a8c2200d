import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import { helmRelease } from "./charts.js";
import { appSelector } from "./labels.js";
import { appServices, infraServices, jobs, namespaces, releases, type Namespace } from "./names.js";

/**
 * The traffic the brief allows, as data: each flow becomes an ingress rule on
 * the target's namespace. Every namespace denies all other ingress.
 */
interface Workload {
  readonly namespace: Namespace;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly description: string;
}

interface Flow {
  readonly from: Workload;
  readonly to: Workload;
  readonly port: number;
  readonly why: string;
}

const app = (svc: { name: string; namespace: Namespace }): Workload => ({
  namespace: svc.namespace,
  podLabels: appSelector(svc.name),
  description: svc.name,
});

const release = (name: string): Workload => {
  const r = helmRelease(name);
  return { namespace: r.namespace as Namespace, podLabels: r.labels.podLabels, description: `${name} (Helm)` };
};

const workloads = {
  dataApi: app(appServices.dataApi),
  agentApi: app(appServices.agentApi),
  vllmServing: app(appServices.vllmServing),
  vllmEmbedding: app(appServices.vllmEmbedding),
  dataBootstrap: app(jobs.dataBootstrap),
  modelJob: app(jobs.modelJob),
  acceptance: app(jobs.acceptance),
  minio: release(releases.minio),
  mysql: release(releases.mysql),
  redis: release(releases.redis),
  milvus: release(releases.milvus),
} as const;

const w = workloads;
const dataPort = appServices.dataApi.port;
const modelPort = appServices.vllmServing.port;

const flows: readonly Flow[] = [
  { from: w.dataApi, to: w.mysql, port: infraServices.mysql.port, why: "registry and typed dataset tables" },
  { from: w.dataApi, to: w.minio, port: infraServices.minio.port, why: "dataset files" },
  { from: w.dataApi, to: w.milvus, port: infraServices.milvus.port, why: "knowledge vectors" },
  { from: w.dataApi, to: w.vllmEmbedding, port: modelPort, why: "embedding knowledge documents and queries" },
  { from: w.dataBootstrap, to: w.mysql, port: infraServices.mysql.port, why: "bootstrap registers the seed dataset" },
  { from: w.dataBootstrap, to: w.minio, port: infraServices.minio.port, why: "bootstrap uploads the seed files" },
  { from: w.dataBootstrap, to: w.milvus, port: infraServices.milvus.port, why: "bootstrap indexes the glossary" },
  { from: w.dataBootstrap, to: w.vllmEmbedding, port: modelPort, why: "bootstrap embeds the glossary" },
  { from: w.modelJob, to: w.dataApi, port: dataPort, why: "Data -> Model: dataset metadata and presigned URL" },
  { from: w.modelJob, to: w.minio, port: infraServices.minio.port, why: "Data -> Model: presigned download" },
  { from: w.modelJob, to: w.vllmServing, port: modelPort, why: "inference over the dataset" },
  { from: w.agentApi, to: w.vllmServing, port: modelPort, why: "Model -> Agent: chat completions" },
  { from: w.agentApi, to: w.vllmEmbedding, port: modelPort, why: "embedding questions" },
  { from: w.agentApi, to: w.dataApi, port: dataPort, why: "Data -> Agent: schema, SQL, knowledge search" },
  { from: w.agentApi, to: w.redis, port: infraServices.redis.port, why: "conversation memory" },
  { from: w.acceptance, to: w.agentApi, port: appServices.agentApi.port, why: "acceptance: end to end" },
  { from: w.acceptance, to: w.dataApi, port: dataPort, why: "acceptance: Data checks" },
  { from: w.acceptance, to: w.vllmServing, port: modelPort, why: "acceptance: Model checks" },
  { from: w.acceptance, to: w.vllmEmbedding, port: modelPort, why: "acceptance: embedding checks" },
  {
    from: w.acceptance,
    to: w.minio,
    port: infraServices.minio.port,
    why: "acceptance: presigned downloads (batch job in-process, ground truth from the dataset file)",
  },
  { from: w.milvus, to: w.minio, port: infraServices.minio.port, why: "Milvus segments in our MinIO" },
];

function peer(from: Workload, targetNamespace: Namespace): INetworkPolicyPeer {
  const podSelector = { matchLabels: { ...from.podLabels } };
  if (from.namespace === targetNamespace) return { podSelector };
  return {
    podSelector,
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": from.namespace } },
  };
}

function sameWorkload(a: Workload, b: Workload): boolean {
  return a.namespace === b.namespace && JSON.stringify(a.podLabels) === JSON.stringify(b.podLabels);
}

export function networkPolicies(): INetworkPolicy[] {
  const policies: INetworkPolicy[] = Object.values(namespaces).map((namespace) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "default-deny-ingress", namespace },
    spec: { podSelector: {}, policyTypes: ["Ingress"] },
  }));
  // Pods of one Helm release talk among themselves (Milvus <-> its etcd, MinIO's bucket job).
  policies.push({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "allow-within-infra", namespace: namespaces.infra },
    spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] },
  });
  const targets: Workload[] = [];
  for (const flow of flows) if (!targets.some((t) => sameWorkload(t, flow.to))) targets.push(flow.to);
  for (const target of targets) {
    const incoming = flows.filter((f) => sameWorkload(f.to, target));
    const name = `allow-to-${target.description.replace(/ \(Helm\)$/, "")}`;
    policies.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name, namespace: target.namespace },
      spec: {
        podSelector: { matchLabels: { ...target.podLabels } },
        policyTypes: ["Ingress"],
        ingress: incoming.map((f) => ({
          from: [peer(f.from, target.namespace)],
          ports: [{ protocol: "TCP", port: f.port }],
        })),
      },
    });
  }
  return policies;
}
