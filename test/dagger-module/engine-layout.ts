/**
 * What the Dagger v0.21 engine's TypeScript runtime gives the module, rebuilt
 * in a scratch directory without an engine (sdk/typescript/runtime of
 * dagger/dagger v0.21.8: config.go, introspector.go, runtime_node.go):
 *
 * - the upload: dagger.json plus the `source` directory, filtered by
 *   .gitignore and by the `include` patterns of dagger.json;
 * - the introspector (how the engine learns the API): only `<source>/src`,
 *   mounted at /src/src, plus the generated client as `sdk/client.gen.ts` and
 *   a synthesized `@dagger.io/dagger` in node_modules;
 * - the runtime (how functions run): the source directory at /src/<source>
 *   without its package.json/tsconfig.json/sdk/node_modules, then the
 *   runtime's own package.json and tsconfig.json, `sdk/` holding the bundled
 *   library (exporting only the names below) and tsx as the loader.
 *
 * The bundled library is stood in for by files that re-export the pinned npm
 * package's own code, so the names the module can import are exactly the
 * bundle's and everything behind them is the real SDK.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { matchesPathOrParent } from "../support/dagger-patterns.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const sdkPackageDir = join(repoRoot, "node_modules/@dagger.io/dagger");

export interface DaggerConfig {
  readonly name: string;
  readonly engineVersion: string;
  readonly source: string;
  readonly include: readonly string[];
}

export function daggerConfig(): DaggerConfig {
  return JSON.parse(readFileSync(join(repoRoot, "dagger.json"), "utf8")) as DaggerConfig;
}

export function sdkVersion(): string {
  return (JSON.parse(readFileSync(join(sdkPackageDir, "package.json"), "utf8")) as { version: string }).version;
}

/** What the runtime's bundled `sdk/index.ts` exports besides the generated client (tsutils/module/index.ts). */
const runtimeBundleExports = [
  "connection",
  "connect",
  "Context",
  "func",
  "check",
  "generate",
  "argument",
  "object",
  "field",
  "enumType",
  "entrypoint",
] as const;

/** The version of tsx the v0.21.8 engine image bundles for the Node runtime (toolchains/engine-dev/build/sdk.go). */
export const engineTsxVersion = "4.15.6";

/**
 * Files of the module's upload: what git does not ignore (the engine loads
 * the host directory with gitignore on), kept by the include list the engine
 * builds — dagger.json, the source directory, then dagger.json's own
 * patterns; the last matching pattern wins, `!` excludes.
 */
function uploadedFiles(): string[] {
  const config = daggerConfig();
  const patterns = ["dagger.json", config.source, ...config.include].map((p) => ({
    exclude: p.startsWith("!"),
    pattern: p.replace(/^!/, ""),
  }));
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  })
    .split("\0")
    .filter(Boolean);
  return listed.filter((file) => {
    let kept = false;
    for (const p of patterns) if (matchesPathOrParent(file, p.pattern)) kept = !p.exclude;
    return kept && statSync(join(repoRoot, file), { throwIfNoEntry: false })?.isFile() === true;
  });
}

/** Files of the source directory as uploaded, relative to it. */
export function uploadedSourceFiles(): string[] {
  const source = daggerConfig().source;
  return uploadedFiles()
    .filter((file) => file.startsWith(`${source}/`))
    .map((file) => file.slice(source.length + 1));
}

/** Writes the stand-in for the runtime's bundled library into `dir`. */
function writeBundledLibrary(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const sdkIndex = join(sdkPackageDir, "dist/src/index.js");
  // core.js of the engine is the whole SDK (`bun build ./src/index.ts`): here, the npm package's build of it.
  writeFileSync(join(dir, "core.js"), `export * from ${JSON.stringify(sdkIndex)};\n`);
  writeFileSync(join(dir, "core.d.ts"), `export * from ${JSON.stringify(sdkIndex)};\n`);
  writeFileSync(
    join(dir, "index.ts"),
    [
      `export { ${runtimeBundleExports.join(", ")} } from "./core.js";`,
      `export type { ConnectOpts, CallbackFct } from "./core.js";`,
      `export * from "./client.gen.js";`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "telemetry.ts"), `export { getTracer } from "./core.js";\n`);
  // The generated client: the package's declarations as a .ts source (what the introspector resolves
  // class names in), and at run time the package's generated client code.
  const declarations = readFileSync(join(sdkPackageDir, "dist/src/api/client.gen.d.ts"), "utf8").replace(
    `from "../common/context.js"`,
    `from ${JSON.stringify(join(sdkPackageDir, "dist/src/common/context.js"))}`,
  );
  writeFileSync(
    join(dir, "client.gen.ts"),
    `${declarations}\nexport * from ${JSON.stringify(join(sdkPackageDir, "dist/src/api/client.gen.js"))};\n`,
  );
}

function listTsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return listTsFiles(path);
    return /\.m?ts$/.test(entry) ? [path] : [];
  });
}

export interface IntrospectorLayout {
  /** The introspector's working directory (/src in the engine). */
  readonly root: string;
  /** The files it scans: `src/**\/*.ts` then the generated client. */
  readonly files: string[];
}

/** The introspector container: only `<source>/src` at ./src, the client at ./sdk/client.gen.ts. */
export function assembleIntrospectorLayout(): IntrospectorLayout {
  const root = mkdtempSync(join(tmpdir(), "dagger-introspector-"));
  for (const file of uploadedSourceFiles().filter((f) => f.startsWith("src/"))) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    cpSync(join(repoRoot, daggerConfig().source, file), join(root, file));
  }
  writeBundledLibrary(join(root, "sdk"));
  writeBundledLibrary(join(root, "node_modules/@dagger.io/dagger"));
  return { root, files: [...listTsFiles(join(root, "src")), join(root, "sdk/client.gen.ts")] };
}

export interface RuntimeLayout {
  /** Stands for the container's /src. */
  readonly root: string;
  /** Stands for /src/<source>, the runtime's working directory. */
  readonly moduleDir: string;
  /** The runtime's tsconfig.json (tsx --tsconfig). */
  readonly tsconfig: string;
  /** What the runtime's entrypoint imports: every .ts file under src/, then sdk/client.gen.ts. */
  readonly files: string[];
}

const moduleConfigFiles = new Set([
  "package.json",
  "tsconfig.json",
  "package-lock.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lock",
  "bun.lockb",
  "deno.json",
  "deno.lock",
]);

/** The runtime container of the Node runtime, with its working directory /src/<source>. */
export function assembleRuntimeLayout(): RuntimeLayout {
  const source = daggerConfig().source;
  const root = mkdtempSync(join(tmpdir(), "dagger-runtime-"));
  const moduleDir = join(root, source);
  for (const file of uploadedSourceFiles()) {
    const top = file.split("/")[0]!;
    if (moduleConfigFiles.has(file) || top === "sdk" || top === "node_modules") continue;
    mkdirSync(dirname(join(moduleDir, file)), { recursive: true });
    cpSync(join(repoRoot, source, file), join(moduleDir, file));
  }
  // package.json as the runtime rewrites it: type module, typescript kept, @dagger.io/dagger dropped.
  const pkg = JSON.parse(readFileSync(join(repoRoot, source, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  pkg.dependencies = { typescript: "5.9.3", ...(pkg.dependencies ?? {}) };
  delete pkg.dependencies["@dagger.io/dagger"];
  if (pkg.devDependencies) delete pkg.devDependencies["@dagger.io/dagger"];
  writeFileSync(join(moduleDir, "package.json"), JSON.stringify({ ...pkg, type: "module" }, null, 2));
  // tsconfig.json as the runtime rewrites it: the bundled library's paths, decorators on.
  const tsconfig = JSON.parse(readFileSync(join(repoRoot, source, "tsconfig.json"), "utf8")) as {
    compilerOptions?: Record<string, unknown>;
  };
  const compilerOptions = tsconfig.compilerOptions ?? {};
  compilerOptions.paths = {
    ...((compilerOptions.paths as Record<string, string[]> | undefined) ?? {}),
    "@dagger.io/dagger": ["./sdk/index.ts"],
    "@dagger.io/dagger/telemetry": ["./sdk/telemetry.ts"],
  };
  compilerOptions.experimentalDecorators = true;
  writeFileSync(join(moduleDir, "tsconfig.json"), JSON.stringify({ ...tsconfig, compilerOptions }, null, 2));
  writeBundledLibrary(join(moduleDir, "sdk"));
  writeBundledLibrary(join(moduleDir, "node_modules/@dagger.io/dagger"));
  // With only typescript 5.9.3 as a dependency the runtime installs nothing and mounts its TypeScript.
  symlinkSync(join(repoRoot, "node_modules/typescript"), join(moduleDir, "node_modules/typescript"), "dir");
  return {
    root,
    moduleDir,
    tsconfig: join(moduleDir, "tsconfig.json"),
    files: [...listTsFiles(join(moduleDir, "src")), join(moduleDir, "sdk/client.gen.ts")],
  };
}

/** Dependencies the runtime would install besides TypeScript (none: it installs nothing then). */
export function extraRuntimeDependencies(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, daggerConfig().source, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  return Object.entries(pkg.dependencies ?? {})
    .filter(([name, version]) => !(name === "typescript" && version === "5.9.3"))
    .map(([name, version]) => `${name}@${version}`);
}
