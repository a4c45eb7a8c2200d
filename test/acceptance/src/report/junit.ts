import { create } from "xmlbuilder2";
import type { CheckResult } from "../runner.js";

/**
 * JUnit XML for CI systems. A wrong answer from a tolerated weak model is a
 * passed test case with the answer in system-out, so CI dashboards stay
 * truthful about what gated the run.
 */
export function renderJunit(suiteName: string, results: CheckResult[]): string {
  const failures = results.filter((r) => r.status === "failed").length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const root = create({ version: "1.0", encoding: "UTF-8" }).ele("testsuites", {
    name: suiteName,
    tests: results.length,
    failures,
    time: seconds(results.reduce((sum, r) => sum + r.durationMs, 0)),
  });
  const suite = root.ele("testsuite", {
    name: suiteName,
    tests: results.length,
    failures,
    errors: 0,
    skipped: 0,
  });
  for (const result of results) {
    const testcase = suite.ele("testcase", {
      classname: `${suiteName}.${result.integration}`,
      name: `${result.id}: ${result.title}`,
      time: seconds(result.durationMs),
    });
    if (result.status === "failed") {
      testcase.ele("failure", { message: result.detail }).txt(result.detail);
    } else {
      testcase.ele("system-out").txt(`${result.status}: ${result.detail}`);
    }
  }
  return root.end({ prettyPrint: true });
}
