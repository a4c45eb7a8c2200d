/**
 * Stand-ins for the infra phase's Helm releases on the test node (the charts
 * and their images cannot be fetched here): one Deployment + Service per
 * release, from the release records (charts.ts) — the Service name and port,
 * the pod labels the chart sets, the chart's existing Secret and the keys its
 * image reads — so the data phase's manifests run unchanged against them.
 * Images: test/node/infra-images.ts.
 */
import { helmRelease, secrets, seed, type HelmRelease, type Manifest } from "@one-data/topology";
import { infraUids, mariadbDataDir } from "./infra-images.js";
import { infraImageRefs, type InfraStandIn } from "./refs.js";

interface StandInSpec {
  readonly key: InfraStandIn;
  /** Environment from the release's Secret, as the chart's values wire it: variable -> key. */
  readonly fromSecret: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  /** Where the server writes (an emptyDir each). */
  readonly dataPath: string;
  readonly probe: { httpGet: { path: string; port: number } } | { tcpSocket: { port: number } };
}

const specs: readonly StandInSpec[] = [
  {
    key: "mysql",
    fromSecret: { MYSQL_ROOT_PASSWORD: "mysql-root-password" },
    env: { MYSQL_DATABASE: seed.mysqlDatabase },
    dataPath: mariadbDataDir.replace(/\/data$/, ""),
    probe: { tcpSocket: { port: helmRelease("mysql").service.port } },
  },
  {
    key: "redis",
    fromSecret: { REDIS_PASSWORD: "redis-password" },
    dataPath: "/data",
    probe: { tcpSocket: { port: helmRelease("redis").service.port } },
  },
  {
    key: "minio",
    fromSecret: { MINIO_ROOT_USER: "rootUser", MINIO_ROOT_PASSWORD: "rootPassword" },
    dataPath: "/export",
    probe: { httpGet: { path: "/minio/health/ready", port: helmRelease("minio").service.port } },
  },
  {
    key: "milvus",
    fromSecret: {},
    dataPath: "/var/lib/milvus",
    probe: { tcpSocket: { port: helmRelease("milvus").service.port } },
  },
];

function secretKeys(release: HelmRelease): readonly string[] {
  return Object.values(secrets).find((s) => s.name === release.existingSecret)?.keys ?? [];
}

function standIn(spec: StandInSpec): Manifest[] {
  const release = helmRelease(spec.key);
  const { name, namespace, port } = release.service;
  const labels = release.labels.podLabels;
  const keys = secretKeys(release);
  for (const key of Object.values(spec.fromSecret)) {
    if (!keys.includes(key)) throw new Error(`${release.release}: Secret ${release.existingSecret} has no key ${key}`);
  }
  const uid = infraUids[spec.key];
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: release.release, namespace, labels: { ...labels, "one-data.test/stand-in": "helm-release" } },
      spec: {
        replicas: 1,
        strategy: { type: "Recreate" },
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid },
            automountServiceAccountToken: false,
            containers: [
              {
                name: release.release,
                image: infraImageRefs[spec.key],
                imagePullPolicy: "Never",
                ports: [{ name: "main", containerPort: port }],
                env: [
                  ...Object.entries(spec.env ?? {}).map(([envName, value]) => ({ name: envName, value })),
                  ...Object.entries(spec.fromSecret).map(([envName, key]) => ({
                    name: envName,
                    valueFrom: { secretKeyRef: { name: release.existingSecret!, key } },
                  })),
                ],
                securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                readinessProbe: { ...spec.probe, periodSeconds: 2, failureThreshold: 3 },
                volumeMounts: [
                  { name: "data", mountPath: spec.dataPath },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volumes: [
              { name: "data", emptyDir: {} },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
      },
    } as Manifest,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace, labels },
      spec: { selector: labels, ports: [{ name: "main", port, targetPort: port }] },
    } as Manifest,
  ];
}

/** The four stand-ins, MinIO first (Milvus's chart waits for it; the stand-in does not need it). */
export function infraStandIns(): Manifest[] {
  return specs.flatMap(standIn);
}
