import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { defaultImageTag } from "./images.js";
import { parsePhases, type Env } from "./plan.js";
import { formatPlanAndRequests } from "./print.js";
import { checkedSources, parseRegistryMirrors, parseToolMirrorFlags } from "./sources.js";
import { exportLines, localServerEnv, localSecrets, startedServers } from "./local-wiring.js";
import { renderedManifestFiles } from "./render.js";

/**
 * Plain-Node entry points (no Dagger needed):
 *   npm run plan -- --env=kind [--phases=infra,data] [--istio] [--gpu] [--registry=R] [--image-tag=T]
 *                   [--hf-endpoint=URL] [--modelscope] [--npm-registry=URL] [--registry-mirror=docker.io=URL,...]
 *   npm run render   (rewrites k8s/manifests/*.yaml from the topology)
 *   cli.ts local-env STATE_DIR SERVER=PORT...   (the services' variables for the local servers, as export lines)
 *   cli.ts local-secret STATE_DIR NAME           (one generated secret of the state directory)
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const manifestsDir = join(repoRoot, "k8s/manifests");

function yamlFileName(jsonName: string): string {
  return jsonName.replace(/\.json$/, ".yaml");
}

export function renderedYamlFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, items] of Object.entries(renderedManifestFiles())) {
    const header = "# Rendered from .dagger/topology by `npm run render`; do not edit by hand.\n";
    out[yamlFileName(name)] = header + items.map((item) => stringify(item, { lineWidth: 0 })).join("---\n");
  }
  return out;
}

function main(argv: string[]): void {
  const [command, ...rest] = argv;
  if (command === "render") {
    mkdirSync(manifestsDir, { recursive: true });
    for (const old of readdirSync(manifestsDir)) if (old.endsWith(".yaml")) rmSync(join(manifestsDir, old));
    for (const [name, text] of Object.entries(renderedYamlFiles())) writeFileSync(join(manifestsDir, name), text);
    console.log(`wrote ${Object.keys(renderedYamlFiles()).length} files to ${manifestsDir}`);
    return;
  }
  if (command === "local-env") {
    const [stateDir, ...servers] = rest;
    if (!stateDir) throw new Error("local-env: the state directory is missing");
    process.stdout.write(exportLines(localServerEnv(startedServers(servers), stateDir)));
    return;
  }
  if (command === "local-secret") {
    const [stateDir, name] = rest;
    const secrets = localSecrets(stateDir ?? "");
    if (!stateDir || !name || !Object.hasOwn(secrets, name))
      throw new Error(`local-secret: expected STATE_DIR and one of ${Object.keys(secrets).join(", ")}`);
    console.log(secrets[name as keyof typeof secrets]);
    return;
  }
  if (command !== "plan") {
    console.error(
      "usage: cli.ts plan --env=kind|cluster [--phases=a,b] [--istio] [--gpu] [--registry=R] [--image-tag=T] [--hf-endpoint=URL] [--modelscope] [--npm-registry=URL] [--registry-mirror=docker.io=URL,...] [--tool-mirror=helm=URL,...] [--weights=DIR] | render | local-env STATE_DIR SERVER=PORT... | local-secret STATE_DIR NAME",
    );
    process.exit(2);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      env: { type: "string", default: "kind" },
      phases: { type: "string" },
      istio: { type: "boolean", default: false },
      gpu: { type: "boolean", default: false },
      registry: { type: "string" },
      "image-tag": { type: "string", default: defaultImageTag },
      "hf-endpoint": { type: "string" },
      modelscope: { type: "boolean", default: false },
      "npm-registry": { type: "string" },
      "registry-mirror": { type: "string", multiple: true },
      "tool-mirror": { type: "string", multiple: true },
      weights: { type: "string" },
    },
  });
  if (values.env !== "kind" && values.env !== "cluster") {
    console.error(`--env must be kind or cluster, not ${values.env}`);
    process.exit(2);
  }
  console.log(
    formatPlanAndRequests({
      env: values.env as Env,
      phases: parsePhases(values.phases),
      imageTag: values["image-tag"],
      istio: values.istio,
      accelerator: { gpu: values.gpu, arch: "amd64" },
      ...(values.registry ? { registry: values.registry } : {}),
      sources: checkedSources({
        ...(values.weights ? { localWeights: true } : {}),
        ...(values["hf-endpoint"] ? { hfEndpoint: values["hf-endpoint"] } : {}),
        modelscope: values.modelscope,
        ...(values["npm-registry"] ? { npmRegistry: values["npm-registry"] } : {}),
        ...(values["registry-mirror"]
          ? { registryMirrors: parseRegistryMirrors(values["registry-mirror"].flatMap((v) => v.split(","))) }
          : {}),
        ...(values["tool-mirror"] ? { toolMirrors: parseToolMirrorFlags(values["tool-mirror"].flatMap((v) => v.split(","))) } : {}),
      }),
    }),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
}
