import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { IService } from "kubernetes-models/v1/Service";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { acceptanceEnv, agentApiEnv, dataApiEnv, dataBootstrapEnv, modelJobsEnv, vllmEnv, type EnvWiring } from "./env.js";
import { ourImageRef, ourImages, vllmImage, type Accelerator, type ImageTag, type OurImageKey } from "./images.js";
import { appLabels, appSelector } from "./labels.js";
import {
  appServices,
  deployedImagesRecord,
  jobs,
  labelKeys,
  models,
  namespaces,
  partOf,
  registryPullSecret,
  secrets,
  seed,
  type ServiceEndpoint,
} from "./names.js";
import { containerSecurity, podSecurity, resources } from "./security.js";
import { hubImageRef, modelSourceEnv, type DownloadSources, type RegistryMirrors } from "./sources.js";

/** Every object we apply, as plain JSON (kubectl accepts JSON as well as YAML). */
export type Manifest =
  | INamespace
  | IDeployment
  | IService
  | IJob
  | IPersistentVolumeClaim
  | INetworkPolicy
  | IConfigMap
  | Readonly<{ apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }>;

export interface RenderOptions {
  /** Tags of our four images (each image's input digest when deploying, `defaultImageTag` otherwise). */
  readonly imageTag: ImageTag;
  /** Registry our images were pushed to (`--env=cluster`); absent for Kind, which loads them. */
  readonly registry?: string;
  readonly accelerator: Accelerator;
  /** Where vLLM downloads the weights from (--hf-endpoint, --modelscope). */
  readonly sources?: DownloadSources;
  /** `--env=cluster`: registry mirrors the vLLM image is pulled through (on Kind, containerd's configuration does it). */
  readonly imageMirrors?: RegistryMirrors;
}

/** `--env=cluster`: our pods name the registry's pull Secret (without it, when no credentials were given, the kubelet pulls anonymously). */
function pullSecrets(options: RenderOptions): Pick<IPodSpec, "imagePullSecrets"> {
  return options.registry ? { imagePullSecrets: [{ name: registryPullSecret.name }] } : {};
}

const tmpVolume: IVolume = { name: "tmp", emptyDir: { sizeLimit: "256Mi" } };
const tmpMount: IVolumeMount = { name: "tmp", mountPath: "/tmp" };

function envVars(wiring: EnvWiring): IEnvVar[] {
  return Object.entries(wiring).map(([name, source]) =>
    "value" in source
      ? { name, value: source.value }
      : {
          name,
          valueFrom: {
            secretKeyRef: {
              name: secrets[source.secret].name,
              key: source.key,
              ...(source.optional ? { optional: true } : {}),
            },
          },
        },
  );
}

export function namespaceManifests(): INamespace[] {
  return Object.values(namespaces).map((name) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { [labelKeys.partOf]: partOf } },
  }));
}

function httpProbe(path: string, port: string, periodSeconds: number, failureThreshold: number): IProbe {
  return { httpGet: { path, port }, periodSeconds, failureThreshold, timeoutSeconds: 3 };
}

interface NodeServiceSpec {
  readonly service: ServiceEndpoint;
  readonly component: string;
  readonly image: OurImageKey;
  readonly env: EnvWiring;
}

function nodeServiceDeployment(spec: NodeServiceSpec, options: RenderOptions): IDeployment {
  const { name, namespace } = spec.service;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels: appLabels(name, spec.component) },
    spec: {
      replicas: 1,
      selector: { matchLabels: appSelector(name) },
      template: {
        metadata: { labels: appLabels(name, spec.component) },
        spec: {
          securityContext: podSecurity,
          automountServiceAccountToken: false,
          ...pullSecrets(options),
          containers: [
            {
              name,
              image: ourImageRef(spec.image, options.imageTag, options.registry),
              imagePullPolicy: "IfNotPresent",
              ports: [{ name: "http", containerPort: spec.service.port }],
              env: envVars(spec.env),
              resources: resources.nodeService,
              securityContext: containerSecurity,
              readinessProbe: httpProbe("/api/v1/ready", "http", 5, 3),
              livenessProbe: httpProbe("/api/v1/health", "http", 10, 3),
              startupProbe: httpProbe("/api/v1/health", "http", 2, 30),
              volumeMounts: [tmpMount],
            },
          ],
          volumes: [tmpVolume],
        },
      },
    },
  };
}

