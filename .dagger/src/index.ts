/**
 * ONE-DATA-STUDIO pipeline: build the service images, stand the platform up
 * on Kind or an existing cluster phase by phase, verify it with the
 * acceptance suite, tear it down — the same on a laptop and in any CI.
 *
 * Names, ports, labels, images, the ordered plan and the manifests come from
 * .dagger/topology (plain TypeScript, unit-tested without Docker); the
 * functions here only execute that plan.
 */
import { argument, check, dag, Directory, File, func, object, Secret, Socket, type Container, type Service } from "@dagger.io/dagger";
import {
  acceptanceOutcome,
  afterDeployText,
  checkedSources,
  ciFailureMessage,
  defaultImageTag,
  describeImageTags,
  deployedImagesScript,
  forwardedPorts,
  forwardScript,
  formatPlanAndRequests,
  hostKubeconfigPath,
  hostKubeconfigScript,
  kindCluster,
  logsScript,
  parseDeployedImages,
  parseRegistryMirrors,
  parseToolMirrorFlags,
  phaseOrder,
  seedChecksScript,
  shellStepsOnly,
  statusScript,
  stepScriptPath,
  teardownSteps,
  verifySteps,
  type DownloadSources,
  type Phase,
  type PlanOptions,
} from "../topology/src/index.js";
import { ClusterAccess, type ClusterRequest } from "./cluster-access.js";
import { serviceImage, sourceImageTags } from "./images.js";
import { platformService } from "./platform.js";
import { cacheBuster, executePlan } from "./runner.js";
import { testContainer } from "./test-services.js";

/**
 * Where the platform runs (the `--env` flag). Not named `Env`: a module type
 * named like a core API type resolves to the core type, and the flag vanishes.
 */
export enum Target {
  /** A Kind cluster (1 control plane + 2 workers) in the host's Docker, created if missing. */
  Kind = "kind",
  /** An existing cluster reached with --kubeconfig (minikube, EKS, ACK, TKE); images go to --registry. */
  Cluster = "cluster",
}

/** A deploy phase (`--phases=infra,data`); they always run in this order. */
export enum DeployPhase {
  /** The Kind cluster, or the existing cluster checked; our images loaded or pushed. */
  Cluster = "cluster",
  /** MinIO, MySQL, Redis, Milvus (Helm). */
  Infra = "infra",
  /** The Data API. */
  Data = "data",
  /** vLLM chat + embedding, the data bootstrap and the dataset job. */
  Model = "model",
  /** The Agent API and its page. */
  Agent = "agent",
}

/** `--phases` as the plan takes it: all phases when none is named. */
function selectedPhases(phases: readonly DeployPhase[] | undefined): Phase[] {
  const wanted = new Set<string>(phases ?? []);
  return wanted.size === 0 ? [...phaseOrder] : phaseOrder.filter((p) => wanted.has(p));
}

/** The download-source flags of deploy, ci and plan. */
interface DownloadFlags {
  readonly hfEndpoint: string | undefined;
  readonly modelscope: boolean;
  readonly npmRegistry: string | undefined;
  readonly registryMirror: readonly string[] | undefined;
  readonly toolMirror: readonly string[] | undefined;
  readonly weights: Directory | undefined;
}

/** The download-source flags as the plan takes them, URLs checked. */
function downloadSources(flags: DownloadFlags): DownloadSources {
  const { hfEndpoint, modelscope, npmRegistry, registryMirror, toolMirror, weights } = flags;
  return checkedSources({
    ...(weights ? { localWeights: true } : {}),
    ...(hfEndpoint ? { hfEndpoint } : {}),
    modelscope,
    ...(npmRegistry ? { npmRegistry } : {}),
    ...(registryMirror?.length ? { registryMirrors: parseRegistryMirrors(registryMirror) } : {}),
    ...(toolMirror?.length ? { toolMirrors: parseToolMirrorFlags(toolMirror) } : {}),
  });
}

/** Everything deploy is given, so that ci hands it over as one value. */
interface DeployRequest extends ClusterRequest {
  readonly phases: Phase[];
  readonly istio: boolean;
}

