import { type Container, type Directory, type Secret, type Socket } from "@dagger.io/dagger";
import {
  assertUsableKubeconfig,
  connectPrelude,
  hostWeightsPath,
  kubeconfigViewScript,
  mountedKubeconfigPath,
  type DownloadSources,
  type Env,
  type OurImageKey,
  type Step,
  type StepPosition,
} from "../topology/src/index.js";
import { serviceImage } from "./images.js";
import { runStep, type StepContext } from "./runner.js";
import { toolbox } from "./toolbox.js";

/** Where the registry our images go to is, and how to log in to it (`--env=cluster`). */
interface RegistryAccess {
  readonly address: string;
  readonly username?: string;
  readonly password?: Secret;
}

/** What a function was given to reach the cluster: the target and, for an existing cluster, its kubeconfig. */
export interface ClusterRequest {
  readonly env: Env;
  readonly kubeconfig?: Secret;
  readonly registry?: RegistryAccess;
  readonly hfToken?: Secret;
  /** Where image builds install npm packages from (--npm-registry). */
  readonly sources?: DownloadSources;
  /** Weights downloaded beforehand (--weights), one subdirectory per model id. */
  readonly weights?: Directory;
}

/** Position of step `index` (0-based) of a function that has a single phase (verify, teardown, status...). */
function singlePhaseStep(fn: string, index: number): StepPosition {
  return { fn, phase: fn, phaseIndex: 1, phaseCount: 1, stepIndex: index + 1 };
}

/**
 * The cluster as every function reaches it, resolved once: the tool
 * container wired to the host's Docker (Kind) or to the kubeconfig (an
 * existing cluster, checked before any step runs), the registry credentials
 * and the images to load or push.
 */
export class ClusterAccess {
  private constructor(
    readonly env: Env,
    private readonly source: Directory,
    readonly tools: Container,
    private readonly registry: RegistryAccess | undefined,
    private readonly sources: DownloadSources | undefined,
  ) {}

  static async open(source: Directory, docker: Socket | undefined, request: ClusterRequest): Promise<ClusterAccess> {
    let tools = toolbox(request.sources?.toolMirrors).withMountedDirectory("/src", source.filter({ include: ["k8s/**"] }));
    if (request.env === "kind") {
      if (!docker) throw new Error("--env=kind needs the host's Docker socket: --docker=/var/run/docker.sock (the committed .env sets it)");
      tools = tools.withUnixSocket("/var/run/docker.sock", docker);
    } else {
      if (!request.kubeconfig) throw new Error("--env=cluster needs --kubeconfig=file://$HOME/.kube/config");
      tools = tools.withMountedSecret(mountedKubeconfigPath, request.kubeconfig);
    }
    if (request.hfToken) tools = tools.withSecretVariable("HF_TOKEN", request.hfToken);
    if (request.weights) tools = tools.withMountedDirectory(hostWeightsPath, request.weights);
    const registry = request.env === "cluster" ? request.registry : undefined;
    if (registry?.password) {
      tools = tools
        .withEnvVariable("REGISTRY_USERNAME", registry.username ?? "")
        .withSecretVariable("REGISTRY_PASSWORD", registry.password);
    }
    const access = new ClusterAccess(request.env, source, tools, registry, request.sources);
    if (request.env === "cluster") await access.checkKubeconfig();
    return access;
  }

  /** The step context the plan runner uses: tools, our images (with the registry's login), a log. */
  get context(): StepContext {
    return {
      tools: this.tools,
      image: (key: OurImageKey) => {
        const image = serviceImage(this.source, key, this.sources);
        const { registry } = this;
        return registry?.password ? image.withRegistryAuth(registry.address, registry.username ?? "", registry.password) : image;
      },
      log: (line) => console.log(line),
    };
  }

  /** Runs step `index` of a single-phase function (status, logs, verify, teardown...). */
  run(fn: string, index: number, step: Extract<Step, { kind: "shell" }>): Promise<Container> {
    return runStep(this.context, singlePhaseStep(fn, index), step);
  }

  /** A kubeconfig that cannot work inside the tool container is refused before any step, saying what to do. */
  private async checkKubeconfig(): Promise<void> {
    const viewed = await this.run("kubeconfig", 0, {
      kind: "shell",
      description: "read the kubeconfig as kubectl does (secrets redacted)",
      timeoutSeconds: 60,
      script: [connectPrelude("cluster"), kubeconfigViewScript].join("\n"),
    });
    assertUsableKubeconfig(await viewed.stdout());
  }
}
