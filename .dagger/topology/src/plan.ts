/**
 * The deploy plan: phases in order, each a list of steps. Shell steps run in
 * the pipeline's tool container (kind, kubectl, helm) with the repository at
 * /src; image steps are carried out by the Dagger module itself. The same plan
 * is printed by `dagger call plan` and `npm run plan`, and tests assert it.
 */

import { planRequests, preflightScript } from "./capacity.js";
import { chartMirrorSets, type DownloadSources, type RegistryMirrors } from "./sources.js";
import { helmReleases, releaseSelector, type HelmRelease } from "./charts.js";
import {
  describeImageTags,
  externalImages,
  imageRef,
  ourImageRef,
  ourImages,
  vllmImage,
  type Accelerator,
  type ImageTag,
  type OurImageKey,
} from "./images.js";
import { istioIngressPolicy, istioManifests } from "./istio.js";
import { connectEngineScript, kindClusterScript, kindKubeconfigScript } from "./kind-network.js";
import { selectorString, appSelector } from "./labels.js";
import {
  acceptanceDeadlineSeconds,
  acceptanceJob,
  agentManifests,
  dataBootstrapJob,
  dataManifests,
  modelJob,
  localWeightsPath,
  modelManifests,
  namespaceManifests,
  weightsLoaderName,
  weightsLoaderPods,
  weightsPvcs,
  type Manifest,
  type RenderOptions,
} from "./manifests.js";
import { kindCluster, appServices, jobs, models, namespaces, registryPullSecret, secrets, seed } from "./names.js";
import { networkPolicies } from "./network.js";
import { jobFinishedWait, jobVerdict, releasePodSelector, waitGuardedFunction } from "./waits.js";

export type Env = "kind" | "cluster";
export const phaseOrder = ["cluster", "infra", "data", "model", "agent"] as const;
export type Phase = (typeof phaseOrder)[number];

export interface PlanOptions {
  readonly env: Env;
  readonly phases?: readonly Phase[];
  /** One tag for our four images, or each image's own digest tag (deploy). */
  readonly imageTag: ImageTag;
  /** `--env=cluster`: where our images are pushed. */
  readonly registry?: string;
  readonly istio: boolean;
  /** Known accelerator, or undefined to detect it from the cluster's nodes at run time. */
  readonly accelerator?: Accelerator;
  /** Where the weights and npm packages come from (restricted networks). */
  readonly sources?: DownloadSources;
}

export type Step =
  | {
      readonly kind: "shell";
      readonly description: string;
      readonly script: string;
      readonly timeoutSeconds: number;
      /** Manifests written to /work/manifests.json before the script runs. */
      readonly manifests?: readonly Manifest[];
    }
  | { readonly kind: "load-images"; readonly description: string; readonly images: readonly OurImageKey[] }
  | {
      readonly kind: "publish-images";
      readonly description: string;
      readonly images: readonly OurImageKey[];
      readonly refs: readonly string[];
    }
  | { readonly kind: "detect-accelerator"; readonly description: string; readonly script: string };

export interface PhasePlan {
  readonly phase: Phase;
  readonly title: string;
  readonly timeoutSeconds: number;
  readonly steps: readonly Step[];
}

export const manifestsPath = "/work/manifests.json";
export const kubeconfigPath = "/work/kubeconfig";
export const mountedKubeconfigPath = "/run/secrets/kubeconfig";

/**
 * Shell prelude of every cluster step: point kubectl/helm at the cluster. For
 * Kind, the engine is (re)connected to the kind network and the kubeconfig
 * exported with the server rewritten to the control plane's IP there (its
 * container names do not resolve from our exec).
 */
export function connectPrelude(env: Env): string {
  if (env === "cluster") {
    return `export KUBECONFIG=${mountedKubeconfigPath}`;
  }
  return [connectEngineScript(), kindKubeconfigScript(kubeconfigPath)].join("\n");
}

