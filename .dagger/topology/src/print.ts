import type { Manifest } from "./manifests.js";
import type { PhasePlan, Step } from "./plan.js";

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

export function formatStep(step: Step, index: string): string {
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