function serviceFor(service: ServiceEndpoint, component: string): IService {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: service.name, namespace: service.namespace, labels: appLabels(service.name, component) },
    spec: {
      type: "ClusterIP",
      selector: appSelector(service.name),
      ports: [{ name: "http", port: service.port, targetPort: "http", protocol: "TCP" }],
    },
  };
}

function batchJob(
  job: { name: string; namespace: string },
  component: string,
  image: OurImageKey,
  args: string[],
  env: EnvWiring,
  options: RenderOptions,
  extra: { volumes?: IVolume[]; mounts?: IVolumeMount[] } = {},
): IJob {
  const podSpec: IPodSpec = {
    restartPolicy: "Never",
    securityContext: podSecurity,
    automountServiceAccountToken: false,
    ...pullSecrets(options),
    containers: [
      {
        name: job.name,
        image: ourImageRef(image, options.imageTag, options.registry),
        imagePullPolicy: "IfNotPresent",
        args,
        env: envVars(env),
        resources: resources.batchJob,
        securityContext: containerSecurity,
        volumeMounts: [tmpMount, ...(extra.mounts ?? [])],
      },
    ],
    volumes: [tmpVolume, ...(extra.volumes ?? [])],
  };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: job.name, namespace: job.namespace, labels: appLabels(job.name, component) },
    spec: {
      backoffLimit: 2,
      activeDeadlineSeconds: 900,
      ttlSecondsAfterFinished: 86400,
      template: { metadata: { labels: appLabels(job.name, component) }, spec: podSpec },
    },
  };
}

/** Phase data: the Data API. */
export function dataManifests(options: RenderOptions): Manifest[] {
  const spec: NodeServiceSpec = { service: appServices.dataApi, component: "data", image: "dataApi", env: dataApiEnv };
  return [nodeServiceDeployment(spec, options), serviceFor(spec.service, spec.component)];
}

/**
 * The bootstrap registers the seed dataset and indexes a glossary document, so
 * it needs the embedding server: it runs once the model phase is ready.
 */
const dataBootstrapCommand = ["dist/bootstrap.js"] as const;

export function dataBootstrapJob(options: RenderOptions): IJob {
  const job = batchJob(jobs.dataBootstrap, "data", "dataApi", [...dataBootstrapCommand], dataBootstrapEnv, options);
  return job;
}

/**
 * Weights volumes, one per server (ReadWriteOnce cannot be shared by pods on
 * two nodes): a re-deploy or a restarted pod finds the model already there.
 */
function weightsClaimName(service: ServiceEndpoint): string {
  return `${service.name}-weights`;
}

function weightsPvc(service: ServiceEndpoint, size: string): IPersistentVolumeClaim {
  const name = weightsClaimName(service);
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: service.namespace, labels: appLabels(name, "model") },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } },
  };
}

/** Where `--weights` puts a model in its server's weights volume (mounted at /models). */
export function localWeightsPath(model: string): string {
  return `/models/local/${model}`;
}

/** The pods that hold a weights volume while `--weights` is copied into it (the vLLM image, which has tar). */
export function weightsLoaderPods(options: RenderOptions): Manifest[] {
  return [appServices.vllmServing, appServices.vllmEmbedding].map((service) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: weightsLoaderName(service), namespace: service.namespace, labels: appLabels(weightsLoaderName(service), "model") },
    spec: {
      securityContext: podSecurity,
      automountServiceAccountToken: false,
      restartPolicy: "Never",
      containers: [
        {
          name: "loader",
          image: hubImageRef(vllmImage({ gpu: false, arch: options.accelerator.arch }), options.imageMirrors),
          imagePullPolicy: "IfNotPresent",
          command: ["sleep", "3600"],
          resources: resources.batchJob,
          securityContext: containerSecurity,
          volumeMounts: [{ name: "weights", mountPath: "/models" }, tmpMount],
        },
      ],
      volumes: [{ name: "weights", persistentVolumeClaim: { claimName: weightsClaimName(service) } }, tmpVolume],
    },
  }));
}

