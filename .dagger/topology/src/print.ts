import { formatPlanRequests, planRequests } from "./capacity.js";
import type { Manifest } from "./manifests.js";
import { formatSources } from "./sources.js";
import { buildPlan, type PhasePlan, type PlanOptions, type Step } from "./plan.js";

function manifestLine(m: Manifest): string {
  const meta = m.metadata as { name?: string; namespace?: string } | undefined;
  const ns = meta?.namespace ? `${meta.namespace}/` : "";
  return `${m.kind} ${ns}${meta?.name ?? "?"}`;
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line) => `${prefix}${line}`)
    .join("\n");
}

function formatStep(step: Step, index: string): string {
  const lines = [`  ${index} [${step.kind}] ${step.description}`];
  if (step.kind === "shell") {
    lines.push(`      timeout: ${step.timeoutSeconds}s`);
    for (const m of step.manifests ?? []) lines.push(`      manifest: ${manifestLine(m)}`);
    lines.push(indent(step.script, "      $ "));
  } else if (step.kind === "detect-accelerator") {
    lines.push(indent(step.script, "      $ "));
  } else if (step.kind === "load-images") {
    for (const image of step.images) lines.push(`      image: ${image}`);
  } else {
    for (const ref of step.refs) lines.push(`      push: ${ref}`);
  }
  return lines.join("\n");
}

/** Human-readable plan, identical from `dagger call plan` and `npm run plan`. */
export function formatPlan(plan: readonly PhasePlan[]): string {
  return plan
    .map((phase, p) =>
      [
        `phase ${p + 1}/${plan.length}: ${phase.phase} — ${phase.title} (timeout ${phase.timeoutSeconds}s)`,
        ...phase.steps.map((step, s) => formatStep(step, `${p + 1}.${s + 1}`)),
      ].join("\n"),
    )
    .join("\n\n");
}

/** What `plan` prints (`dagger call plan`, `npm run plan`): the requests the plan adds up to, the download sources, then the plan. */
export function formatPlanAndRequests(options: PlanOptions): string {
  const plan = buildPlan(options);
  return `${formatPlanRequests(planRequests(plan, { kind: options.env === "kind" }))}\n${formatSources(options.sources, options.env)}\n\n${formatPlan(plan)}`;
}
