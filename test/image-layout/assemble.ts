/**
 * What the Dagger module puts under /app for one of our images
 * (`imageLayout`): every workspace's package.json and the lockfile, `npm ci
 * --omit=dev` of the image's workspaces, then their compiled output and
 * run-time files from the repository's build. Read by the layout check and by
 * the test node's image builder, so both hold the same files.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { imageLayout, type OurImageKey } from "@one-data/topology";

export const repo = resolve(fileURLToPath(import.meta.url), "../../..");

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

/**
 * `npm ci --omit=dev` of the workspaces under `root` (the image's /app), after
 * every workspace's package.json and the lockfile; what went wrong, if anything.
 */
export function installWorkspaces(root: string, workspaces: readonly string[]): string[] {
  copyManifests(root);
  const install = run(
    "npm",
    ["ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error", ...workspaces.flatMap((ws) => ["-w", ws])],
    root,
    { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: "true" },
  );
  return install.status === 0 ? [] : [`npm ci --omit=dev failed: ${install.stderr.trim().slice(-400)}`];
}

/** Copies repository paths of the build under `root`; the ones missing, if any. Needs `npm run build` first. */
export function copyBuilt(root: string, paths: readonly string[]): string[] {
  const problems: string[] = [];
  for (const path of paths) {
    if (!existsSync(join(repo, path))) {
      problems.push(`${path} does not exist in the build (run npm run build)`);
      continue;
    }
    cpSync(join(repo, path), join(root, path), { recursive: true });
  }
  return problems;
}

/** Fills `root` (the image's /app) and returns what went wrong, if anything. Needs `npm run build` first. */
export function assembleImageApp(key: OurImageKey, root: string): string[] {
  const layout = imageLayout(key);
  const problems = installWorkspaces(root, layout.workspaces);
  return problems.length > 0 ? problems : copyBuilt(root, layout.shipped);
}