/** Generates a secret with the listed keys unless it exists: re-deploys keep running services' passwords. */
function ensureSecretScript(name: string, namespace: string, keys: readonly string[]): string {
  const lines = ["{", ...keys.map((key) => `  echo "${key}=$(openssl rand -hex 24)"`), `} >"$f"`].join("\n");
  return [
    `if kubectl -n ${namespace} get secret ${name} >/dev/null 2>&1; then`,
    `  echo "secret ${namespace}/${name} exists: kept"`,
    `else`,
    `  f=$(umask 077 && mktemp)`,
    lines.replace(/^/gm, "  "),
    `  kubectl -n ${namespace} create secret generic ${name} --from-env-file="$f" >/dev/null`,
    `  rm -f "$f"`,
    `  echo "secret ${namespace}/${name} generated"`,
    `fi`,
  ].join("\n");
}

/** Reads one key of a Secret (value stays in a shell variable, never printed). */
const readSecret = (namespace: string, name: string, key: string) =>
  `$(kubectl -n ${namespace} get secret ${name} -o jsonpath='{.data.${key.replace(/\./g, "\\.")}}' 2>/dev/null | base64 -d)`;

function applyScript(what: string): string {
  return `kubectl apply --server-side --force-conflicts --field-manager=one-data-dagger -f ${manifestsPath}\necho "applied ${what}"`;
}

/** The registry's host, where its credentials apply: `ghcr.io/acme` -> `ghcr.io`. */
function registryHost(registry: string): string {
  return registry.split("/")[0]!;
}

/**
 * `--env=cluster`: the pull Secret for our images from the registry
 * credentials (REGISTRY_USERNAME, REGISTRY_PASSWORD from a Dagger secret), in
 * every namespace our images run in; the password never reaches a command line.
 */
function registryPullSecretScript(registry: string): string {
  const { name, namespaces: targets } = registryPullSecret;
  return [
    `if [ -n "\${REGISTRY_PASSWORD:-}" ]; then`,
    `  f=$(umask 077 && mktemp)`,
    `  auth=$(printf '%s:%s' "\${REGISTRY_USERNAME:-}" "$REGISTRY_PASSWORD" | base64 -w0)`,
    `  printf '{"auths":{"%s":{"auth":"%s"}}}' "${registryHost(registry)}" "$auth" >"$f"`,
    ...targets.map(
      (ns) =>
        `  kubectl -n ${ns} create secret generic ${name} --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson="$f" --dry-run=client -o json | kubectl apply -f - >/dev/null`,
    ),
    `  rm -f "$f"`,
    `  echo "image pull Secret ${name} for ${registryHost(registry)} in ${targets.join(", ")}"`,
    `else`,
    `  echo "no registry credentials given: our images are pulled from ${registryHost(registry)} anonymously"`,
    `fi`,
  ].join("\n");
}

function helmInstallScript(r: HelmRelease, sets: readonly string[], extraValuesFile?: string): string {
  const flags = [
    `--namespace ${r.namespace}`,
    `--version ${r.version}`,
    `-f /src/${r.valuesFile}`,
    ...(extraValuesFile ? [`-f "${extraValuesFile}"`] : []),
    ...sets.map((set) => `--set '${set}'`),
    `--wait --timeout ${r.timeoutSeconds}s`,
  ];
  return [
    `wait_guarded ${r.namespace} '${releasePodSelector(r.release)}' helm upgrade --install ${r.release} ${r.chart} ${flags.join(" ")}`,
    // helm --wait covered the release's own resources; this proves the selector we document matches real pods.
    `wait_guarded ${r.namespace} '${releaseSelector(r)}' kubectl -n ${r.namespace} wait --for=condition=Ready pod -l '${releaseSelector(r)}' --timeout=${r.timeoutSeconds}s`,
  ].join("\n");
}

/**
 * A Helm install run in the background: its own log file, printed once after
 * it ended, and errexit in force (a function called in an `&&`/`||` list runs
 * with errexit off, which once hid a failing helm behind a passing wait).
 */
