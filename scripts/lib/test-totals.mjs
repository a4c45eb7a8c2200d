// @ts-check
/**
 * The test command's closing lines, from what each step left in the results directory: mocha's JSON reports
 * (<name>.mocha.json, pending tests are skipped ones) and the one-line counts our own runners print (image
 * layouts, fuzz runs, acceptance, the real model's answers locally and on the test node, the eval's "new set (...)" and "held-out set (...)" summaries, repeated as
 * they are). Plain JavaScript: it runs in the EXIT trap, also
 * when `npm ci` never did.
 *
 *   node scripts/lib/test-totals.mjs RESULTS_DIR MOCHA_STEP...
 *
 * A mocha step NAME logs to NAME.log and reports to NAME.mocha.json; a step that logged but left no report
 * (a test file that does not load, a crash) counts as one failure, never as nothing.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, ...mochaSteps] = process.argv.slice(2);
if (!dir) throw new Error("usage: test-totals.mjs RESULTS_DIR MOCHA_STEP...");
const files = existsSync(dir) ? readdirSync(dir).sort() : [];
const totals = { passed: 0, failed: 0, skipped: 0 };
let realModel;
let realModelOnNode;
const evalLines = [];

for (const file of files.filter((f) => f.endsWith(".log"))) {
  const name = file.slice(0, -".log".length);
  const text = readFileSync(join(dir, file), "utf8");
  if (files.includes(`${name}.mocha.json`)) {
    const { stats } = JSON.parse(readFileSync(join(dir, `${name}.mocha.json`), "utf8"));
    totals.passed += stats.passes;
    totals.failed += stats.failures;
    totals.skipped += stats.pending;
  } else if (mochaSteps.includes(name)) {
    console.log(`${name}: mocha left no report (see ${name}.log)`);
    totals.failed += 1;
  }
  for (const line of text.split("\n")) {
    let m;
    if ((m = /^acceptance counts: (\d+) passed, (\d+) failed, (\d+) skipped/.exec(line))) {
      totals.passed += Number(m[1]);
      totals.failed += Number(m[2]);
      totals.skipped += Number(m[3]);
    } else if (/^(new set|held-out set) \(/.test(line)) {
      evalLines.push(line);
    } else if ((m = /^real model on the node: (\d+) right, (\d+) wrong/.exec(line))) {
      realModelOnNode = { right: Number(m[1]), wrong: Number(m[2]) };
    } else if ((m = /^real model counts: (\d+) right, (\d+) wrong/.exec(line))) {
      realModel = { right: (realModel?.right ?? 0) + Number(m[1]), wrong: (realModel?.wrong ?? 0) + Number(m[2]) };
    } else if ((m = /^(?:image layouts|fuzz [^ ]+): (\d+) passed, (\d+) failed/.exec(line))) {
      totals.passed += Number(m[1]);
      totals.failed += Number(m[2]);
    }
  }
}

for (const line of evalLines) console.log(line);
console.log(realModel ? `real model: ${realModel.right} right, ${realModel.wrong} wrong (recorded, not gating)` : "real model: not run");
console.log(
  realModelOnNode
    ? `real model on the node: ${realModelOnNode.right} right, ${realModelOnNode.wrong} wrong (recorded, not gating)`
    : "real model on the node: not run",
);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
