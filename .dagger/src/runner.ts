import { ReturnType, type Container } from "@dagger.io/dagger";
import { getTracer } from "@dagger.io/dagger/telemetry";
import {
  asList,
  buildPlan,
  manifestsPath,
  ourImageRef,
  tagOf,
  ourImages,
  stepFailureMessage,
  stepScriptPath,
  stepSpanName,
  stepTimeoutWithinPhase,
  type Accelerator,
  type OurImageKey,
  type PhasePlan,
  type PlanOptions,
  type Step,
  type StepPosition,
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

/** Runs `work` as its own span, so Dagger's TUI shows the step under a readable name. */
function inSpan<T>(name: string, work: () => Promise<T>): Promise<T> {
  return getTracer("one-data-studio").startActiveSpan(name, work);
}

/**
 * Waits for an exec run with `expect: Any` and throws, once, with where it
 * ran, its exit code or timeout, and its output when it did not exit 0.
 */
async function succeeded(ran: Container, at: StepPosition, description: string, timeoutSeconds: number): Promise<Container> {
  const exitCode = await ran.exitCode();
  if (exitCode !== 0) {
    const [stdout, stderr] = await Promise.all([ran.stdout(), ran.stderr()]);
    throw new Error(stepFailureMessage(at, description, { exitCode, timeoutSeconds, stdout, stderr }));
  }
  return ran;
}

/**
 * Runs one shell step in the tool container. The exec may exit non-zero
 * (`expect: Any`) so that a failure is reported here, once, with the step's
 * position, its exit code or timeout and its output.
 */
async function runShell(
  ctx: StepContext,
  at: StepPosition,
  step: Extract<Step, { kind: "shell" | "detect-accelerator" }>,
  timeoutLimit = Number.POSITIVE_INFINITY,
): Promise<Container> {
  const script = stepScriptPath(at);
  let ctr = ctx.tools.withEnvVariable("ONE_DATA_CACHE_BUSTER", cacheBuster()).withNewFile(script, step.script);
  if (step.kind === "shell" && step.manifests) ctr = ctr.withNewFile(manifestsPath, JSON.stringify(asList(step.manifests)));
  const timeoutSeconds = Math.min(step.kind === "shell" ? step.timeoutSeconds : 60, timeoutLimit);
  const ran = ctr.withExec(["timeout", String(timeoutSeconds), "bash", "-euo", "pipefail", script], { expect: ReturnType.Any });
  return succeeded(ran, at, step.description, timeoutSeconds);
}

/** `runShell` inside the step's span; `timeoutLimit` cuts the step's own timeout (what is left of its phase). */
export function runStep(
  ctx: StepContext,
  at: StepPosition,
  step: Extract<Step, { kind: "shell" | "detect-accelerator" }>,
  timeoutLimit = Number.POSITIVE_INFINITY,
): Promise<Container> {
  return inSpan(stepSpanName(at, step.description), () => runShell(ctx, at, step, timeoutLimit));
}

function parseAccelerator(output: string): Accelerator {
  const gpus = Number(/gpu_nodes=(\d+)/.exec(output)?.[1] ?? "0");
  const arch = /arch=(\S+)/.exec(output)?.[1] === "arm64" ? "arm64" : "amd64";
  return { gpu: gpus > 0, arch };
}

async function loadImages(
  ctx: StepContext,
  at: StepPosition,
  images: readonly OurImageKey[],
  options: PlanOptions,
  clusterName: string,
  timeoutLimit: number,
): Promise<void> {
  for (const key of images) {
    const ref = ourImageRef(key, options.imageTag);
    const tarball = ctx
      .image(key)
      // Without these annotations the archive carries no name and Kind cannot match the manifests' image.
      .withAnnotation("io.containerd.image.name", ref)
      .withAnnotation("org.opencontainers.image.ref.name", tagOf(key, options.imageTag))
      .asTarball();
    const path = `/images/${ourImages[key].name}.tar`;
    const timeoutSeconds = Math.min(600, timeoutLimit);
    const ran = ctx.tools
      .withMountedFile(path, tarball)
      .withEnvVariable("ONE_DATA_CACHE_BUSTER", cacheBuster())
      .withExec(["timeout", String(timeoutSeconds), "kind", "load", "image-archive", path, "--name", clusterName], {
        expect: ReturnType.Any,
      });
    await succeeded(ran, at, `kind load image-archive ${ref}`, timeoutSeconds);
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
 * Executes the plan phase by phase, each step in its own span, printing the
 * elapsed time. The accelerator is detected in the model phase; the rest of
 * that phase is then re-planned with what was found.
 */
export async function executePlan(ctx: StepContext, options: PlanOptions, clusterName: string): Promise<string> {
  const started = Date.now();
  const phases: PhasePlan[] = buildPlan(options);
  const summary: string[] = [];
  for (const [p, initial] of phases.entries()) {
    const phaseStarted = Date.now();
    ctx.log(`==> phase ${p + 1}/${phases.length}: ${initial.phase} — ${initial.title}`);
    let steps = initial.steps;
    for (let s = 0; s < steps.length; s++) {
      const step = steps[s]!;
      const at: StepPosition = { fn: "deploy", phase: initial.phase, phaseIndex: p + 1, phaseCount: phases.length, stepIndex: s + 1 };
      const stepStarted = Date.now();
      const timeoutLimit = stepTimeoutWithinPhase(initial, (stepStarted - phaseStarted) / 1000, Number.POSITIVE_INFINITY);
      if (step.kind === "load-images") {
        await inSpan(stepSpanName(at, step.description), () => loadImages(ctx, at, step.images, options, clusterName, timeoutLimit));
      } else if (step.kind === "publish-images") {
        await inSpan(stepSpanName(at, step.description), () => publishImages(ctx, step));
      } else {
        const ran = await runStep(ctx, at, step, timeoutLimit);
        if (step.kind === "detect-accelerator") {
          const accelerator = parseAccelerator(await ran.stdout());
          ctx.log(`      accelerator: ${accelerator.gpu ? "GPU" : "CPU"} (${accelerator.arch})`);
          steps = buildPlan({ ...options, accelerator, phases: [initial.phase] })[0]!.steps;
        }
      }
      ctx.log(`  ${stepSpanName(at, step.description)}: done in ${elapsed(stepStarted)}`);
    }
    const line = `phase ${initial.phase} ready in ${elapsed(phaseStarted)} (total ${elapsed(started)})`;
    ctx.log(line);
    summary.push(line);
  }
  return summary.join("\n");
}