function backgroundInstall(r: HelmRelease, sets: readonly string[], extraValuesFile?: string): string {
  return [
    `install_${r.release}() {`,
    `  local started=$SECONDS`,
    helmInstallScript(r, sets, extraValuesFile).replace(/^/gm, "  "),
    `  echo "release ${r.release} ready after $((SECONDS - started))s"`,
    `}`,
    `install_${r.release} >/work/helm-${r.release}.log 2>&1 &`,
    `pid_${r.release}=$!`,
  ].join("\n");
}

/** Waits for one background install and prints its log; records a failure in rc. */
function awaitInstall(r: HelmRelease): string {
  return [
    `if wait $pid_${r.release}; then status=ok; else status=FAILED; rc=1; fi`,
    `echo "--- helm ${r.release}: $status"`,
    `cat /work/helm-${r.release}.log`,
  ].join("\n");
}

function clusterPhase(options: PlanOptions): PhasePlan {
  const images = Object.keys(ourImages) as OurImageKey[];
  if (options.env === "kind") {
    return {
      phase: "cluster",
      title:
        "Kind cluster (1 control plane + 2 workers) on its own kind network of the host's Docker, the Dagger engine connected to it; our images loaded without a registry",
      timeoutSeconds: 600,
      steps: [
        {
          kind: "shell",
          description: `create Kind cluster ${kindCluster.name} unless it exists`,
          timeoutSeconds: 420,
          script: kindClusterScript({
            kubeconfig: kubeconfigPath,
            nodeImage: imageRef(externalImages.kindNode),
            ...(options.sources?.registryMirrors ? { registryMirrors: options.sources.registryMirrors } : {}),
          }),
        },
        { kind: "load-images", description: `kind load image-archive (our four images, ${describeImageTags(options.imageTag)})`, images },
      ],
    };
  }
  return {
    phase: "cluster",
    title: "existing cluster from --kubeconfig; our images pushed to --registry",
    timeoutSeconds: 600,
    steps: [
      {
        kind: "shell",
        description: "check the cluster answers and its nodes are Ready",
        timeoutSeconds: 120,
        script: [connectPrelude("cluster"), "kubectl version", "kubectl wait --for=condition=Ready node --all --timeout=120s"].join("\n"),
      },
      {
        kind: "publish-images",
        description: `push our images to ${options.registry ?? "<registry>"}`,
        images,
        refs: images.map((key) => ourImageRef(key, options.imageTag, options.registry ?? "<registry>")),
      },
    ],
  };
}

