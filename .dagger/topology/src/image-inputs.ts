/**
 * Each of our images' build inputs — the files and settings its build reads —
 * and its tag, a digest of exactly those inputs: editing a test file, the docs
 * or another service leaves an image's tag alone, so Kubernetes rolls only the
 * pods whose image changed. The Dagger build copies `imageBuildInputs(key)`;
 * the tag hashes the same selection (`isImageBuildInput`) of a listing of
 * file digests, which the module takes from `sha256sum` over the source.
 */
import { createHash } from "node:crypto";
import {
  externalImages,
  imageLayout,
  imageRef,
  ourImages,
  serviceImageRuntime,
  type ImageTags,
  type OurImageKey,
  type SourceFilter,
} from "./images.js";

/** Read by `npm ci` and by every workspace's `tsc -p tsconfig.build.json` (which extends the base). */
const rootBuildFiles = ["package.json", "package-lock.json", "tsconfig.base.json"] as const;
/** What `npm run build -w <ws>` reads in a workspace besides its sources under src/. */
const workspaceBuildFiles = ["package.json", "tsconfig.build.json"] as const;
/** Path segments never copied: installed or built output, local state. */
const excludedSegments = new Set(["node_modules", "dist", ".local"]);

/**
 * `npm ci` checks the lockfile against every workspace's package.json, so all
 * of them are inputs of every image (the module's own workspace under .dagger
 * is not part of the images' install).
 */
export const installInputs: SourceFilter = {
  include: ["package.json", "package-lock.json", "**/package.json"],
  exclude: ["**/node_modules/**", ".dagger/**"],
};

interface InputSpec {
  readonly files: readonly string[];
  readonly trees: readonly string[];
}

function inputSpec(key: OurImageKey): InputSpec {
  const { workspaces } = imageLayout(key);
  const image = ourImages[key];
  return {
    files: [...rootBuildFiles, ...workspaces.flatMap((ws) => workspaceBuildFiles.map((file) => `${ws}/${file}`))],
    trees: [...workspaces.map((ws) => `${ws}/src`), ...image.runtimeFiles.map((file) => `${image.workspace}/${file}`)],
  };
}

/** What an image's build stage copies from the repository (a Dagger `Directory.filter`). */
export function imageBuildInputs(key: OurImageKey): SourceFilter {
  const { files, trees } = inputSpec(key);
  return {
    include: [...files, ...trees.map((tree) => `${tree}/**`), ...installInputs.include],
    exclude: [...installInputs.exclude, ...[...excludedSegments].map((segment) => `**/${segment}/**`), "**/*.tsbuildinfo"],
  };
}

/** The build inputs of every image at once: what the module lists to tag them all. */
export function allImagesBuildInputs(): SourceFilter {
  const filters = (Object.keys(ourImages) as OurImageKey[]).map(imageBuildInputs);
  return {
    include: [...new Set(filters.flatMap((f) => f.include))],
    exclude: [...new Set(filters.flatMap((f) => f.exclude))],
  };
}

/** Whether `imageBuildInputs(key)` keeps a repository path (a file): the same rule, as a predicate. */
export function isImageBuildInput(key: OurImageKey, path: string): boolean {
  const segments = path.split("/");
  if (segments.some((s) => excludedSegments.has(s)) || path.endsWith(".tsbuildinfo") || path.startsWith(".dagger/")) return false;
  const { files, trees } = inputSpec(key);
  return files.includes(path) || trees.some((tree) => path.startsWith(`${tree}/`)) || segments.at(-1) === "package.json";
}

/** A file of the source and the sha256 of its content. */
export interface FileDigest {
  readonly path: string;
  readonly sha256: string;
}

/** Lists every file under the working directory with the sha256 of its content (GNU and BusyBox sha256sum alike). */
export const fileDigestsCommand = "find . -type f -exec sha256sum {} +";

/** Reads the output of `fileDigestsCommand`; throws on a line it cannot read rather than tag from part of the source. */
export function parseFileDigests(listing: string): FileDigest[] {
  return listing
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const match = /^([0-9a-f]{64}) [ *]\.\/(.+)$/.exec(line);
      if (!match) throw new Error(`cannot read a file digest from ${JSON.stringify(line)}`);
      return { sha256: match[1]!, path: match[2]! };
    });
}

/**
 * What the build does besides copying files: the base image, the layout it
 * compiles and ships, how the image runs. The npm registry is not among them:
 * the lockfile's integrity sums make every registry install the same bytes.
 */
function buildSettings(key: OurImageKey): unknown {
  return { base: imageRef(externalImages.node), layout: imageLayout(key), runtime: serviceImageRuntime };
}

/** The tag of one image: a digest of its settings and of the files it reads, nothing else. */
function imageTag(key: OurImageKey, files: readonly FileDigest[]): string {
  const inputs = files
    .filter((file) => isImageBuildInput(key, file.path))
    .map((file) => `${file.path}\0${file.sha256}`)
    .sort();
  const digest = createHash("sha256")
    .update(JSON.stringify({ settings: buildSettings(key), inputs }))
    .digest("hex");
  return `src-${digest.slice(0, 12)}`;
}

/** Every image's tag from one listing of the source. */
export function imageTags(files: readonly FileDigest[]): ImageTags {
  const keys = Object.keys(ourImages) as OurImageKey[];
  return Object.fromEntries(keys.map((key) => [key, imageTag(key, files)])) as Record<OurImageKey, string>;
}