export function weightsLoaderName(service: ServiceEndpoint): string {
  return `${service.name}-weights-loader`;
}

/** The weights volumes alone (applied before the loader pods that fill them). */
export function weightsPvcs(): Manifest[] {
  return [weightsPvc(appServices.vllmServing, "8Gi"), weightsPvc(appServices.vllmEmbedding, "2Gi")];
}

interface VllmSpec {
  readonly service: ServiceEndpoint;
  readonly model: string;
  readonly extraArgs: readonly string[];
  readonly resources: IContainer["resources"];
  readonly kvCacheGiB: number;
  readonly accelerator: Accelerator;
  readonly sources: DownloadSources | undefined;
  readonly imageMirrors: RegistryMirrors | undefined;
}

function vllmDeployment(spec: VllmSpec): IDeployment {
  const { name, namespace } = spec.service;
  const container: IContainer = {
    name,
    image: hubImageRef(vllmImage(spec.accelerator), spec.imageMirrors),
    imagePullPolicy: "IfNotPresent",
    command: ["vllm", "serve"],
    args: [
      spec.sources?.localWeights ? localWeightsPath(spec.model) : spec.model,
      "--host",
      "0.0.0.0",
      "--port",
      String(spec.service.port),
      ...spec.extraArgs,
    ],
    ports: [{ name: "http", containerPort: spec.service.port }],
    env: envVars({ ...vllmEnv(spec.kvCacheGiB), ...modelSourceEnv(spec.sources) }),
    resources: spec.resources,
    securityContext: containerSecurity,
    // The first start downloads the weights and warms up: allow 30 minutes before liveness applies.
    startupProbe: httpProbe("/health", "http", 10, 180),
    readinessProbe: httpProbe("/health", "http", 10, 3),
    livenessProbe: httpProbe("/health", "http", 20, 3),
    volumeMounts: [{ name: "weights", mountPath: "/models" }, { name: "dshm", mountPath: "/dev/shm" }, tmpMount],
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels: appLabels(name, "model") },
    spec: {
      replicas: 1,
      // The ReadWriteOnce weights volume cannot be mounted by two generations on two nodes.
      strategy: { type: "Recreate" },
      selector: { matchLabels: appSelector(name) },
      template: {
        metadata: { labels: appLabels(name, "model") },
        spec: {
          securityContext: podSecurity,
          automountServiceAccountToken: false,
          containers: [container],
          volumes: [
            { name: "weights", persistentVolumeClaim: { claimName: weightsClaimName(spec.service) } },
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } },
            { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
          ],
        },
      },
    },
  };
}

/** Phase model: the chat server, the embedding server and their weights volume. */
export function modelManifests(options: RenderOptions): Manifest[] {
  const { gpu } = options.accelerator;
  const chatArgs = gpu
    ? ["--served-model-name", models.chat, "--max-model-len", "4096", "--gpu-memory-utilization", "0.85"]
    : ["--served-model-name", models.chat, "--max-model-len", "4096", "--dtype", "bfloat16"];
  // The embedding server always runs on CPU: it is small, and a one-GPU node keeps its GPU for chat.
  const cpu: Accelerator = { gpu: false, arch: options.accelerator.arch };
  return [
    ...weightsPvcs(),
    vllmDeployment({
      service: appServices.vllmServing,
      model: models.chat,
      extraArgs: chatArgs,
      resources: gpu ? resources.vllmChatGpu : resources.vllmChatCpu,
      kvCacheGiB: 2,
      accelerator: options.accelerator,
      sources: options.sources,
      imageMirrors: options.imageMirrors,
    }),
    serviceFor(appServices.vllmServing, "model"),
    vllmDeployment({
      service: appServices.vllmEmbedding,
      model: models.embedding,
      extraArgs: ["--runner", "pooling", "--served-model-name", models.embedding, "--dtype", "bfloat16"],
      resources: resources.vllmEmbeddingCpu,
      kvCacheGiB: 1,
      accelerator: cpu,
      sources: options.sources,
      imageMirrors: options.imageMirrors,
    }),
    serviceFor(appServices.vllmEmbedding, "model"),
  ];
}

