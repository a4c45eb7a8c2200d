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
 * Needs the workspaces built (`npm run build`). Prints one line per image and
 * `image layouts: N passed, M failed`; exits 1 on any failure.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { imageLayout, ourImages, type OurImageKey } from "@one-data/topology";

const repo = resolve(fileURLToPath(import.meta.url), "../../..");

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 300_000 });
}

/** package.json files and the lockfile, as the image's install stage copies them. */
function copyManifests(into: string): void {
  const tracked = run("git", ["ls-files", "package.json", "package-lock.json", "*/package.json"], repo, process.env);
  if (tracked.status !== 0) throw new Error(`git ls-files failed: ${tracked.stderr}`);
  for (const file of tracked.stdout.split("\n").filter((f) => f !== "" && !f.startsWith(".dagger/"))) {
    mkdirSync(dirname(join(into, file)), { recursive: true });
    cpSync(join(repo, file), join(into, file));
  }
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
    copyManifests(root);
    const install = run(
      "npm",
      ["ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error", ...layout.workspaces.flatMap((ws) => ["-w", ws])],
      root,
      { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: "true" },
    );
    if (install.status !== 0) return [`npm ci --omit=dev failed: ${install.stderr.trim().slice(-400)}`];
    const problems: string[] = [];
    for (const path of layout.shipped) {
      if (!existsSync(join(repo, path))) {
        problems.push(`${path} does not exist in the build (run npm run build)`);
        continue;
      }
      cpSync(join(repo, path), join(root, path), { recursive: true });
    }
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
console.log(`image layouts: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