/** The request deploy and ci build from the flags they share (one place for how optional flags are dropped). */
function deployRequest(
  base: { env: Target; phases: Phase[]; istio: boolean; kubeconfig: Secret | undefined; hfToken: Secret | undefined },
  push: { registry: string | undefined; registryUsername: string | undefined; registryPassword: Secret | undefined },
  downloads: DownloadFlags,
): DeployRequest {
  const { env, phases, istio, kubeconfig, hfToken } = base;
  const { registry, registryUsername, registryPassword } = push;
  return {
    env,
    phases,
    istio,
    sources: downloadSources(downloads),
    ...(downloads.weights ? { weights: downloads.weights } : {}),
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(hfToken ? { hfToken } : {}),
    ...(registry
      ? {
          registry: {
            address: registry,
            ...(registryUsername ? { username: registryUsername } : {}),
            ...(registryPassword ? { password: registryPassword } : {}),
          },
        }
      : {}),
  };
}

@object()
export class OneDataStudio {
  /** The repository (sources, k8s/ values and config). */
  source: Directory;
  /** The host's Docker socket; Kind runs there. Defaults from the committed .env (DOCKER=/var/run/docker.sock). */
  docker?: Socket;

  constructor(
    /** The repository; defaults to the module's repository without installed or built output. */
    @argument({ defaultPath: "/", ignore: ["**/node_modules", "**/dist", ".local", "**/.local", ".git"] })
    source: Directory,
    /** The host's Docker socket (needed by --env=kind); the committed .env sets /var/run/docker.sock. */
    docker?: Socket,
  ) {
    this.source = source;
    this.docker = docker;
  }

  /** The Data API image (Node 24 LTS, production dependencies only, non-root). */
  @func()
  dataApiImage(): Container {
    return serviceImage(this.source, "dataApi");
  }

  /** The Agent API image (Node 24 LTS, production dependencies only, non-root). */
  @func()
  agentApiImage(): Container {
    return serviceImage(this.source, "agentApi");
  }

  /** The model dataset-job image (runs `node dist/main.js --dataset ds-001` as a Kubernetes Job). */
  @func()
  modelJobsImage(): Container {
    return serviceImage(this.source, "modelJobs");
  }

  /** The acceptance-suite runner image (configured by endpoint env vars, writes JUnit XML). */
  @func()
  acceptanceImage(): Container {
    return serviceImage(this.source, "acceptance");
  }

  /**
   * Runs what the local test command runs after its set-up — every test
   * (npm test), then the acceptance suite against the scripted double and the
   * small model (npm run acceptance) — in containers, with MariaDB, Redis,
   * MinIO, Milvus and the small model as service bindings. Returns the output;
   * fails when a test or the gating acceptance run fails. A check:
   * `dagger check` runs it.
   */
  @func({ cache: "never" })
  @check()
  async test(): Promise<string> {
    return testContainer(this.source)
      .withEnvVariable("ONE_DATA_CACHE_BUSTER", cacheBuster())
      .withExec(["sh", "-ec", "npm test && npm run acceptance --silent"])
      .stdout();
  }

  /**
   * The whole platform as Dagger services, without a cluster, for as long as
   * the call runs: `dagger call platform up --ports=8081:8080` serves the
   * Agent API and its page on the host (http://localhost:8081/). MariaDB,
   * Redis, MinIO, Milvus and the small model are the containers `test` binds;
   * the Data API bootstraps the seed dataset and glossary before it serves.
   * --model-endpoint (with --model-name) uses an OpenAI-compatible server the
   * containers can reach instead of the small model.
   */
  @func({ cache: "never" })
  platform(
    /** Base URL of an OpenAI-compatible server (without /v1); default: the small model container. */
    modelEndpoint?: string,
    /** The model id to ask for at --model-endpoint. */
    modelName?: string,
    /** Its API key, if it needs one. */
    modelApiKey?: Secret,
  ): Service {
    if (modelEndpoint && !modelName) throw new Error("--model-endpoint needs --model-name");
    const model = modelEndpoint && modelName ? { endpoint: modelEndpoint, name: modelName, apiKey: modelApiKey !== undefined } : undefined;
    return platformService(this.source, { model }, modelApiKey);
  }