/** The instruction the dataset job sends with every row of the seed dataset (model-jobs requires one). */
const modelJobPrompt = "Summarise this record in one short sentence.";

/** Data → Model: the dataset job reads ds-001 through the Data API and infers over it. */
export function modelJob(options: RenderOptions): IJob {
  return batchJob(
    jobs.modelJob,
    "model",
    "modelJobs",
    ["dist/main.js", "--dataset", seed.datasetId, "--prompt", modelJobPrompt],
    modelJobsEnv,
    options,
  );
}

/** Phase agent: the Agent API. */
export function agentManifests(options: RenderOptions): Manifest[] {
  const spec: NodeServiceSpec = { service: appServices.agentApi, component: "agent", image: "agentApi", env: agentApiEnv };
  return [nodeServiceDeployment(spec, options), serviceFor(spec.service, spec.component), deployedImagesConfigMap(options)];
}

/** The record of what deploy deployed (`deployedImagesRecord`), applied with the last phase's workload. */
function deployedImagesConfigMap(options: RenderOptions): IConfigMap {
  const keys = Object.keys(ourImages) as OurImageKey[];
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { ...deployedImagesRecord, labels: appLabels(deployedImagesRecord.name, "agent") },
    data: Object.fromEntries(keys.map((key) => [key, ourImageRef(key, options.imageTag, options.registry)])),
  };
}

/**
 * Wall-clock budget of the acceptance Job. The suite's checks run one after
 * another, each with its own timeout (about 29 minutes if every one ran to
 * its limit, which a CPU-only Qwen answering slowly can approach); the
 * deadline sits above that sum so a slow run ends with its report rather than
 * being killed before printing it.
 */
export const acceptanceDeadlineSeconds = 1800;

/** Line the acceptance Job prints before the JUnit XML, so `verify` can split it out of the pod log. */
const junitMarker = "----- one-data junit -----";

export interface AcceptanceOutcome {
  readonly passed: boolean;
  /** What the suite printed before the JUnit XML. */
  readonly summary: string;
  readonly junit: string;
}

/** `verify`'s verdict from what its step wrote: the Job's log and its succeeded count. */
export function acceptanceOutcome(log: string, succeeded: string): AcceptanceOutcome {
  const at = log.indexOf(junitMarker);
  const count = succeeded.trim();
  return {
    passed: count !== "" && count !== "0",
    summary: (at >= 0 ? log.slice(0, at) : log).trim(),
    junit: at >= 0 ? log.slice(at + junitMarker.length).trim() : "",
  };
}

/**
 * `verify`: the acceptance suite as an in-cluster Job. It writes JUnit XML to
 * a scratch volume and prints it after a marker, because the pod's files are
 * gone once it ends while its log stays readable.
 */
export function acceptanceJob(options: RenderOptions): IJob {
  const script = `node dist/main.js; rc=$?; echo '${junitMarker}'; cat "$ACCEPTANCE_JUNIT_PATH" 2>/dev/null; exit $rc`;
  const job = batchJob(jobs.acceptance, "verify", "acceptance", ["-c", script], acceptanceEnv, options, {
    volumes: [{ name: "reports", emptyDir: { sizeLimit: "16Mi" } }],
    mounts: [{ name: "reports", mountPath: "/reports" }],
  });
  const container = job.spec!.template.spec!.containers[0]!;
  container.command = ["/bin/sh"];
  job.spec!.backoffLimit = 0;
  job.spec!.activeDeadlineSeconds = acceptanceDeadlineSeconds;
  return job;
}