function infraPhase(options: PlanOptions): PhasePlan {
  const [minio, mysql, redis, milvus] = ["minio", "mysql", "redis", "milvus"].map((name) =>
    helmReleases.find((r) => r.release === name)!,
  ) as [HelmRelease, HelmRelease, HelmRelease, HelmRelease];
  const prelude = connectPrelude(options.env);
  // On Kind, containerd's mirror configuration covers the charts' images; an existing cluster's is not ours.
  const sets = (r: HelmRelease) => (options.env === "cluster" ? chartMirrorSets(r, options.sources?.registryMirrors) : []);
  const repos = helmReleases
    .filter((r) => r.repository)
    .map((r) => `helm repo add ${r.repository!.name} ${r.repository!.url} --force-update >/dev/null`);
  // Milvus reads MinIO's credentials from the cluster into a private values file: nothing secret in k8s/.
  const milvusS3 = [
    `s3=$(umask 077 && mktemp --suffix=.yaml)`,
    `printf 'externalS3:\\n  accessKey: "%s"\\n  secretKey: "%s"\\n' "${readSecret(namespaces.infra, secrets.minioRoot.name, "rootUser")}" "${readSecret(namespaces.infra, secrets.minioRoot.name, "rootPassword")}" >"$s3"`,
  ].join("\n");
  return {
    phase: "infra",
    title: "MinIO, MySQL, Redis, Milvus (standalone) Helm releases in one-data-infra",
    timeoutSeconds: 1500,
    steps: [
      {
        kind: "shell",
        description: "namespaces, NetworkPolicies",
        timeoutSeconds: 60,
        manifests: [...namespaceManifests(), ...networkPolicies(), ...(options.istio ? [istioIngressPolicy()] : [])],
        script: [prelude, applyScript("namespaces and NetworkPolicies")].join("\n"),
      },
      ...(options.env === "cluster" && options.registry
        ? [
            {
              kind: "shell" as const,
              description: `image pull Secret ${registryPullSecret.name} for ${registryHost(options.registry)} (from the registry credentials, when given)`,
              timeoutSeconds: 60,
              script: [prelude, registryPullSecretScript(options.registry)].join("\n"),
            },
          ]
        : []),
      {
        kind: "shell",
        description: "infra credentials as Secrets (generated once per cluster, kept on re-deploy)",
        timeoutSeconds: 60,
        script: [
          prelude,
          ensureSecretScript(secrets.minioRoot.name, namespaces.infra, secrets.minioRoot.keys),
          ensureSecretScript(secrets.mysqlAuth.name, namespaces.infra, secrets.mysqlAuth.keys),
          ensureSecretScript(secrets.redisAuth.name, namespaces.infra, secrets.redisAuth.keys),
        ].join("\n"),
      },
      {
        kind: "shell",
        description: `helm: ${[minio, mysql, redis].map((r) => `${r.release} ${r.chart}@${r.version}`).join(", ")} concurrently, then ${milvus.release} ${milvus.chart}@${milvus.version} (needs MinIO)`,
        timeoutSeconds: 1400,
        script: [
          prelude,
          waitGuardedFunction,
          ...repos,
          backgroundInstall(minio, sets(minio)),
          backgroundInstall(mysql, sets(mysql)),
          backgroundInstall(redis, sets(redis)),
          `rc=0`,
          awaitInstall(minio),
          `if [ $rc -eq 0 ]; then`,
          milvusS3.replace(/^/gm, "  "),
          backgroundInstall(milvus, sets(milvus), "$s3").replace(/^/gm, "  "),
          awaitInstall(milvus).replace(/^/gm, "  "),
          `  rm -f "$s3"`,
          `fi`,
          awaitInstall(mysql),
          awaitInstall(redis),
          `exit $rc`,
        ].join("\n"),
      },
    ],
  };
}

function copyDataCredentialsScript(): string {
  const infra = namespaces.infra;
  const target = secrets.dataApi;
  return [
    `ro=${readSecret(target.namespace, target.name, "MYSQL_READONLY_PASSWORD")} || true`,
    `[ -n "$ro" ] || ro=$(openssl rand -hex 24)`,
    `f=$(umask 077 && mktemp)`,
    `{`,
    `  echo "MYSQL_PASSWORD=${readSecret(infra, secrets.mysqlAuth.name, "mysql-root-password")}"`,
    `  echo "MYSQL_READONLY_PASSWORD=$ro"`,
    `  echo "S3_ACCESS_KEY=${readSecret(infra, secrets.minioRoot.name, "rootUser")}"`,
    `  echo "S3_SECRET_KEY=${readSecret(infra, secrets.minioRoot.name, "rootPassword")}"`,
    `} >"$f"`,
    `kubectl -n ${target.namespace} create secret generic ${target.name} --from-env-file="$f" --dry-run=client -o json | kubectl apply -f - >/dev/null`,
    `rm -f "$f"`,
    `echo "secret ${target.namespace}/${target.name} in sync with the infra credentials"`,
  ].join("\n");
}

