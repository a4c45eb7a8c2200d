/**
 * The service images' layout, proven without Docker: for each image of
 * .dagger/topology, assembles in a scratch directory what the Dagger module
 * puts under /app (`imageLayout`: production dependencies of its workspaces,
 * their compiled output, run-time files), then
 *   - starts every entry point its workloads run with an empty environment:
 *     it must get as far as configuration validation (exit 2 with the
 *     service's "invalid configuration" message), which proves every import
 *     resolves in the image;
 *   - checks that every file the compiled code opens relative to itself
 *     (`new URL("…", import.meta.url)`) is in the image.
 * And the test container's (`dagger call test`): the repository's files its
 * source filter keeps (`testInputs`), `npm ci`, then mocha's dry run there
 * must load every test file and find every test a dry run in the repository
 * finds, which proves `npm test` in that container runs the whole suite.
 * Needs the workspaces built (`npm run build`). Prints one line per layout and
 * `image layouts: N passed, M failed`; exits 1 on any failure.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { imageLayout, ourImages, testInputs, type OurImageKey, type SourceFilter } from "@one-data/topology";
import { matchesPathOrParent } from "../support/dagger-patterns.js";
import { assembleImageApp, repo } from "./assemble.js";

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 300_000 });
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? jsFiles(path) : path.endsWith(".js") ? [path] : [];
  });
}

function missingRuntimeFiles(root: string, shipped: readonly string[]): string[] {
  const missing: string[] = [];
  for (const dist of shipped.filter((path) => path.endsWith("/dist"))) {
    for (const file of jsFiles(join(root, dist))) {
      for (const match of readFileSync(file, "utf8").matchAll(/new URL\(\s*["'](\.{1,2}\/[^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) {
        const target = resolve(dirname(file), match[1]!);
        if (!existsSync(target)) missing.push(`${relative(root, file)} opens ${relative(root, target)}`);
      }
    }
  }
  return missing;
}

function checkImage(key: OurImageKey): string[] {
  const layout = imageLayout(key);
  const root = mkdtempSync(join(tmpdir(), `image-${key}-`));
  try {
    const problems = assembleImageApp(key, root);
    if (problems.length > 0) return problems;
    for (const entry of ourImages[key].entryPoints) {
      const started = run(process.execPath, [entry], join(root, layout.workdir), { PATH: process.env.PATH ?? "", NODE_ENV: "production" });
      const output = `${started.stdout}${started.stderr}`;
      if (started.status !== 2 || !/invalid configuration|usage:/.test(output)) {
        problems.push(`node ${entry} did not reach configuration validation (exit ${started.status}): ${output.trim().slice(0, 400)}`);
      }
    }
    problems.push(...missingRuntimeFiles(root, layout.shipped));
    return problems;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function selected(filter: SourceFilter): string[] {
  const tracked = run("git", ["ls-files"], repo, process.env);
  if (tracked.status !== 0) throw new Error(`git ls-files failed: ${tracked.stderr}`);
  return tracked.stdout
    .split("\n")
    .filter(
      (f) => f !== "" && filter.include.some((p) => matchesPathOrParent(f, p)) && !filter.exclude.some((p) => matchesPathOrParent(f, p)),
    );
}

/** "N passing" of mocha's dry run (no test or hook runs; every spec file is loaded). */
function dryRunCount(cwd: string): { count?: number; output: string } {
  const result = run(process.execPath, [join(cwd, "node_modules/mocha/bin/mocha.js"), "--dry-run", "--reporter", "dot"], cwd, {
    ...process.env,
    CI: "true",
  });
  const output = `${result.stdout}${result.stderr}`;
  const passing = /(\d+) passing/.exec(output);
  return result.status === 0 && passing ? { count: Number(passing[1]), output } : { output };
}

function checkTestContainer(filter: SourceFilter): string[] {
  const root = mkdtempSync(join(tmpdir(), "test-container-"));
  try {
    for (const file of selected(filter)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      cpSync(join(repo, file), join(root, file));
    }
    // The container adds scripts/ on its own (testContainer).
    cpSync(join(repo, "scripts"), join(root, "scripts"), { recursive: true });
    const install = run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], root, {
      ...process.env,
      NODE_LLAMA_CPP_SKIP_DOWNLOAD: "true",
    });
    if (install.status !== 0) return [`npm ci failed: ${install.stderr.trim().slice(-400)}`];
    const inRepo = dryRunCount(repo);
    const inContainer = dryRunCount(root);
    if (inRepo.count === undefined) return [`mocha's dry run failed in the repository: ${inRepo.output.trim().slice(-400)}`];
    if (inContainer.count !== inRepo.count) {
      return [
        `npm test in the test container finds ${inContainer.count ?? "no"} tests, the repository ${inRepo.count}: ${inContainer.output.trim().slice(-600)}`,
      ];
    }
    return [];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

let passed = 0;
let failed = 0;
for (const key of Object.keys(ourImages) as OurImageKey[]) {
  const problems = checkImage(key);
  if (problems.length === 0) {
    passed++;
    console.log(`  passed  ${ourImages[key].name}: ${ourImages[key].entryPoints.join(", ")} start in the image layout`);
  } else {
    failed++;
    console.log(`  FAILED  ${ourImages[key].name}:\n${problems.map((p) => `          - ${p}`).join("\n")}`);
  }
}
const testProblems = checkTestContainer(testInputs);
if (testProblems.length === 0) {
  passed++;
  console.log("  passed  test container: npm test there loads every test file and finds every test");
} else {
  failed++;
  console.log(`  FAILED  test container:\n${testProblems.map((p) => `          - ${p}`).join("\n")}`);
}
console.log(`image layouts: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