  /**
   * Prints what the plan requests (CPU, memory, volumes: the totals Kind's
   * preflight asks of the host's Docker), then the exact ordered deploy plan
   * (commands, Helm releases with chart versions, manifests), without
   * touching any cluster or building anything.
   * Same output as `npm run plan -- --env=kind`; images are shown with tag
   * 0.1.0, where deploy tags each with a digest of its own build inputs.
   */
  @func()
  async plan(
    /** Target: kind (default) or cluster. */
    env: Target = Target.Kind,
    /** Phases to plan (e.g. --phases=infra,data); all when none is named. */
    phases?: DeployPhase[],
    /** Also plan the optional Istio Gateway + VirtualService for /v1/. */
    istio = false,
    /** Registry our images are pushed to (required by --env=cluster). */
    registry?: string,
    /** Plan for a GPU cluster (deploy detects this itself). */
    gpu = false,
    /** A Hugging Face mirror the weights are downloaded from (HF_ENDPOINT), e.g. https://hf-mirror.com. */
    hfEndpoint?: string,
    /** Download the weights from ModelScope (VLLM_USE_MODELSCOPE=True). */
    modelscope = false,
    /** The npm registry our image builds install from, e.g. https://registry.npmmirror.com. */
    npmRegistry?: string,
    /** Registry mirrors for Kind's containerd and the node image, each <registry>=<url> for docker.io, quay.io, ghcr.io, registry.k8s.io. */
    registryMirror?: string[],
    /** Base URLs for the kind, kubectl and helm downloads, each <tool>=<url> (the file's path under it as on the release host); every file is checked against its pinned sha256. */
    toolMirror?: string[],
    /** Weights downloaded beforehand, one subdirectory per model id (hf download Qwen/Qwen2.5-0.5B-Instruct --local-dir <dir>/Qwen/Qwen2.5-0.5B-Instruct, the same for BAAI/bge-small-zh-v1.5), copied into the weights volumes instead of any download. */
    weights?: Directory,
  ): Promise<string> {
    return formatPlanAndRequests({
      env,
      phases: selectedPhases(phases),
      imageTag: defaultImageTag,
      istio,
      accelerator: { gpu, arch: "amd64" },
      ...(registry ? { registry } : {}),
      sources: downloadSources({ hfEndpoint, modelscope, npmRegistry, registryMirror, toolMirror, weights }),
    });
  }

  /**
   * Builds our images and deploys the platform phase by phase
   * (cluster → infra → data → model → agent), waiting for each phase with a
   * timeout and printing progress and elapsed time, then how to reach it.
   * Idempotent: re-running upgrades in place and keeps the generated passwords.
   */
  @func({ cache: "never" })
  async deploy(
    /** Target: kind (default; Kind in the host's Docker) or cluster (an existing cluster). */
    env: Target = Target.Kind,
    /** Phases to run (e.g. --phases=infra,data); all when none is named. */
    phases?: DeployPhase[],
    /** Kubeconfig of the existing cluster (--env=cluster), e.g. file://$HOME/.kube/config. */
    kubeconfig?: Secret,
    /** Registry the existing cluster pulls our images from (--env=cluster), e.g. ghcr.io/acme. */
    registry?: string,
    /** Registry user name for pushing our images (--env=cluster). */
    registryUsername?: string,
    /** Registry password or token for pushing our images (--env=cluster). */
    registryPassword?: Secret,
    /** Hugging Face token for model downloads (optional; the default models need none), e.g. env://HF_TOKEN. */
    hfToken?: Secret,
    /** Also install the Istio Gateway + VirtualService routing /v1/ to vLLM (Istio must be installed). */
    istio = false,
    /** A Hugging Face mirror the weights are downloaded from (HF_ENDPOINT), e.g. https://hf-mirror.com. */
    hfEndpoint?: string,
    /** Download the weights from ModelScope (VLLM_USE_MODELSCOPE=True). */
    modelscope = false,
    /** The npm registry our image builds install from, e.g. https://registry.npmmirror.com. */
    npmRegistry?: string,
    /** Registry mirrors for Kind's containerd and the node image, each <registry>=<url> for docker.io, quay.io, ghcr.io, registry.k8s.io. */
    registryMirror?: string[],
    /** Base URLs for the kind, kubectl and helm downloads, each <tool>=<url> (the file's path under it as on the release host); every file is checked against its pinned sha256. */
    toolMirror?: string[],
    /** Weights downloaded beforehand, one subdirectory per model id (hf download Qwen/Qwen2.5-0.5B-Instruct --local-dir <dir>/Qwen/Qwen2.5-0.5B-Instruct, the same for BAAI/bge-small-zh-v1.5), copied into the weights volumes instead of any download. */
    weights?: Directory,
  ): Promise<string> {
    return this.runDeploy(
      deployRequest(
        { env, phases: selectedPhases(phases), istio, kubeconfig, hfToken },
        { registry, registryUsername, registryPassword },
        { hfEndpoint, modelscope, npmRegistry, registryMirror, toolMirror, weights },
      ),
    );
  }