function copyAgentCredentialsScript(): string {
  const target = secrets.agentApi;
  return [
    `f=$(umask 077 && mktemp)`,
    `echo "REDIS_PASSWORD=${readSecret(namespaces.infra, secrets.redisAuth.name, "redis-password")}" >"$f"`,
    `kubectl -n ${target.namespace} create secret generic ${target.name} --from-env-file="$f" --dry-run=client -o json | kubectl apply -f - >/dev/null`,
    `rm -f "$f"`,
    `echo "secret ${target.namespace}/${target.name} in sync with the infra credentials"`,
  ].join("\n");
}

function rolloutScript(namespace: string, name: string, timeoutSeconds: number): string {
  return `wait_guarded ${namespace} '${selectorString(appSelector(name))}' kubectl -n ${namespace} rollout status deployment/${name} --timeout=${timeoutSeconds}s`;
}

/** Runs a Job afresh (a finished Job's pod template is immutable) and waits until it has completed or failed. */
function jobRunScript(namespace: string, name: string, timeoutSeconds: number): string {
  const job = { namespace, name };
  return [
    waitGuardedFunction,
    `kubectl -n ${namespace} delete job ${name} --ignore-not-found --wait=true >/dev/null`,
    `kubectl -n ${namespace} apply -f ${manifestsPath} >/dev/null`,
    `if ! ${jobFinishedWait(job, timeoutSeconds)}; then`,
    `  echo "job ${namespace}/${name} did not finish within ${timeoutSeconds}s; last log lines:" >&2`,
    `  kubectl -n ${namespace} logs job/${name} --tail=50 >&2 || true`,
    `  exit 1`,
    `fi`,
    `verdict="${jobVerdict(job)}"`,
    `case "$verdict" in`,
    `  FailureTarget\\ * | Failed\\ *)`,
    `    echo "job ${namespace}/${name} failed: \${verdict#* }; last log lines:" >&2`,
    `    kubectl -n ${namespace} logs job/${name} --tail=50 >&2 || true`,
    `    exit 1`,
    `    ;;`,
    `esac`,
    `kubectl -n ${namespace} logs job/${name} --tail=20 || true`,
  ].join("\n");
}

function renderOptions(options: PlanOptions, accelerator: Accelerator): RenderOptions {
  return {
    imageTag: options.imageTag,
    accelerator,
    ...(options.env === "cluster" && options.registry ? { registry: options.registry } : {}),
    ...(options.sources ? { sources: options.sources } : {}),
    ...(options.env === "cluster" && options.sources?.registryMirrors ? { imageMirrors: options.sources.registryMirrors } : {}),
  };
}

/** Accelerator the plan prints when none is given: detection runs first at deploy time. */
const assumedAccelerator: Accelerator = { gpu: false, arch: "amd64" };

const detectAcceleratorScript = [
  `gpus=$(kubectl get nodes -o jsonpath='{range .items[*]}{.status.allocatable.nvidia\\.com/gpu}{"\\n"}{end}' | awk '$1 > 0' | wc -l)`,
  `arch=$(kubectl get nodes -o jsonpath='{.items[0].status.nodeInfo.architecture}')`,
  `echo "gpu_nodes=$gpus arch=$arch"`,
].join("\n");

function dataPhase(options: PlanOptions, accelerator: Accelerator): PhasePlan {
  const prelude = connectPrelude(options.env);
  const render = renderOptions(options, accelerator);
  return {
    phase: "data",
    title: "Data API in one-data-data with generated credentials",
    timeoutSeconds: 600,
    steps: [
      {
        kind: "shell",
        description: `credentials Secret ${secrets.dataApi.namespace}/${secrets.dataApi.name}`,
        timeoutSeconds: 60,
        script: [prelude, copyDataCredentialsScript()].join("\n"),
      },
      {
        kind: "shell",
        description: `data-api Deployment + Service (${appServices.dataApi.name}:${appServices.dataApi.port}), rollout`,
        timeoutSeconds: 420,
        manifests: dataManifests(render),
        script: [prelude, waitGuardedFunction, applyScript("data-api"), rolloutScript(namespaces.data, appServices.dataApi.name, 400)].join(
          "\n",
        ),
      },
    ],
  };
}

