import { ExecError, type Container } from "@dagger.io/dagger";
import {
  asList,
  buildPlan,
  formatStep,
  manifestsPath,
  ourImageRef,
  ourImages,
  type Accelerator,
  type OurImageKey,
  type PhasePlan,
  type PlanOptions,
  type Step,
} from "../topology/src/index.js";

/** Turns each `withExec` into a fresh execution: cluster steps must never come from the exec cache. */
export function cacheBuster(): string {
  return `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export interface StepContext {
  readonly tools: Container;
  readonly image: (key: OurImageKey) => Container;
  readonly log: (line: string) => void;
}

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

/** Runs one shell step in the tool container; fails with the step's own output. */
export async function runShell(ctx: StepContext, step: Extract<Step, { kind: "shell" | "detect-accelerator" }>): Promise<Container> {
  let ctr = ctx.tools.withEnvVariable("ONE_DATA_CACHE_BUSTER", cacheBuster());
  if (step.kind === "shell" && step.manifests) ctr = ctr.withNewFile(manifestsPath, JSON.stringify(asList(step.manifests)));
  const timeout = step.kind === "shell" ? step.timeoutSeconds : 60;
  const ran = ctr.withExec(["timeout", String(timeout), "bash", "-euo", "pipefail", "-c", step.script]);
  try {
    const out = await ran.stdout();
    if (out.trim()) ctx.log(out.trimEnd().replace(/^/gm, "      "));
    return ran;
  } catch (error) {
    if (error instanceof ExecError) {
      const reason = error.exitCode === 124 ? `timed out after ${timeout}s` : `exit code ${error.exitCode}`;
      throw new Error(`step "${step.description}" failed (${reason})\n${error.stdout}\n${error.stderr}`);
    }
    throw error;
  }
}

function parseAccelerator(output: string): Accelerator {
  const gpus = Number(/gpu_nodes=(\d+)/.exec(output)?.[1] ?? "0");
  const arch = /arch=(\S+)/.exec(output)?.[1] === "arm64" ? "arm64" : "amd64";
  return { gpu: gpus > 0, arch };
}

async function loadImages(ctx: StepContext, images: readonly OurImageKey[], options: PlanOptions, clusterName: string): Promise<void> {
  for (const key of images) {
    const ref = ourImageRef(key, options.imageTag);
    const tarball = ctx
      .image(key)
      // Without these annotations the archive carries no name and Kind cannot match the manifests' image.
      .withAnnotation("io.containerd.image.name", ref)
      .withAnnotation("org.opencontainers.image.ref.name", options.imageTag)
      .asTarball();
    const path = `/images/${ourImages[key].name}.tar`;
    await ctx.tools
      .withMountedFile(path, tarball)
      .withEnvVariable("ONE_DATA_CACHE_BUSTER", cacheBuster())
      .withExec(["kind", "load", "image-archive", path, "--name", clusterName])
      .sync();
    ctx.log(`      loaded ${ref}`);
  }
}

async function publishImages(ctx: StepContext, step: Extract<Step, { kind: "publish-images" }>): Promise<void> {
  for (const [i, key] of step.images.entries()) {
    const digest = await ctx.image(key).publish(step.refs[i]!);
    ctx.log(`      pushed ${digest}`);
  }
}

/**
 * Executes the plan phase by phase, printing each step and the elapsed time.
 * The accelerator is detected in the model phase; the rest of that phase is
 * then re-planned with what was found.
 */
export async function executePlan(ctx: StepContext, options: PlanOptions, clusterName: string): Promise<string> {
  const started = Date.now();
  let accelerator = options.accelerator;
  const phases: PhasePlan[] = buildPlan(options);
  const summary: string[] = [];
  for (const [p, initial] of phases.entries()) {
    const phaseStarted = Date.now();
    ctx.log(`==> phase ${p + 1}/${phases.length}: ${initial.phase} — ${initial.title}`);
    let steps = initial.steps;
    for (let s = 0; s < steps.length; s++) {
      const step = steps[s]!;
      ctx.log(formatStep(step, `${p + 1}.${s + 1}`).split("\n")[0]!);
      const stepStarted = Date.now();
      if (step.kind === "load-images") await loadImages(ctx, step.images, options, clusterName);
      else if (step.kind === "publish-images") await publishImages(ctx, step);
      else {
        const ran = await runShell(ctx, step);
        if (step.kind === "detect-accelerator") {
          accelerator = parseAccelerator(await ran.stdout());
          ctx.log(`      accelerator: ${accelerator.gpu ? "GPU" : "CPU"} (${accelerator.arch})`);
          steps = buildPlan({ ...options, accelerator, phases: [initial.phase] })[0]!.steps;
        }
      }
      ctx.log(`      done in ${elapsed(stepStarted)}`);
      if (Date.now() - phaseStarted > initial.timeoutSeconds * 1000) {
        throw new Error(`phase ${initial.phase} exceeded its ${initial.timeoutSeconds}s timeout`);
      }
    }
    const line = `phase ${initial.phase} ready in ${elapsed(phaseStarted)} (total ${elapsed(started)})`;
    ctx.log(line);
    summary.push(line);
  }
  return summary.join("\n");
}