  /**
   * Runs the acceptance suite inside the cluster as a Job, with the image
   * build deploy deployed (read from the running Deployments), and returns
   * its summary; fails (non-zero exit) when any check fails. `verify-report`
   * returns the JUnit XML.
   */
  @func({ cache: "never" })
  async verify(
    /** Target: kind (default) or cluster. */
    env: Target = Target.Kind,
    /** Kubeconfig of the existing cluster (--env=cluster). */
    kubeconfig?: Secret,
    /** Base URLs for the kind, kubectl and helm downloads, each <tool>=<url>, as on deploy; every file is checked against its pinned sha256. */
    toolMirror?: string[],
  ): Promise<string> {
    const report = await this.runAcceptance(await this.reach(env, kubeconfig, toolMirror));
    if (!report.passed) throw new Error(`acceptance suite failed\n${report.summary}`);
    return report.summary;
  }

  /**
   * Runs the acceptance suite like `verify` and returns a directory with
   * junit.xml and summary.txt, whatever the outcome
   * (`dagger call verify-report export --path=reports`).
   */
  @func({ cache: "never" })
  async verifyReport(
    /** Target: kind (default) or cluster. */
    env: Target = Target.Kind,
    /** Kubeconfig of the existing cluster (--env=cluster). */
    kubeconfig?: Secret,
    /** Base URLs for the kind, kubectl and helm downloads, each <tool>=<url>, as on deploy; every file is checked against its pinned sha256. */
    toolMirror?: string[],
  ): Promise<Directory> {
    const report = await this.runAcceptance(await this.reach(env, kubeconfig, toolMirror));
    return dag
      .directory()
      .withNewFile("junit.xml", report.junit)
      .withNewFile("summary.txt", `${report.passed ? "PASSED" : "FAILED"}\n${report.summary}\n`);
  }

  /**
   * Removes everything deploy created: deletes the Kind cluster (--env=kind),
   * or uninstalls our Helm releases and deletes our namespaces
   * (--env=cluster). Safe to run twice.
   */
  @func({ cache: "never" })
  async teardown(
    /** Target: kind (default) or cluster. */
    env: Target = Target.Kind,
    /** Kubeconfig of the existing cluster (--env=cluster). */
    kubeconfig?: Secret,
    /** Base URLs for the kind, kubectl and helm downloads, each <tool>=<url>, as on deploy; every file is checked against its pinned sha256. */
    toolMirror?: string[],
  ): Promise<string> {
    return this.runTeardown(await this.reach(env, kubeconfig, toolMirror));
  }

  /**
   * deploy → verify → teardown in one call; tears down even when deploy or
   * verify fails, and fails (non-zero exit) if any of them did, reporting
   * every failure (a failing teardown does not hide deploy's or verify's).
   */
  @func({ cache: "never" })
  async ci(
    /** Target: kind (default) or cluster. */
    env: Target = Target.Kind,
    /** Kubeconfig of the existing cluster (--env=cluster). */
    kubeconfig?: Secret,
    /** Registry for our images (--env=cluster). */
    registry?: string,
    /** Registry user name (--env=cluster). */
    registryUsername?: string,
    /** Registry password or token (--env=cluster). */
    registryPassword?: Secret,
    /** Hugging Face token (optional). */
    hfToken?: Secret,
    /** A Hugging Face mirror the weights are downloaded from (HF_ENDPOINT). */
    hfEndpoint?: string,
    /** Download the weights from ModelScope (VLLM_USE_MODELSCOPE=True). */
    modelscope = false,
    /** The npm registry our image builds install from. */
    npmRegistry?: string,
    /** Registry mirrors for Kind's containerd and the node image (<registry>=<url>). */
    registryMirror?: string[],
    /** Base URLs for the kind, kubectl and helm downloads, each <tool>=<url> (the file's path under it as on the release host); every file is checked against its pinned sha256. */
    toolMirror?: string[],
    /** Weights downloaded beforehand, one subdirectory per model id (hf download Qwen/Qwen2.5-0.5B-Instruct --local-dir <dir>/Qwen/Qwen2.5-0.5B-Instruct, the same for BAAI/bge-small-zh-v1.5), copied into the weights volumes instead of any download. */
    weights?: Directory,
  ): Promise<string> {
    const request = deployRequest(
      { env, phases: [...phaseOrder], istio: false, kubeconfig, hfToken },
      { registry, registryUsername, registryPassword },
      { hfEndpoint, modelscope, npmRegistry, registryMirror, toolMirror, weights },
    );
    const lines: string[] = [];
    const failures: { stage: string; message: string }[] = [];
    const attempt = async (stage: string, run: () => Promise<string>) => {
      try {
        lines.push(await run());
      } catch (error) {
        failures.push({ stage, message: error instanceof Error ? error.message : String(error) });
      }
    };
    let access: ClusterAccess | undefined;
    await attempt("deploy", async () => {
      access = await this.access(request);
      return this.runDeploy(request, access);
    });
    if (failures.length === 0 && access) {
      const opened = access;
      await attempt("verify", async () => {
        const report = await this.runAcceptance(opened);
        if (!report.passed) throw new Error(`acceptance suite failed\n${report.summary}`);
        return report.summary;
      });
    }
    await attempt("teardown", async () => this.runTeardown(access ?? (await this.access(request))));
    if (failures.length > 0) throw new Error(ciFailureMessage(failures));
    return lines.join("\n");
  }

