/**
 * How the module names and reports the steps it runs: a readable span name in
 * Dagger's TUI (function, phase, step — not the whole script), the script's
 * path in the tool container, and the error a failed step raises.
 */
import type { Step } from "./plan.js";

/** Where a step sits: `deploy` phase 2/5 `infra`, step 3. */
export interface StepPosition {
  /** The Dagger function running it (deploy, verify, teardown). */
  readonly fn: string;
  /** Phase name, or the function again for single-phase functions. */
  readonly phase: string;
  /** 1-based index of the phase and of the step within it. */
  readonly phaseIndex: number;
  readonly phaseCount: number;
  readonly stepIndex: number;
}

function stepNumber(at: StepPosition): string {
  return `${at.phaseIndex}.${at.stepIndex}`;
}

/** Span name shown in the TUI, e.g. `deploy 2/5 infra · 2.3 helm: minio …`. */
export function stepSpanName(at: StepPosition, description: string): string {
  const where = at.phase === at.fn ? at.fn : `${at.fn} ${at.phaseIndex}/${at.phaseCount} ${at.phase}`;
  return `${where} · ${stepNumber(at)} ${description}`;
}

/** The script's path in the tool container; the exec line names it instead of inlining the script. */
export function stepScriptPath(at: StepPosition): string {
  const slug = `${at.fn}-${at.phase === at.fn ? "" : `${at.phase}-`}${stepNumber(at)}`.replace(/[^A-Za-z0-9.-]+/g, "-");
  return `/work/steps/${slug}.sh`;
}

/** Exit status of `timeout(1)` when the command ran out of time. */
const timeoutExitCode = 124;

export interface StepOutcome {
  readonly exitCode: number;
  readonly timeoutSeconds: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The error of a failed step: where, why (exit code or timeout), then its output, once. */
export function stepFailureMessage(at: StepPosition, description: string, outcome: StepOutcome): string {
  const why = outcome.exitCode === timeoutExitCode ? `timed out after ${outcome.timeoutSeconds}s` : `exit code ${outcome.exitCode}`;
  const sections = [`${stepSpanName(at, description)}: failed (${why})`];
  if (outcome.stdout.trim()) sections.push(`--- stdout\n${outcome.stdout.trimEnd()}`);
  if (outcome.stderr.trim()) sections.push(`--- stderr\n${outcome.stderr.trimEnd()}`);
  if (sections.length === 1) sections.push("(the step printed nothing)");
  return sections.join("\n");
}

/**
 * `ci` runs deploy, verify and teardown; a failing teardown must not hide
 * why deploy or verify failed, so every failure is reported, in order.
 */
export function ciFailureMessage(failures: readonly { readonly stage: string; readonly message: string }[]): string {
  return [
    `ci failed in ${failures.map((f) => f.stage).join(" and ")}`,
    ...failures.map((f) => `=== ${f.stage} failed:\n${f.message}`),
  ].join("\n");
}

/**
 * How long a step may run: its own timeout, cut to what is left of its
 * phase's, so that the phase's timeout interrupts a step that overruns it.
 * A phase whose time is used up starts no further step.
 */
export function stepTimeoutWithinPhase(
  phase: { readonly phase: string; readonly timeoutSeconds: number },
  elapsedSeconds: number,
  stepTimeoutSeconds: number,
): number {
  const left = Math.ceil(phase.timeoutSeconds - elapsedSeconds);
  if (left <= 0) throw new Error(`phase ${phase.phase} exceeded its ${phase.timeoutSeconds}s timeout`);
  return Math.min(stepTimeoutSeconds, left);
}

export type ShellStep = Extract<Step, { kind: "shell" }>;

/** The steps of a function that runs only shell steps (verify, teardown); any other step is an error, never skipped. */
export function shellStepsOnly(fn: string, steps: readonly Step[]): ShellStep[] {
  return steps.map((step, i) => {
    if (step.kind !== "shell") throw new Error(`${fn} cannot run step ${i + 1} "${step.description}" (a ${step.kind} step)`);
    return step;
  });
}
