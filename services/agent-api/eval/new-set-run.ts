import type { Agent } from "../src/domain/agent.js";
import type { DataPort } from "../src/domain/ports.js";
import { evalGlossary, ordersDataset, staffDataset } from "./datasets.js";
import { clinicVisits, heldOutGlossary, heldOutQuestions, shipments } from "./held-out.js";
import { holdsTruth, inventedFigures, newSetQuestions, type Truth } from "./new-set.js";

/**
 * Runs an evaluation set (the second set, or the held-out one) against an
 * agent and reports, per question and in total: right, wrong, declined,
 * figures no result holds, and latency.
 */
type Verdict = "right" | "wrong" | "declined";

interface EvalQuestion {
  question: string;
  kind: string;
  truth: Truth;
}

export interface EvalSet {
  name: string;
  datasets: { name: string; description: string; csv: string }[];
  glossary: { name: string; content: string };
  questions: () => EvalQuestion[];
}

export const secondSet: EvalSet = {
  name: "new set",
  datasets: [ordersDataset, staffDataset].map((d) => ({ name: d.name, description: d.description, csv: d.csv() })),
  glossary: evalGlossary,
  questions: () => newSetQuestions(),
};

export const heldOutSet: EvalSet = {
  name: "held-out set",
  datasets: [shipments, clinicVisits],
  glossary: heldOutGlossary,
  questions: heldOutQuestions,
};

export interface Outcome {
  question: EvalQuestion;
  verdict: Verdict;
  invented: string[];
  seconds: number;
  note: string;
}

/** Registers the set's datasets and glossary on the Data API unless they are there already. */
export async function ensureSetData(set: EvalSet, dataApiUrl: string, timeoutMs: number): Promise<void> {
  const listed = (await (await fetch(`${dataApiUrl}/api/v1/metadata/tables`, { signal: AbortSignal.timeout(timeoutMs) })).json()) as {
    data?: { tables?: { dataset_name: string }[] };
  };
  const items = (listed.data?.tables ?? []).map((t) => ({ name: t.dataset_name }));
  for (const dataset of set.datasets) {
    if (items.some((d) => d.name === dataset.name)) continue;
    const form = new FormData();
    form.set("name", dataset.name);
    form.set("format", "csv");
    form.set("description", dataset.description);
    form.set("file", new Blob([dataset.csv], { type: "text/csv" }), `${dataset.name}.csv`);
    const res = await fetch(`${dataApiUrl}/api/v1/datasets/upload`, { method: "POST", body: form, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`registering ${dataset.name} answered ${res.status}: ${await res.text()}`);
  }
  const documents = (await (
    await fetch(`${dataApiUrl}/api/v1/knowledge/documents`, { signal: AbortSignal.timeout(timeoutMs) })
  ).json()) as { data?: { name: string }[] };
  const glossary = set.glossary;
  if (!(documents.data ?? []).some((d) => d.name === glossary.name)) {
    // Embedding the chunks may miss the Data API's deadline on a busy machine (a clear 504): try again, a few times.
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${dataApiUrl}/api/v1/knowledge/documents`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: glossary.name, format: "markdown", content: glossary.content }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.ok) break;
      if (res.status !== 504 || attempt === 4) throw new Error(`registering ${glossary.name} answered ${res.status}: ${await res.text()}`);
    }
  }
}

/**
 * Asks the set's questions in order; none is started after `until` (epoch
 * ms), so a run bounded from outside still ends with its figures printed.
 */
export async function runSet(
  set: EvalSet,
  agent: Agent,
  data: DataPort,
  options: { until?: number; log?: (line: string) => void } = {},
): Promise<Outcome[]> {
  const log = options.log ?? console.log;
  const catalog = await data.catalog();
  const outcomes: Outcome[] = [];
  log("| # | kind | question | verdict | invented | seconds | note |");
  log("|---|---|---|---|---|---|---|");
  for (const [index, question] of set.questions().entries()) {
    if (options.until !== undefined && Date.now() >= options.until) {
      log(`| ${index + 1}… | - | the eval's time is up: the rest of the set is not asked | - | - | - | - |`);
      break;
    }
    const started = performance.now();
    let verdict: Verdict = "declined";
    let invented: string[] = [];
    let note: string;
    try {
      const answer = await agent.ask(question.question);
      const sql = answer.sources.sql;
      const rows = sql?.rows ?? [];
      const allowed = [
        question.question,
        sql?.sql ?? "",
        ...(answer.sources.documents ?? []).map((d) => d.text),
        ...catalog.tables.map((t) => `${t.dataset_id} ${t.version} ${t.table} ${t.dataset_name}`),
      ];
      invented = inventedFigures(answer.reply, allowed, rows);
      if (question.truth.kind === "decline") verdict = sql === undefined && invented.length === 0 ? "right" : "wrong";
      else verdict = sql === undefined ? "declined" : holdsTruth(question.truth, sql.rows) ? "right" : "wrong";
      note = sql ? sql.sql : answer.reply.replace(/\s+/g, " ");
    } catch (error) {
      note = `error: ${(error as Error).message}`;
      if (question.truth.kind === "decline") verdict = "right";
    }
    const seconds = (performance.now() - started) / 1000;
    outcomes.push({ question, verdict, invented, seconds, note });
    log(
      `| ${index + 1} | ${question.kind} | ${question.question} | ${verdict} | ${invented.join(" ") || "-"} | ${seconds.toFixed(1)} | ${note.replaceAll("|", "\\|").slice(0, 160)} |`,
    );
  }
  return outcomes;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summarise(set: EvalSet, outcomes: Outcome[], label: string): string {
  const count = (v: Verdict) => outcomes.filter((o) => o.verdict === v).length;
  const times = outcomes.map((o) => o.seconds).sort((a, b) => a - b);
  const invented = outcomes.filter((o) => o.invented.length > 0).length;
  const failing = [...new Set(outcomes.filter((o) => o.verdict !== "right").map((o) => o.question.kind))].join(", ") || "none";
  const unasked = set.questions().length - outcomes.length;
  return (
    `${set.name} (${label}): ${count("right")} right, ${count("wrong")} wrong, ${count("declined")} declined of ${outcomes.length} asked` +
    `${unasked > 0 ? ` (${unasked} not asked: the eval's time ran out)` : ""} ` +
    `(${((100 * count("right")) / outcomes.length).toFixed(1)} % right); answers with invented figures: ${invented}; ` +
    `p50 ${percentile(times, 50).toFixed(1)} s, p95 ${percentile(times, 95).toFixed(1)} s per question; kinds not all right: ${failing}`
  );
}
