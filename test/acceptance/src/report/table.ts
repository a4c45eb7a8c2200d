import type { CheckResult } from "../runner.js";

const symbol: Record<CheckResult["status"], string> = {
  passed: "PASS",
  failed: "FAIL",
  "wrong-answer": "WRONG",
};

/** The readable summary printed at the end of a run. */
export function renderTable(title: string, results: CheckResult[]): string {
  const rows = results.map((r) => [r.id, symbol[r.status], `${(r.durationMs / 1000).toFixed(2)}s`, r.detail]);
  const header = ["check", "status", "time", "detail"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (i === 3 ? 0 : row[i]!.length))));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
  const counts = (["passed", "failed", "wrong-answer"] as const).map((s) => `${results.filter((r) => r.status === s).length} ${s}`);
  return [title, line(header), ...rows.map(line), counts.join(", ")].join("\n");
}