/** Where the tool container holds the host directory given with `--weights`. */
export const hostWeightsPath = "/work/weights";

/**
 * `--weights`: each model's files copied from the host directory into its
 * server's weights volume through a loader pod (`kubectl cp`, the same on Kind
 * and an existing cluster), before vLLM starts from them.
 */
function weightsCopyStep(options: PlanOptions, accelerator: Accelerator): Step {
  const ns = namespaces.model;
  const servers = [
    { service: appServices.vllmServing, model: models.chat },
    { service: appServices.vllmEmbedding, model: models.embedding },
  ];
  return {
    kind: "shell",
    description: `copy the weights from --weights into the weights volumes (${servers.map((s) => s.model).join(", ")})`,
    timeoutSeconds: 1800,
    manifests: [...weightsPvcs(), ...weightsLoaderPods(renderOptions(options, accelerator))],
    script: [
      connectPrelude(options.env),
      waitGuardedFunction,
      ...servers.map(
        ({ model }) =>
          `[ -f ${hostWeightsPath}/${model}/config.json ] || { echo "--weights has no ${model}/config.json: put the model there first (hf download ${model} --local-dir <dir>/${model})" >&2; exit 1; }`,
      ),
      // A running server holds its ReadWriteOnce volume, maybe on another node: stop it while its volume is filled.
      ...servers.flatMap(({ service }) => [
        `kubectl -n ${ns} scale deployment ${service.name} --replicas=0 >/dev/null 2>&1 || true`,
        `if kubectl -n ${ns} get pod -l '${selectorString(appSelector(service.name))}' -o name | grep -q .; then`,
        `  kubectl -n ${ns} wait --for=delete pod -l '${selectorString(appSelector(service.name))}' --timeout=300s`,
        `fi`,
      ]),
      applyScript("weights volumes and loader pods"),
      ...servers.flatMap(({ service, model }) => {
        const pod = weightsLoaderName(service);
        const target = localWeightsPath(model);
        return [
          `wait_guarded ${ns} '${selectorString(appSelector(pod))}' kubectl -n ${ns} wait --for=condition=Ready pod/${pod} --timeout=600s`,
          `kubectl -n ${ns} exec ${pod} -- mkdir -p ${target}`,
          `kubectl -n ${ns} cp ${hostWeightsPath}/${model}/. ${pod}:${target}`,
          `echo "copied ${model} into ${service.name}'s weights volume"`,
          `kubectl -n ${ns} delete pod ${pod} --wait=true >/dev/null`,
        ];
      }),
    ].join("\n"),
  };
}

