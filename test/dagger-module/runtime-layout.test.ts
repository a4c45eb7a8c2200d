import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import {
  assembleRuntimeLayout,
  daggerConfig,
  engineTsxVersion,
  extraRuntimeDependencies,
  repoRoot,
  sdkPackageDir,
  uploadedSourceFiles,
  type RuntimeLayout,
} from "./engine-layout.js";

const tsxCli = join(repoRoot, "node_modules/tsx-engine/dist/cli.mjs");

interface EntryOutcome {
  readonly result?: unknown;
  readonly error?: string;
  readonly engineRequests: string[];
  readonly files: number;
}

/** Runs the module in the layout with the engine's tsx, as the runtime's entrypoint command does. */
function callInRuntime(layout: RuntimeLayout, fnName: string, fnArgs: Record<string, unknown>): EntryOutcome {
  const entry = join(layout.moduleDir, "src/__dagger.entrypoint.ts");
  copyFileSync(join(repoRoot, "test/dagger-module/runtime-entry.ts"), entry);
  const run = spawnSync(process.execPath, [tsxCli, "--no-deprecation", "--tsconfig", layout.tsconfig, entry], {
    cwd: layout.moduleDir,
    encoding: "utf8",
    // A deadline for a hung module, not a speed check: loading the module takes minutes on a loaded machine.
    timeout: 300_000,
    env: {
      PATH: process.env["PATH"] ?? "",
      HOME: process.env["HOME"] ?? "",
      DAGGER_SDK_DIST: join(sdkPackageDir, "dist/src"),
      DAGGER_MODULE_NAME: daggerConfig().name,
      DAGGER_FUNCTION: fnName,
      DAGGER_FUNCTION_ARGS: JSON.stringify(fnArgs),
      // The object's state as the engine hands it over: IDs of the constructor's Directory and Socket.
      DAGGER_PARENT_ARGS: JSON.stringify({ source: "directory-id-from-the-engine", docker: "socket-id-from-the-engine" }),
    },
  });
  const marker = "----- runtime-entry result -----\n";
  const at = run.stdout.indexOf(marker);
  if (run.status !== 0 || at < 0) {
    expect.fail(`the module did not load in the runtime layout (exit ${run.status}):\n${run.stderr}\n${run.stdout}`);
  }
  return JSON.parse(run.stdout.slice(at + marker.length)) as EntryOutcome;
}

describe("the Dagger module in the runtime container's layout (only the source directory, the bundle's exports, the engine's tsx)", function () {
  this.timeout(360_000);
  let layout: RuntimeLayout;

  before(() => {
    layout = assembleRuntimeLayout();
  });

  it("uses the tsx the v0.21.8 engine bundles", () => {
    expect(
      (JSON.parse(readFileSync(join(repoRoot, "node_modules/tsx-engine/package.json"), "utf8")) as { version: string }).version,
    ).to.equal(engineTsxVersion);
  });

  it("uploads the module's code and the topology, not their tests, build output or node_modules", () => {
    const files = uploadedSourceFiles();
    expect(files).to.include.members(["src/index.ts", "topology/src/index.ts", "topology/src/plan.ts", "package.json", "tsconfig.json"]);
    expect(files.filter((f) => /(^|\/)(node_modules|dist|test|sdk)\//.test(f))).to.deep.equal([]);
  });

  it("needs no npm install in the runtime (only TypeScript 5.9.3, which the runtime mounts)", () => {
    expect(extraRuntimeDependencies()).to.deep.equal([]);
  });

  it("imports every file of .dagger/src and runs `plan --env=kind` there, without an engine, printing what `npm run plan -- --env=kind` prints", () => {
    const outcome = callInRuntime(layout, "plan", { env: "Kind", istio: false, gpu: false });
    const moduleFiles = uploadedSourceFiles().filter((f) => /^src\/.*\.m?ts$/.test(f));
    expect(outcome.files, "files the entrypoint imported: the module's, itself and the client").to.equal(moduleFiles.length + 2);
    expect(outcome.error, "plan raised").to.equal(undefined);
    expect(outcome.engineRequests, "plan sent requests to the engine").to.deep.equal([]);
    const npmPlan = execFileSync("npm", ["run", "--silent", "plan", "--", "--env=kind"], { cwd: repoRoot, encoding: "utf8" });
    expect(outcome.result).to.be.a("string");
    expect((outcome.result as string).trim()).to.equal(npmPlan.trim());
  });

  it("runs `teardown --env=kind` up to the exec of its step: the script as a file, an exec that may exit non-zero, its exit code read", () => {
    const outcome = callInRuntime(layout, "teardown", { env: "Kind" });
    const queries = outcome.engineRequests.map((body) => (JSON.parse(body) as { query: string }).query);
    // The IDs of the repository's k8s/ and of the Docker socket, then the step itself, which finds no engine.
    expect(queries, outcome.error).to.have.length(3);
    expect(outcome.error).to.match(/error while requesting data/);
    const step = queries[2]!;
    expect(step).to.include('withUnixSocket (path: "/var/run/docker.sock"');
    expect(step).to.include('withNewFile (path: "/work/steps/teardown-1.1.sh"');
    expect(step).to.include(
      'withExec (args: ["timeout","300","bash","-euo","pipefail","/work/steps/teardown-1.1.sh"],expect: ANY) { exitCode',
    );
  });

  for (const [fn, args, script] of [
    ["status", { env: "Kind" }, "/work/steps/status-1.1.sh"],
    ["logs", { env: "Kind", component: "agent-api", tail: 50 }, "/work/steps/logs-1.1.sh"],
    ["seedChecks", { env: "Kind" }, "/work/steps/seed-checks-1.1.sh"],
    ["kubeconfig", { env: "Kind" }, "/work/steps/kubeconfig-1.1.sh"],
  ] as const) {
    it(`runs \`${fn} --env=kind\` up to the exec of its one step, the script as a file in the Docker-wired tool container`, () => {
      const outcome = callInRuntime(layout, fn, args);
      const queries = outcome.engineRequests.map((body) => (JSON.parse(body) as { query: string }).query);
      expect(outcome.error, "the step finds no engine").to.match(/error while requesting data/);
      const step = queries.at(-1)!;
      expect(step).to.include('withUnixSocket (path: "/var/run/docker.sock"');
      expect(step).to.include(`withNewFile (path: "${script}"`);
      expect(step).to.match(/withExec \(args: \["timeout","\d+","bash","-euo","pipefail","[^"]+"\],expect: ANY\) \{ exitCode/);
    });
  }

  it("refuses `logs` for a component the topology does not name, before any request", () => {
    const outcome = callInRuntime(layout, "logs", { env: "Kind", component: "web", tail: 10 });
    expect(outcome.error).to.match(/^no component named web; components are data-api, agent-api/);
    expect(outcome.engineRequests).to.deep.equal([]);
  });

  it("`ci --env=kind` reports deploy's failure and teardown's, not only the last one", () => {
    const outcome = callInRuntime(layout, "ci", { env: "Kind" });
    expect(outcome.error).to.match(/^ci failed in deploy and teardown\n=== deploy failed:\n/);
    expect(outcome.error).to.include("\n=== teardown failed:\n");
    const queries = outcome.engineRequests.map((body) => (JSON.parse(body) as { query: string }).query);
    expect(
      queries.some((q) => q.includes("/work/steps/teardown-1.1.sh")),
      "teardown ran after deploy failed",
    ).to.equal(true);
  });
});