  /**
   * A kubeconfig for kubectl on this machine:
   * `dagger call kubeconfig export --path=./kubeconfig`. For Kind, its server
   * is the API port Kind publishes on 127.0.0.1; for --env=cluster, it is the
   * kubeconfig given.
   */
  @func({ cache: "never" })
  async kubeconfig(
    /** Target: kind (default) or cluster. */
    env: Target = Target.Kind,
    /** Kubeconfig of the existing cluster (--env=cluster). */
    kubeconfig?: Secret,
    /** Base URLs for the kind, kubectl and helm downloads, each <tool>=<url>, as on deploy; every file is checked against its pinned sha256. */
    toolMirror?: string[],
  ): Promise<File> {
    const ran = await this.runOneStep(
      "kubeconfig",
      env,
      kubeconfig,
      toolMirror,
      "the kubeconfig for this machine",
      60,
      hostKubeconfigScript(env),
    );
    return ran.file(hostKubeconfigPath);
  }

  /**
   * The Data API (8080), the Agent API with its page (8081) and the model
   * server (8000) forwarded from the cluster for as long as the call runs:
   * `dagger call forward up --ports=8080:8080,8081:8081,8000:8000`.
   */
  @func({ cache: "never" })
  async forward(
    /** Target: kind (default) or cluster. */
    env: Target = Target.Kind,
    /** Kubeconfig of the existing cluster (--env=cluster). */
    kubeconfig?: Secret,
    /** Base URLs for the kind, kubectl and helm downloads, each <tool>=<url>, as on deploy; every file is checked against its pinned sha256. */
    toolMirror?: string[],
  ): Promise<Service> {
    const access = await this.reach(env, kubeconfig, toolMirror);
    const script = stepScriptPath({ fn: "forward", phase: "forward", phaseIndex: 1, phaseCount: 1, stepIndex: 1 });
    const ctr = forwardedPorts.reduce(
      (c, p) => c.withExposedPort(p.local, { description: p.what }),
      access.tools.withEnvVariable("ONE_DATA_CACHE_BUSTER", cacheBuster()).withNewFile(script, forwardScript(env)),
    );
    return ctr.asService({ args: ["bash", "-euo", "pipefail", script] });
  }

  /**
   * Per phase: the Helm releases and their state; the Deployments,
   * StatefulSets and Jobs with their ready counts; every pod that is not
   * Ready with its reason, last events and last log lines. Fails (non-zero
   * exit, the same report in the error) when anything is not ready.
   */
  @func({ cache: "never" })
  async status(
    /** Target: kind (default) or cluster. */
    env: Target = Target.Kind,
    /** Kubeconfig of the existing cluster (--env=cluster). */
    kubeconfig?: Secret,
    /** Base URLs for the kind, kubectl and helm downloads, each <tool>=<url>, as on deploy; every file is checked against its pinned sha256. */
    toolMirror?: string[],
  ): Promise<string> {
    return (await this.runOneStep("status", env, kubeconfig, toolMirror, "status of every phase", 300, statusScript(env))).stdout();
  }

  /**
   * The seed's checks (3.4 Data API, 4.3 model, 5.3 Agent API, 6.1 end to
   * end) against the deployed platform, with the seed script's ✓/✗ lines;
   * fails when any check fails. The same script `npm run platform -- up`
   * writes for the local platform.
   */
  @func({ cache: "never" })
  async seedChecks(
    /** Target: kind (default) or cluster. */
    env: Target = Target.Kind,
    /** Kubeconfig of the existing cluster (--env=cluster). */
    kubeconfig?: Secret,
    /** Base URLs for the kind, kubectl and helm downloads, each <tool>=<url>, as on deploy; every file is checked against its pinned sha256. */
    toolMirror?: string[],
  ): Promise<string> {
    return (
      await this.runOneStep("seed-checks", env, kubeconfig, toolMirror, "the seed's checks 3.4, 4.3, 5.3, 6.1", 900, seedChecksScript(env))
    ).stdout();
  }