function modelPhase(options: PlanOptions, accelerator: Accelerator): PhasePlan {
  const prelude = connectPrelude(options.env);
  const render = renderOptions(options, accelerator);
  const hfSecret = secrets.huggingFace;
  return {
    phase: "model",
    title: `vLLM chat (${imageRef(vllmImage(accelerator))}) + embedding server in one-data-model, then the data bootstrap and the dataset job`,
    timeoutSeconds: 3000,
    steps: [
      {
        kind: "detect-accelerator",
        description: "nvidia.com/gpu allocatable on any node -> GPU image, else CPU image for the node architecture",
        script: [prelude, detectAcceleratorScript].join("\n"),
      },
      {
        kind: "shell",
        description: `optional HF_TOKEN into Secret ${hfSecret.namespace}/${hfSecret.name}`,
        timeoutSeconds: 60,
        script: [
          prelude,
          `if [ -n "\${HF_TOKEN:-}" ]; then`,
          `  f=$(umask 077 && mktemp); echo "HF_TOKEN=$HF_TOKEN" >"$f"`,
          `  kubectl -n ${hfSecret.namespace} create secret generic ${hfSecret.name} --from-env-file="$f" --dry-run=client -o json | kubectl apply -f - >/dev/null`,
          `  rm -f "$f"; echo "HF token stored"`,
          `else`,
          `  echo "no HF token given: models download anonymously"`,
          `fi`,
        ].join("\n"),
      },
      ...(options.sources?.localWeights ? [weightsCopyStep(options, accelerator)] : []),
      {
        kind: "shell",
        description: "vLLM Deployments, Services, weights PVCs; rollout (first start downloads the weights)",
        timeoutSeconds: 2000,
        manifests: [...modelManifests(render), ...(options.istio ? istioManifests() : [])],
        script: [
          prelude,
          waitGuardedFunction,
          applyScript("vLLM servers"),
          rolloutScript(namespaces.model, appServices.vllmEmbedding.name, 1800),
          rolloutScript(namespaces.model, appServices.vllmServing.name, 1800),
        ].join("\n"),
      },
      {
        kind: "shell",
        description: `data bootstrap Job ${jobs.dataBootstrap.namespace}/${jobs.dataBootstrap.name} (seed dataset ${seed.datasetId} + glossary; needs the embedding server)`,
        timeoutSeconds: 620,
        manifests: [dataBootstrapJob(render)],
        script: [prelude, jobRunScript(jobs.dataBootstrap.namespace, jobs.dataBootstrap.name, 600)].join("\n"),
      },
      {
        kind: "shell",
        description: `dataset Job ${jobs.modelJob.namespace}/${jobs.modelJob.name} (Data -> Model on ${seed.datasetId})`,
        timeoutSeconds: 620,
        manifests: [modelJob(render)],
        script: [prelude, jobRunScript(jobs.modelJob.namespace, jobs.modelJob.name, 600)].join("\n"),
      },
    ],
  };
}

function agentPhase(options: PlanOptions, accelerator: Accelerator): PhasePlan {
  const prelude = connectPrelude(options.env);
  return {
    phase: "agent",
    title: "Agent API in one-data-agent wired to the model and the Data API",
    timeoutSeconds: 480,
    steps: [
      {
        kind: "shell",
        description: `credentials Secret ${secrets.agentApi.namespace}/${secrets.agentApi.name}`,
        timeoutSeconds: 60,
        script: [prelude, copyAgentCredentialsScript()].join("\n"),
      },
      {
        kind: "shell",
        description: `agent-api Deployment + Service (${appServices.agentApi.name}:${appServices.agentApi.port}), rollout`,
        timeoutSeconds: 420,
        manifests: agentManifests(renderOptions(options, accelerator)),
        script: [
          prelude,
          waitGuardedFunction,
          applyScript("agent-api"),
          rolloutScript(namespaces.agent, appServices.agentApi.name, 400),
        ].join("\n"),
      },
    ],
  };
}

