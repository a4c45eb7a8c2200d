import { infraServices, namespaces, releases, secrets, type ServiceEndpoint } from "./names.js";
import type { MirroredRegistry } from "./sources.js";

/**
 * The Helm releases of phase `infra`, pinned by chart version, and the pod
 * labels each chart really sets. Charts cannot be downloaded on the machines
 * that run the tests, so the labels are recorded here as data with the chart
 * template they were read from; the readiness selectors the pipeline waits on
 * are derived from these records and a test checks they agree.
 */

interface ChartLabelFact {
  /** Labels on the pods of the release's main workload (release name substituted). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Chart file the labels were read from, at the pinned version. */
  readonly source: string;
}

/** What a release's pods request, as its values file sets it (held to k8s/helm/ by a test). */
interface ChartRequests {
  readonly cpu: string;
  readonly memory: string;
  /** PersistentVolumeClaims the release creates. */
  readonly storage: readonly string[];
}

/**
 * An image a chart pulls, as its values name it: `key` is the values path a
 * registry mirror is set at (`--set`), either the whole repository
 * (`<mirror host>/<repository>`) or, for charts with a registry field, the
 * registry alone.
 */
interface ChartImage {
  readonly registry: MirroredRegistry;
  readonly key: string;
  /** The repository under the registry; absent when `key` is a registry field. */
  readonly repository?: string;
}

export interface HelmRelease {
  readonly release: string;
  readonly namespace: string;
  /** `repo/chart` for classic repositories, or an `oci://` reference. */
  readonly chart: string;
  /** Classic repository (name, URL) to `helm repo add`, absent for OCI charts. */
  readonly repository?: { readonly name: string; readonly url: string };
  readonly version: string;
  readonly appVersion: string;
  /** Values file committed under k8s/helm/. */
  readonly valuesFile: string;
  readonly service: ServiceEndpoint;
  readonly labels: ChartLabelFact;
  /** Secret (created by the pipeline before the release) the values refer to. */
  readonly existingSecret?: string;
  /** Releases that must be ready before this one is installed. */
  readonly after: readonly string[];
  readonly timeoutSeconds: number;
  /** Every workload of the release that runs alongside the others (one-off hook Jobs left out). */
  readonly requests: readonly ChartRequests[];
  /** Where the chart's images are named in its values (held to k8s/helm/ by a test). */
  readonly images: readonly ChartImage[];
}

export const helmReleases: readonly HelmRelease[] = [
  {
    release: releases.minio,
    namespace: namespaces.infra,
    chart: "minio/minio",
    repository: { name: "minio", url: "https://charts.min.io/" },
    version: "5.4.0",
    appVersion: "RELEASE.2024-12-18T13-15-44Z",
    valuesFile: "k8s/helm/minio.values.yaml",
    service: infraServices.minio,
    labels: {
      podLabels: { app: "minio", release: releases.minio },
      source:
        "minio/minio helm/minio/templates/deployment.yaml (mode=standalone): template labels app={{minio.name}}, release={{.Release.Name}}",
    },
    existingSecret: secrets.minioRoot.name,
    after: [],
    timeoutSeconds: 600,
    requests: [{ cpu: "100m", memory: "512Mi", storage: ["10Gi"] }],
    images: [
      { registry: "quay.io", key: "image.repository", repository: "minio/minio" },
      { registry: "quay.io", key: "mcImage.repository", repository: "minio/mc" },
    ],
  },
  {
    release: releases.mysql,
    namespace: namespaces.infra,
    chart: "oci://registry-1.docker.io/bitnamicharts/mysql",
    version: "14.0.5",
    appVersion: "9.4.0",
    valuesFile: "k8s/helm/mysql.values.yaml",
    service: infraServices.mysql,
    labels: {
      podLabels: {
        "app.kubernetes.io/name": "mysql",
        "app.kubernetes.io/instance": releases.mysql,
        "app.kubernetes.io/component": "primary",
      },
      source: "bitnami/charts bitnami/mysql/templates/primary/statefulset.yaml + bitnami/common/templates/_labels.tpl (chart 14.0.5)",
    },
    existingSecret: secrets.mysqlAuth.name,
    after: [],
    timeoutSeconds: 600,
    requests: [{ cpu: "250m", memory: "512Mi", storage: ["5Gi"] }],
    // Bitnami charts put global.imageRegistry in front of every image they run.
    images: [{ registry: "docker.io", key: "global.imageRegistry" }],
  },
  {
    release: releases.redis,
    namespace: namespaces.infra,
    chart: "oci://registry-1.docker.io/bitnamicharts/redis",
    version: "23.1.1",
    appVersion: "8.2.1",
    valuesFile: "k8s/helm/redis.values.yaml",
    service: infraServices.redis,
    labels: {
      podLabels: {
        "app.kubernetes.io/name": "redis",
        "app.kubernetes.io/instance": releases.redis,
        "app.kubernetes.io/component": "master",
      },
      source: "bitnami/charts bitnami/redis/templates/master/application.yaml + bitnami/common/templates/_labels.tpl (chart 23.1.1)",
    },
    existingSecret: secrets.redisAuth.name,
    after: [],
    timeoutSeconds: 600,
    requests: [{ cpu: "100m", memory: "128Mi", storage: ["1Gi"] }],
    images: [{ registry: "docker.io", key: "global.imageRegistry" }],
  },
  {
    release: releases.milvus,
    namespace: namespaces.infra,
    chart: "zilliztech/milvus",
    repository: { name: "zilliztech", url: "https://zilliztech.github.io/milvus-helm/" },
    version: "5.0.19",
    appVersion: "2.6.15",
    valuesFile: "k8s/helm/milvus.values.yaml",
    service: infraServices.milvus,
    labels: {
      podLabels: {
        "app.kubernetes.io/name": "milvus",
        "app.kubernetes.io/instance": releases.milvus,
        component: "standalone",
      },
      source: "zilliztech/milvus-helm charts/milvus/templates/standalone-deployment.yaml + _helpers.tpl milvus.matchLabels (chart 5.0.19)",
    },
    // Milvus keeps its segments in our MinIO, so it waits for that release.
    after: [releases.minio],
    timeoutSeconds: 900,
    requests: [
      { cpu: "500m", memory: "1Gi", storage: ["5Gi"] },
      { cpu: "100m", memory: "256Mi", storage: ["2Gi"] },
    ],
    // The bundled etcd is Bitnami's etcd chart 8.12.0 (milvus-helm requirements.yaml), with a registry field.
    images: [
      { registry: "docker.io", key: "image.all.repository", repository: "milvusdb/milvus" },
      { registry: "docker.io", key: "etcd.image.registry" },
    ],
  },
];

export function helmRelease(name: string): HelmRelease {
  const found = helmReleases.find((r) => r.release === name);
  if (!found) throw new Error(`no Helm release named ${name}`);
  return found;
}

/** `-l` selector for the release's pods, built from the recorded chart labels. */
export function releaseSelector(release: HelmRelease): string {
  return Object.entries(release.labels.podLabels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}
