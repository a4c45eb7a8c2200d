import { execFileSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { expect } from "chai";
import { minimatch } from "minimatch";
import {
  fileDigestsCommand,
  imageBuildInputs,
  imageTags,
  isImageBuildInput,
  ourImages,
  parseFileDigests,
  type ImageTags,
  type OurImageKey,
} from "../src/index.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const keys = Object.keys(ourImages) as OurImageKey[];
/**
 * What the module's `source` argument leaves out (its ignore list in .dagger/src/index.ts). Read from the
 * tree, not from git: `dagger call test` runs this file in a container that has no .git.
 */
const leftOut = new Set(["node_modules", "dist", ".local", ".git"]);

function sourceFiles(dir = ""): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    if (leftOut.has(entry.name)) return [];
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.isFile() ? [path] : [];
  });
}

/** A copy of the repository's files, as the module's source directory holds them. */
function copyOfRepository(): string {
  const root = mkdtempSync(join(tmpdir(), "image-inputs-"));
  for (const path of sourceFiles()) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    cpSync(join(repoRoot, path), join(root, path));
  }
  return root;
}

/** The tags as the module computes them: the real sha256sum over the tree, read by the same functions. */
function tagsOf(root: string): ImageTags {
  return imageTags(parseFileDigests(execFileSync("sh", ["-c", fileDigestsCommand], { cwd: root, encoding: "utf8" })));
}

function firstFile(root: string, dir: string, suffix: string): string {
  const name = readdirSync(join(root, dir)).find((entry) => entry.endsWith(suffix));
  if (!name) throw new Error(`no *${suffix} under ${dir}`);
  return `${dir}/${name}`;
}

/** The images whose tag differs after `edit` appended a line to `path`. */
function changedBy(root: string, before: ImageTags, path: string): OurImageKey[] {
  appendFileSync(join(root, path), "\n// edited\n");
  const after = tagsOf(root);
  return keys.filter((key) => after[key] !== before[key]);
}

describe("topology: each image's tag is a digest of its own build inputs", function () {
  this.timeout(120_000);
  let root: string;
  let base: ImageTags;

  beforeEach(() => {
    root = copyOfRepository();
    base = tagsOf(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("gives the same tags for the same inputs, one per image", () => {
    const again = copyOfRepository();
    try {
      expect(tagsOf(again)).to.deep.equal(base);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
    for (const key of keys) expect(base[key]).to.match(/^src-[0-9a-f]{12}$/);
    expect(new Set(Object.values(base)).size).to.equal(keys.length);
  });

  it("keeps every tag when a test file, the docs, the manifests or the module change", () => {
    for (const path of [
      firstFile(root, "services/data-api/test", ".test.ts"),
      firstFile(root, "packages/platform/test", ".test.ts"),
      "README.md",
      firstFile(root, "k8s/manifests", ".yaml"),
      ".dagger/src/index.ts",
      firstFile(root, "services/data-api/bench", ".ts"),
    ]) {
      expect(changedBy(root, base, path), path).to.deep.equal([]);
    }
  });

  it("changes data-api's tag alone when data-api's source changes", () => {
    expect(changedBy(root, base, "services/data-api/src/main.ts")).to.deep.equal(["dataApi"]);
  });

  it("changes the tags of the images that ship a shared workspace, and only theirs", () => {
    expect(changedBy(root, base, firstFile(root, "services/model-jobs/src", ".ts"))).to.deep.equal(["modelJobs", "acceptance"]);
    expect(changedBy(root, base, firstFile(root, "packages/platform/src", ".ts"))).to.deep.equal(keys);
  });

  it("changes an image's tag when a run-time file it ships or the lockfile changes", () => {
    expect(changedBy(root, base, "services/agent-api/public/app.js")).to.deep.equal(["agentApi"]);
    expect(changedBy(root, base, "package-lock.json")).to.deep.equal(keys);
  });
});

describe("topology: the build inputs the Dagger build copies", () => {
  it("select the same repository files as the tag's rule (Dagger's filter: include globs less exclude globs)", () => {
    const files = sourceFiles();
    for (const key of keys) {
      const { include, exclude } = imageBuildInputs(key);
      const filtered = files.filter(
        (path) =>
          include.some((glob) => minimatch(path, glob, { dot: true })) && !exclude.some((glob) => minimatch(path, glob, { dot: true })),
      );
      expect(filtered, key).to.deep.equal(files.filter((path) => isImageBuildInput(key, path)));
      expect(filtered, key).to.include(`${ourImages[key].workspace}/src/main.ts`);
    }
  });

  it("refuses a listing line it cannot read instead of tagging from part of the source", () => {
    expect(() => parseFileDigests("not a digest  ./x\n")).to.throw(/cannot read a file digest/);
    expect(parseFileDigests(`${"a".repeat(64)}  ./dir/with space.ts\n`)).to.deep.equal([
      { path: "dir/with space.ts", sha256: "a".repeat(64) },
    ]);
  });
});