export function parsePhases(list: string | undefined): Phase[] {
  if (!list || list.trim() === "" || list.trim() === "all") return [...phaseOrder];
  const wanted = list
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const unknown = wanted.filter((p) => !(phaseOrder as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new Error(`unknown phase(s): ${unknown.join(", ")}; phases are ${phaseOrder.join(", ")}`);
  }
  // Always run in dependency order, whatever order they were named in.
  return phaseOrder.filter((p) => wanted.includes(p));
}

export function buildPlan(options: PlanOptions): PhasePlan[] {
  if (options.env === "cluster" && !options.registry) {
    throw new Error("--env=cluster needs --registry (where the cluster pulls our images from)");
  }
  const accelerator = options.accelerator ?? assumedAccelerator;
  const selected = options.phases ?? phaseOrder;
  const builders: Record<Phase, () => PhasePlan> = {
    cluster: () => clusterPhase(options),
    infra: () => infraPhase(options),
    data: () => dataPhase(options, accelerator),
    model: () => modelPhase(options, accelerator),
    agent: () => agentPhase(options, accelerator),
  };
  const phases = phaseOrder.filter((p) => selected.includes(p)).map((p) => builders[p]());
  return options.env === "kind"
    ? phases.map((phase) => (phase.phase === "cluster" ? withPreflight(phase, phases, options.sources?.registryMirrors) : phase))
    : phases;
}

/** Kind: the preflight comes first, so a host short of what the plan requests is refused before Kind is created. */
function withPreflight(cluster: PhasePlan, plan: readonly PhasePlan[], mirrors: RegistryMirrors | undefined): PhasePlan {
  const preflight: Step = {
    kind: "shell",
    description: "preflight: the host's Docker has the CPUs, memory, architecture and disk the plan requests",
    timeoutSeconds: 300,
    script: preflightScript(planRequests(plan, { kind: true }), externalImages.kindNode, mirrors),
  };
  return { ...cluster, steps: [preflight, ...cluster.steps] };
}

/** `verify`: the acceptance Job, its log (summary + JUnit after a marker). */
export function verifySteps(options: Pick<PlanOptions, "env" | "imageTag" | "registry">): Step[] {
  const render = renderOptions({ ...options, istio: false }, assumedAccelerator);
  return [
    {
      kind: "shell",
      description: `acceptance suite as Job ${jobs.acceptance.namespace}/${jobs.acceptance.name}`,
      timeoutSeconds: acceptanceDeadlineSeconds + 120,
      manifests: [acceptanceJob(render)],
      script: [
        connectPrelude(options.env),
        waitGuardedFunction,
        `kubectl -n ${jobs.acceptance.namespace} delete job ${jobs.acceptance.name} --ignore-not-found --wait=true >/dev/null`,
        `kubectl -n ${jobs.acceptance.namespace} apply -f ${manifestsPath} >/dev/null`,
        // Complete or failed, whichever comes first; the log carries the verdict either way. A pod that
        // cannot start (image not in the cluster, crash loop) fails the step here, with its events.
        jobFinishedWait(jobs.acceptance, acceptanceDeadlineSeconds + 60),
        `kubectl -n ${jobs.acceptance.namespace} logs job/${jobs.acceptance.name} >/work/acceptance.log 2>&1 || true`,
        `succeeded=$(kubectl -n ${jobs.acceptance.namespace} get job ${jobs.acceptance.name} -o jsonpath='{.status.succeeded}')`,
        `echo "\${succeeded:-0}" >/work/acceptance.succeeded`,
      ].join("\n"),
    },
  ];
}

/** `teardown`: Kind deletes the cluster; an existing cluster loses our releases and namespaces. Safe twice. */
export function teardownSteps(env: Env): Step[] {
  if (env === "kind") {
    return [
      {
        kind: "shell",
        description: `delete Kind cluster ${kindCluster.name} (no-op when absent)`,
        timeoutSeconds: 300,
        script: [
          `if kind get clusters 2>/dev/null | grep -qx ${kindCluster.name}; then`,
          `  kind delete cluster --name ${kindCluster.name}`,
          `else`,
          `  echo "kind cluster ${kindCluster.name} not present: nothing to do"`,
          `fi`,
        ].join("\n"),
      },
    ];
  }
  // The list is an assignment so that errexit stops the step when Helm cannot answer; an uninstall
  // runs outside any `&&`/`||` list, so its failure fails the step instead of reading as "absent".
  const uninstall = [...helmReleases]
    .reverse()
    .map((r) =>
      [
        `present=$(helm -n ${r.namespace} list -q --all --filter '^${r.release}$')`,
        `if [ -n "$present" ]; then`,
        `  helm -n ${r.namespace} uninstall ${r.release} --wait --timeout 300s`,
        `else`,
        `  echo "release ${r.release} not present"`,
        `fi`,
      ].join("\n"),
    );
  return [
    {
      kind: "shell",
      description: "uninstall Helm releases, delete our namespaces (their PVCs and Secrets go with them)",
      timeoutSeconds: 900,
      script: [
        connectPrelude("cluster"),
        ...uninstall,
        `kubectl delete namespace ${Object.values(namespaces).join(" ")} --ignore-not-found --wait=true --timeout=600s`,
      ].join("\n"),
    },
  ];
}
