import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { componentNames, phaseOrder } from "@one-data/topology";
import { daggerConfig, sdkPackageDir, sdkVersion } from "./engine-layout.js";
import { kebab, listingPath, renderListing, scanModule, type ScannedModule } from "./api-listing.js";

/** Every function that takes the target. */
const functionsTakingEnv = [
  "deploy",
  "verify",
  "verifyReport",
  "teardown",
  "ci",
  "plan",
  "kubeconfig",
  "forward",
  "status",
  "logs",
  "seedChecks",
];

/** Names the generated client declares (classes, enums, types): a module type must not reuse one. */
function coreTypeNames(): Set<string> {
  const text = readFileSync(join(sdkPackageDir, "dist/src/api/client.gen.d.ts"), "utf8");
  return new Set([...text.matchAll(/^export (?:declare )?(?:class|enum|type|interface) ([A-Za-z_][A-Za-z0-9_]*)/gm)].map((m) => m[1]!));
}

describe("the Dagger module as the engine's introspector sees it (SDK's own scan over .dagger/src)", function () {
  this.timeout(120_000);
  let module: ScannedModule;

  before(async () => {
    module = await scanModule();
  });

  it("scans with the SDK pinned to the module's engine version", () => {
    expect(`v${sdkVersion()}`).to.equal(daggerConfig().engineVersion);
  });

  it("gives --env as an enum of kind and cluster on deploy, verify, verify-report, teardown, ci and plan", () => {
    const main = module.objects["OneDataStudio"];
    expect(main, "main object").to.not.equal(undefined);
    for (const fn of functionsTakingEnv) {
      const env = main!.methods[fn]?.arguments["env"];
      expect(env, `${kebab(fn)} has an env argument`).to.not.equal(undefined);
      expect(env!.type?.kind, `${kebab(fn)} --env kind of type (${env!.type?.name})`).to.equal("ENUM_KIND");
      const members = module.enums[env!.type!.name!];
      expect(members, `${kebab(fn)} --env is one of the module's enums, not a core type`).to.not.equal(undefined);
      expect(
        Object.values(members!.values)
          .map((m) => m.value)
          .sort(),
      ).to.deep.equal(["cluster", "kind"]);
      expect(env!.defaultValue, `${kebab(fn)} --env defaults to kind`).to.equal("kind");
    }
  });

  it("takes --tool-mirror on every function that reaches a cluster, so a restricted network can run all of them", () => {
    const methods = module.objects["OneDataStudio"]!.methods;
    const reaching = Object.entries(methods).filter(([, method]) => method.arguments["kubeconfig"] !== undefined);
    expect(reaching.length, "functions taking --kubeconfig").to.be.greaterThan(8);
    for (const [fn, method] of reaching) expect(method.arguments["toolMirror"], `${kebab(fn)} --tool-mirror`).to.not.equal(undefined);
  });

  it("takes --phases as a list of the module's phase enum, in the plan's order, and --registry as optional", () => {
    const methods = module.objects["OneDataStudio"]!.methods;
    for (const fn of ["plan", "deploy"]) {
      const phases = methods[fn]!.arguments["phases"]!;
      expect(phases.type?.kind, `${fn} --phases`).to.equal("LIST_KIND");
      expect(phases.type?.typeDef?.kind, `${fn} --phases items`).to.equal("ENUM_KIND");
      const members = module.enums[phases.type!.typeDef!.name!];
      expect(
        Object.values(members!.values).map((m) => m.value),
        "the module's phases are the plan's",
      ).to.deep.equal([...phaseOrder]);
      expect(phases.isOptional, `${fn} --phases optional`).to.equal(true);
    }
    for (const fn of ["plan", "deploy", "ci"]) {
      const registry = methods[fn]!.arguments["registry"]!;
      expect(registry.isOptional, `${fn} --registry optional`).to.equal(true);
      expect(registry.defaultValue, `${fn} --registry has no "" default`).to.equal(undefined);
    }
  });

  it("lists in `logs --help` exactly the topology's component names", () => {
    const doc = module.objects["OneDataStudio"]!.methods["logs"]!.description ?? "";
    const listed = /Components:\s*([^.]+)\./.exec(doc.replace(/\s+/g, " "))?.[1]?.split(", ");
    expect(listed).to.deep.equal(componentNames);
  });

  it("exposes test as a check (what `dagger check` runs) and nothing that changes a cluster", () => {
    const methods = module.objects["OneDataStudio"]!.methods;
    expect(
      Object.values(methods)
        .filter((fn) => fn.isCheck)
        .map((fn) => fn.name),
    ).to.deep.equal(["test"]);
  });

  it("names no module type like a core API type (it would resolve to the core type)", () => {
    const core = coreTypeNames();
    expect(core.has("Env"), "the generated client is read").to.equal(true);
    const ours = [...Object.keys(module.objects), ...Object.keys(module.enums), ...Object.keys(module.interfaces)];
    expect(ours.filter((name) => core.has(name))).to.deep.equal([]);
  });

  it("marks every function that changes a cluster as never cached", () => {
    const methods = module.objects["OneDataStudio"]!.methods;
    for (const fn of [
      "deploy",
      "verify",
      "verifyReport",
      "teardown",
      "ci",
      "test",
      "kubeconfig",
      "forward",
      "status",
      "logs",
      "seedChecks",
    ]) {
      expect(methods[fn]?.cache, kebab(fn)).to.equal("never");
    }
  });

  it("matches the committed listing (.dagger/api.txt; `npm run dagger:api` rewrites it)", () => {
    const committed = readFileSync(listingPath, "utf8");
    const actual = renderListing(module);
    if (actual !== committed) {
      const a = actual.split("\n");
      const c = committed.split("\n");
      const line = a.findIndex((l, i) => l !== c[i]);
      expect.fail(
        `the module's API drifted from .dagger/api.txt at line ${line + 1}:\n  committed: ${c[line] ?? "<end>"}\n  now:       ${a[line] ?? "<end>"}`,
      );
    }
  });
});
