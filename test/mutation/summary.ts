/**
 * After `npm run mutation`: the score per module from Stryker's JSON report,
 * written between the markers of MUTATION.md (and printed), with the mutants
 * that survived listed for the explanations below them. With
 * MUTATION_MIN_SCORE set (the test command sets 85), exits 1 when a module
 * scores lower, naming it.
 *   node --import tsx test/mutation/summary.ts <mutation.json> [MUTATION.md]
 */
import { readFileSync, writeFileSync } from "node:fs";

interface Mutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number } };
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

const [reportPath, markdownPath = "MUTATION.md"] = process.argv.slice(2);
if (!reportPath) throw new Error("usage: summary.ts <mutation.json> [MUTATION.md]");
const report = JSON.parse(readFileSync(reportPath, "utf8")) as Report;

const minScore = Number(process.env.MUTATION_MIN_SCORE ?? 0);
const belowGoal: string[] = [];
const detected = new Set(["Killed", "Timeout"]);
const undetected = new Set(["Survived", "NoCoverage"]);
const rows: string[] = [];
const survivors: string[] = [];
for (const [path, file] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const count = (status: string) => file.mutants.filter((m) => m.status === status).length;
  const killed = file.mutants.filter((m) => detected.has(m.status)).length;
  const missed = file.mutants.filter((m) => undetected.has(m.status)).length;
  const score = killed + missed === 0 ? 100 : (100 * killed) / (killed + missed);
  if (score < minScore) belowGoal.push(`${path}: ${score.toFixed(1)} %`);
  rows.push(
    `| \`${path}\` | ${file.mutants.length} | ${count("Killed")} | ${count("Timeout")} | ${count("Survived")} | ${count("NoCoverage")} | ${count("Ignored")} | ${count("CompileError") + count("RuntimeError")} | **${score.toFixed(1)} %** |`,
  );
  const lines = file.source.split("\n");
  // In source order: the report's own order changes from run to run.
  const missedMutants = file.mutants
    .filter((mutant) => undetected.has(mutant.status))
    .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
  for (const m of missedMutants) {
    const { line, column } = m.location.start;
    const original = (lines[line - 1] ?? "").trim().slice(0, 90);
    const replacement = (m.replacement ?? "").replace(/\s+/g, " ").slice(0, 70);
    survivors.push(`- \`${path}:${line}:${column}\` ${m.mutatorName} (${m.status}): \`${original}\` → \`${replacement}\``);
  }
}

const table = [
  "| module | mutants | killed | timed out | survived | no coverage | ignored (static) | errors | score |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...rows,
].join("\n");
const generated = `${table}\n\nSurviving mutants (${survivors.length}):\n\n${survivors.join("\n") || "- none"}\n`;
console.log(generated);

const start = "<!-- scores:start -->";
const end = "<!-- scores:end -->";
const markdown = readFileSync(markdownPath, "utf8");
const from = markdown.indexOf(start);
const to = markdown.indexOf(end);
if (from < 0 || to < from) throw new Error(`${markdownPath} lacks the ${start} … ${end} markers`);
writeFileSync(markdownPath, `${markdown.slice(0, from + start.length)}\n${generated}${markdown.slice(to)}`);
console.log(`scores written to ${markdownPath}`);
if (belowGoal.length > 0) {
  console.error(`mutation score below ${minScore} %: ${belowGoal.join(", ")}`);
  process.exit(1);
}
