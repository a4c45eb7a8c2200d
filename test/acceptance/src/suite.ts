import { writeFileSync } from "node:fs";
import { acceptanceChecks } from "./checks/index.js";
import type { AcceptanceConfig } from "./config.js";
import { suiteContext } from "./context.js";
import { renderJunit } from "./report/junit.js";
import { renderTable } from "./report/table.js";
import { failed, runChecks, type CheckResult } from "./runner.js";

export interface SuiteOutcome {
  results: CheckResult[];
  table: string;
  passed: boolean;
}

/** Runs every check against the configured endpoints, prints as it goes, writes JUnit XML if asked. */
export async function runSuite(config: AcceptanceConfig, print: (line: string) => void = console.log): Promise<SuiteOutcome> {
  const results = await runChecks(acceptanceChecks, suiteContext(config), {
    tolerateWrongAnswers: config.ACCEPTANCE_TOLERATE_WRONG_ANSWERS,
    onResult: (r) => print(`  ${r.status.padEnd(12)} ${r.id} (${(r.durationMs / 1000).toFixed(2)}s)`),
  });
  const table = renderTable(`acceptance: ${config.ACCEPTANCE_LABEL}`, results);
  if (config.ACCEPTANCE_JUNIT_PATH) writeFileSync(config.ACCEPTANCE_JUNIT_PATH, renderJunit(config.ACCEPTANCE_LABEL, results));
  return { results, table, passed: failed(results).length === 0 };
}