  /**
   * The last log lines of a component's pods, every container:
   * `dagger call logs --component=agent-api --tail=100`. Components:
   * data-api, agent-api, vllm-serving, vllm-embedding, data-bootstrap,
   * model-dataset-job, acceptance-suite, minio, mysql, redis, milvus.
   */
  @func({ cache: "never" })
  async logs(
    /** One of our workloads or an infra release, e.g. agent-api or milvus. */
    component: string,
    /** Lines per container. */
    tail = 100,
    /** Target: kind (default) or cluster. */
    env: Target = Target.Kind,
    /** Kubeconfig of the existing cluster (--env=cluster). */
    kubeconfig?: Secret,
    /** Base URLs for the kind, kubectl and helm downloads, each <tool>=<url>, as on deploy; every file is checked against its pinned sha256. */
    toolMirror?: string[],
  ): Promise<string> {
    const script = logsScript(env, component, tail);
    return (await this.runOneStep("logs", env, kubeconfig, toolMirror, `logs of ${component}`, 120, script)).stdout();
  }

  /** The cluster as the request names it, resolved once (kubeconfig checked before any step). */
  private access(request: ClusterRequest): Promise<ClusterAccess> {
    return ClusterAccess.open(this.source, this.docker, request);
  }

  /** The cluster of a function that takes only --env, --kubeconfig and --tool-mirror. */
  private reach(env: Target, kubeconfig: Secret | undefined, toolMirror: string[] | undefined): Promise<ClusterAccess> {
    return this.access({
      env,
      ...(kubeconfig ? { kubeconfig } : {}),
      ...(toolMirror?.length ? { sources: checkedSources({ toolMirrors: parseToolMirrorFlags(toolMirror) }) } : {}),
    });
  }

  /** A function whose work is one shell step in the tool container (status, logs, seed-checks, kubeconfig). */
  private async runOneStep(
    fn: string,
    env: Target,
    kubeconfig: Secret | undefined,
    toolMirror: string[] | undefined,
    description: string,
    timeoutSeconds: number,
    script: string,
  ): Promise<Container> {
    return (await this.reach(env, kubeconfig, toolMirror)).run(fn, 0, { kind: "shell", description, timeoutSeconds, script });
  }

  private async runDeploy(request: DeployRequest, opened?: ClusterAccess): Promise<string> {
    const options: PlanOptions = {
      env: request.env,
      phases: request.phases,
      imageTag: await sourceImageTags(this.source),
      istio: request.istio,
      ...(request.registry ? { registry: request.registry.address } : {}),
      ...(request.sources ? { sources: request.sources } : {}),
    };
    const access = opened ?? (await this.access(request));
    const summary = await executePlan(access.context, options, kindCluster.name);
    return [`deployed (${request.env}, ${describeImageTags(options.imageTag)})`, summary, "", afterDeployText(request.env)].join("\n");
  }

  private async runTeardown(access: ClusterAccess): Promise<string> {
    for (const [s, step] of shellStepsOnly("teardown", teardownSteps(access.env)).entries()) await access.run("teardown", s, step);
    return `teardown (${access.env}) done`;
  }

  private async runAcceptance(access: ClusterAccess): Promise<{ passed: boolean; summary: string; junit: string }> {
    const found = await access.run("verify", 0, {
      kind: "shell",
      description: "read the image build deploy deployed from our Deployments",
      timeoutSeconds: 60,
      script: deployedImagesScript(access.env),
    });
    const deployed = parseDeployedImages(await found.stdout());
    console.log(`verifying the build deploy deployed: tag ${deployed.imageTag}${deployed.registry ? ` from ${deployed.registry}` : ""}`);
    let ran: Container | undefined;
    for (const [s, step] of shellStepsOnly("verify", verifySteps({ env: access.env, ...deployed })).entries())
      ran = await access.run("verify", s + 1, step);
    if (!ran) throw new Error("verify plan has no step");
    return acceptanceOutcome(await ran.file("/work/acceptance.log").contents(), await ran.file("/work/acceptance.succeeded").contents());
  }
}
