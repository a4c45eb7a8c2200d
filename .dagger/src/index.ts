/**
 * ONE-DATA-STUDIO pipeline: build the service images, stand the platform up
 * on Kind or an existing cluster phase by phase, verify it with the
 * acceptance suite, tear it down — the same on a laptop and in any CI.
 *
 * Names, ports, labels, images, the ordered plan and the manifests come from
 * .dagger/topology (plain TypeScript, unit-tested without Docker); the
 * functions here only execute that plan.
 */
import { argument, dag, Directory, func, object, Secret, Socket, type Container } from "@dagger.io/dagger";
import {
  assertUsableKubeconfig,
  ciFailureMessage,
  connectPrelude,
  defaultImageTag,
  deployedImagesScript,
  formatPlan,
  junitMarker,
  kubeconfigViewScript,
  kindCluster,
  parseDeployedImages,
  parsePhases,
  buildPlan,
  teardownSteps,
  verifySteps,
  type PlanOptions,
  type StepPosition,
} from "../topology/src/index.js";
import { serviceImage } from "./images.js";
import { executePlan, runStep, type StepContext } from "./runner.js";
import { testContainer } from "./test-services.js";
import { clusterToolbox } from "./toolbox.js";

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

  /** The Data API image (Node 20 LTS, production dependencies only, non-root). */
  @func()
  dataApiImage(): Container {
    return serviceImage(this.source, "dataApi");
  }

  /** The Agent API image (Node 20 LTS, production dependencies only, non-root). */
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
   * fails when a test or the gating acceptance run fails.
   */
  @func({ cache: "never" })
  async test(): Promise<string> {
    return testContainer(this.source)
      .withEnvVariable("ONE_DATA_CACHE_BUSTER", String(Date.now()))
      .withExec(["sh", "-ec", "npm test && npm run acceptance --silent"])
      .stdout();
  }

  /**
   * Prints the exact ordered deploy plan (commands, Helm releases with chart
   * versions, manifests) without touching any cluster or building anything.
   * Same output as `npm run plan -- --env=kind`; images are shown with tag
   * 0.1.0, where deploy tags them with a digest of the source.
   */
  @func()
  async plan(
    /** Target: kind (default) or cluster. */
    env: Target = Target.Kind,
    /** Comma-separated subset of cluster,infra,data,model,agent; all when empty. */
    phases = "",
    /** Also plan the optional Istio Gateway + VirtualService for /v1/. */
    istio = false,
    /** Registry our images are pushed to (required by --env=cluster). */
    registry = "",
    /** Plan for a GPU cluster (deploy detects this itself). */
    gpu = false,
  ): Promise<string> {
    return formatPlan(
      buildPlan({
        env,
        phases: parsePhases(phases),
        imageTag: defaultImageTag,
        istio,
        accelerator: { gpu, arch: "amd64" },
        ...(registry ? { registry } : {}),
      }),
    );
  }

  /**
   * Builds our images and deploys the platform phase by phase
   * (cluster → infra → data → model → agent), waiting for each phase with a
   * timeout and printing progress and elapsed time. Idempotent: re-running
   * upgrades in place and keeps the generated passwords.
   */
  @func({ cache: "never" })
  async deploy(
    /** Target: kind (default; Kind in the host's Docker) or cluster (an existing cluster). */
    env: Target = Target.Kind,
    /** Comma-separated subset of cluster,infra,data,model,agent; all when empty. */
    phases = "",
    /** Kubeconfig of the existing cluster (--env=cluster), e.g. file://$HOME/.kube/config. */
    kubeconfig?: Secret,
    /** Registry the existing cluster pulls our images from (--env=cluster), e.g. ghcr.io/acme. */
    registry = "",
    /** Registry user name for pushing our images (--env=cluster). */
    registryUsername = "",
    /** Registry password or token for pushing our images (--env=cluster). */
    registryPassword?: Secret,
    /** Hugging Face token for model downloads (optional; the default models need none), e.g. env://HF_TOKEN. */
    hfToken?: Secret,
    /** Also install the Istio Gateway + VirtualService routing /v1/ to vLLM (Istio must be installed). */
    istio = false,
  ): Promise<string> {
    const options: PlanOptions = {
      env,
      phases: parsePhases(phases),
      imageTag: await this.imageTag(),
      istio,
      ...(registry ? { registry } : {}),
    };
    await this.checkKubeconfig(env, kubeconfig);
    const ctx = this.context(env, kubeconfig, hfToken, registry, registryUsername, registryPassword);
    const summary = await executePlan(ctx, options, kindCluster.name);
    return `deployed (${env}, images tagged ${options.imageTag})\n${summary}`;
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
  ): Promise<string> {
    const report = await this.runAcceptance(env, kubeconfig);
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
  ): Promise<Directory> {
    const report = await this.runAcceptance(env, kubeconfig);
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
  ): Promise<string> {
    await this.checkKubeconfig(env, kubeconfig);
    const ctx = this.context(env, kubeconfig);
    for (const [s, step] of teardownSteps(env).entries()) {
      if (step.kind === "shell") await runStep(ctx, singlePhaseStep("teardown", s), step);
    }
    return `teardown (${env}) done`;
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
    registry = "",
    /** Registry user name (--env=cluster). */
    registryUsername = "",
    /** Registry password or token (--env=cluster). */
    registryPassword?: Secret,
    /** Hugging Face token (optional). */
    hfToken?: Secret,
  ): Promise<string> {
    const lines: string[] = [];
    const failures: { stage: string; message: string }[] = [];
    const attempt = async (stage: string, run: () => Promise<string>) => {
      try {
        lines.push(await run());
      } catch (error) {
        failures.push({ stage, message: error instanceof Error ? error.message : String(error) });
      }
    };
    await attempt("deploy", () => this.deploy(env, "", kubeconfig, registry, registryUsername, registryPassword, hfToken, false));
    if (failures.length === 0) await attempt("verify", () => this.verify(env, kubeconfig));
    await attempt("teardown", () => this.teardown(env, kubeconfig));
    if (failures.length > 0) throw new Error(ciFailureMessage(failures));
    return lines.join("\n");
  }

  /** Content-derived tag: a changed source gives new image names, so Kubernetes rolls the pods. */
  private async imageTag(): Promise<string> {
    const digest = await this.source.filter({ exclude: ["k8s/**", ".github/**", "README.md"] }).digest();
    const hex = digest.replace(/^sha256:/, "").slice(0, 12);
    return hex ? `src-${hex}` : defaultImageTag;
  }

  /** --env=cluster: a kubeconfig that cannot work inside the tool container is refused before any step, saying what to do. */
  private async checkKubeconfig(env: Target, kubeconfig?: Secret): Promise<void> {
    if (env !== Target.Cluster || !kubeconfig) return;
    const viewed = await runStep(this.context(env, kubeconfig), singlePhaseStep("kubeconfig", 0), {
      kind: "shell",
      description: "read the kubeconfig as kubectl does (secrets redacted)",
      timeoutSeconds: 60,
      script: [connectPrelude("cluster"), kubeconfigViewScript].join("\n"),
    });
    assertUsableKubeconfig(await viewed.stdout());
  }

  private context(
    env: Target,
    kubeconfig?: Secret,
    hfToken?: Secret,
    registry = "",
    registryUsername = "",
    registryPassword?: Secret,
  ): StepContext {
    const tools = clusterToolbox({
      env,
      source: this.source,
      ...(this.docker ? { docker: this.docker } : {}),
      ...(kubeconfig ? { kubeconfig } : {}),
      ...(hfToken ? { hfToken } : {}),
      ...(env === Target.Cluster && registryPassword ? { registryAuth: { username: registryUsername, password: registryPassword } } : {}),
    });
    const images = {
      dataApi: () => this.dataApiImage(),
      agentApi: () => this.agentApiImage(),
      modelJobs: () => this.modelJobsImage(),
      acceptance: () => this.acceptanceImage(),
    };
    return {
      tools,
      image: (key) => {
        const image = images[key]();
        return registry && registryPassword ? image.withRegistryAuth(registry, registryUsername, registryPassword) : image;
      },
      log: (line) => console.log(line),
    };
  }

  private async runAcceptance(
    env: Target,
    kubeconfig: Secret | undefined,
  ): Promise<{ passed: boolean; summary: string; junit: string }> {
    await this.checkKubeconfig(env, kubeconfig);
    const ctx = this.context(env, kubeconfig);
    const found = await runStep(ctx, singlePhaseStep("verify", 0), {
      kind: "shell",
      description: "read the image build deploy deployed from our Deployments",
      timeoutSeconds: 60,
      script: deployedImagesScript(env),
    });
    const deployed = parseDeployedImages(await found.stdout());
    ctx.log(`verifying the build deploy deployed: tag ${deployed.imageTag}${deployed.registry ? ` from ${deployed.registry}` : ""}`);
    let ran: Container | undefined;
    for (const [s, step] of verifySteps({ env, ...deployed }).entries()) {
      if (step.kind === "shell") ran = await runStep(ctx, singlePhaseStep("verify", s + 1), step);
    }
    if (!ran) throw new Error("verify plan has no shell step");
    const log = await ran.file("/work/acceptance.log").contents();
    const succeeded = (await ran.file("/work/acceptance.succeeded").contents()).trim();
    const at = log.indexOf(junitMarker);
    return {
      passed: succeeded !== "" && succeeded !== "0",
      summary: (at >= 0 ? log.slice(0, at) : log).trim(),
      junit: at >= 0 ? log.slice(at + junitMarker.length).trim() : "",
    };
  }
}

/** Position of step `index` (0-based) of a function that has a single phase (verify, teardown). */
function singlePhaseStep(fn: string, index: number): StepPosition {
  return { fn, phase: fn, phaseIndex: 1, phaseCount: 1, stepIndex: index + 1 };
}
