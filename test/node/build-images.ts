/**
 * The test node's images, as OCI archives in <out> (no registry serves any
 * image here):
 *   - pause: the sandbox process (pause.c, static);
 *   - coredns: the CoreDNS binary the install built (static);
 *   - node-base: the Node binary the build machines run (the pinned Node
 *     image's version) with exactly the shared libraries it loads, a passwd
 *     with the `node` user and /tmp; the base layer of every image below;
 *   - each of our images: node-base plus /app as `imageLayout` lays it out
 *     (test/image-layout/assemble.ts), with the user, working directory,
 *     entry point and environment the Dagger build gives it;
 *   - the infra stand-ins (test/node/infra-images.ts): MariaDB, Redis, MinIO
 *     and Milvus Lite, the servers the test command runs, as images;
 *   - the model stand-ins, in vLLM's place: node-base plus
 *     test/node/model-stand-in.ts bundled (the gating acceptance's scripted
 *     model double), and node-base plus services/model-server with the small
 *     model (the recorded acceptance's; test/node/model-server-image.ts);
 *   - the vLLM loader stand-in: busybox-static with what the `--weights`
 *     loader pods run in the vLLM image (sleep; mkdir, test and tar for
 *     `kubectl exec` and `kubectl cp`), under the vLLM image's name.
 * Prints one line per image with its reference and the archive's size, and
 * writes <out>/images.env (PAUSE_IMAGE, COREDNS_IMAGE, and OUR_IMAGE_NAMES, the
 * names of our images' archives, <name>.tar) for kube-node.sh.
 *
 *   node --import tsx --conditions=source test/node/build-images.ts <out> <tag> [node|all]
 * (`node`, the default: the node's own images and node-base; `all`: ours and the infra stand-ins too.)
 * (COREDNS_BIN names the CoreDNS binary, MINIO_BIN, PYTHON_ENV and MODEL_PATH
 * the MinIO binary, the venv and the GGUF `all` needs; scripts/local/kube-node.sh
 * passes them.)
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { buildSync } from "esbuild";
import { externalImages, imageLayout, nonRootUid, ourImageRef, ourImages, serviceImageRuntime, type OurImageKey } from "@one-data/topology";
import { assembleImageApp } from "../image-layout/assemble.js";
import { writeOciArchive } from "./oci-image.js";
import { infraImageRoot } from "./infra-images.js";
import { modelServerImageRoot } from "./model-server-image.js";
import { brokenAgentTag, infraImageRefs, nodeImageRefs, type InfraStandIn } from "./refs.js";
import { baseFiles, copySharedLibraries, run, withBusybox } from "./root-fs.js";

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function sizeMiB(file: string): string {
  return `${(statSync(file).size / 2 ** 20).toFixed(1)} MiB`;
}

function singleBinaryLayer(scratch: string, name: string, binary: string): string {
  const root = join(scratch, name);
  mkdirSync(root, { recursive: true });
  copyFileSync(binary, join(root, name));
  chmodSync(join(root, name), 0o755);
  return root;
}

/** The Node binary and what `ldd` says it loads, at the paths it loads them from. */
function nodeBaseLayer(scratch: string): string {
  const nodeVersion = run(process.execPath, ["--version"]).trim().slice(1);
  const pinned = externalImages.node.tag.split("-")[0];
  if (nodeVersion !== pinned)
    throw new Error(`this machine's Node is ${nodeVersion}, the pinned Node image ${pinned}: the base would not match it`);
  const root = join(scratch, "node-base");
  mkdirSync(join(root, "usr/local/bin"), { recursive: true });
  copyFileSync(process.execPath, join(root, "usr/local/bin/node"));
  copySharedLibraries(root, [process.execPath]);
  baseFiles(root, { node: nonRootUid });
  // The acceptance Job runs `/bin/sh -c` (the pinned Node image is Debian, with a shell).
  withBusybox(root);
  return root;
}

/** What the `--weights` loader pods need of the vLLM image: `sleep` as their command, `mkdir`, `test` and `tar` for kubectl. */
function vllmLoaderStandInLayer(scratch: string): string {
  const root = join(scratch, "vllm-loader-stand-in");
  mkdirSync(root, { recursive: true });
  baseFiles(root, {});
  withBusybox(root, ["sh", "sleep", "mkdir", "test", "tar"]);
  return root;
}

/**
 * The agent image broken on purpose (verify must fail on it): its chat route
 * registered under another path, so the service starts and is ready but
 * POST /api/v1/chat is not served.
 */
function brokenChatLayer(scratch: string, appRoot: string, workdir: string): string {
  const route = join(workdir, "dist/routes/chat.js");
  const source = readFileSync(join(appRoot, route), "utf8");
  if (!source.includes('"/api/v1/chat"'))
    throw new Error(`${route} no longer registers "/api/v1/chat": the broken agent image would not be broken`);
  const root = join(scratch, "agent-broken");
  const target = join(root, "app", route);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, source.replace('"/api/v1/chat"', '"/api/v1/chat-not-served"'));
  return root;
}

function serviceImageEnv(): string[] {
  return [
    defaultPath,
    `NODE_VERSION=${externalImages.node.tag.split("-")[0]}`,
    ...Object.entries(serviceImageRuntime.env).map(([k, v]) => `${k}=${v}`),
  ];
}

function main(): void {
  const [out, tag, which = "node"] = process.argv.slice(2);
  const { COREDNS_BIN: corednsBin, MINIO_BIN: minioBin, PYTHON_ENV: pythonEnv, MODEL_PATH: modelPath } = process.env;
  const toolsGiven =
    corednsBin && existsSync(corednsBin) && (which === "node" || (minioBin && pythonEnv && modelPath && existsSync(modelPath)));
  if (!out || !tag || !toolsGiven || !["node", "all"].includes(which)) {
    console.error(
      "usage: COREDNS_BIN=<coredns> [MINIO_BIN=<minio> PYTHON_ENV=<venv> MODEL_PATH=<gguf>] build-images.ts <out-dir> <tag> [node|all]",
    );
    process.exit(2);
  }
  mkdirSync(out, { recursive: true });
  const scratch = mkdtempSync(join(out, ".build-"));
  try {
    const pauseBin = join(scratch, "pause.bin");
    run("gcc", ["-static", "-O2", "-s", "-o", pauseBin, join(import.meta.dirname, "pause.c")]);
    const archives: [string, string][] = [];
    const write = (file: string, ref: string, layers: string[], config: Parameters<typeof writeOciArchive>[2]) => {
      writeOciArchive(ref, layers, config, join(out, file));
      archives.push([ref, join(out, file)]);
    };
    write("pause.tar", nodeImageRefs.pause, [singleBinaryLayer(scratch, "pause", pauseBin)], { entrypoint: ["/pause"] });
    write("coredns.tar", nodeImageRefs.coredns, [singleBinaryLayer(scratch, "coredns", corednsBin)], { entrypoint: ["/coredns"] });
    const base = nodeBaseLayer(scratch);
    write("node-base.tar", nodeImageRefs.nodeBase, [base], { entrypoint: ["node"], env: [defaultPath] });
    for (const key of which === "all" ? (Object.keys(ourImages) as OurImageKey[]) : []) {
      const appLayer = join(scratch, `app-${key}`);
      const problems = assembleImageApp(key, join(appLayer, "app"));
      if (problems.length > 0) throw new Error(`${ourImages[key].name}: ${problems.join("; ")}`);
      const runtime = {
        user: serviceImageRuntime.user,
        workdir: `/app/${imageLayout(key).workdir}`,
        entrypoint: serviceImageRuntime.entrypoint,
        cmd: serviceImageRuntime.cmd,
        env: serviceImageEnv(),
      };
      write(`${ourImages[key].name}.tar`, ourImageRef(key, tag), [base, appLayer], runtime);
      if (key === "agentApi") {
        const broken = brokenChatLayer(scratch, join(appLayer, "app"), imageLayout(key).workdir);
        write(`${ourImages[key].name}-broken.tar`, ourImageRef(key, brokenAgentTag(tag)), [base, appLayer, broken], runtime);
      }
    }
    for (const key of which === "all" ? (Object.keys(infraImageRefs) as InfraStandIn[]) : []) {
      const image = infraImageRoot(key, join(scratch, `infra-${key}`), { minioBin: minioBin!, pythonEnv: pythonEnv! });
      write(`${key}-stand-in.tar`, image.ref, [join(scratch, `infra-${key}`)], image.config);
    }
    if (which === "all") {
      const standIn = join(scratch, "model-stand-in");
      buildSync({
        entryPoints: [join(import.meta.dirname, "model-stand-in.ts")],
        bundle: true,
        platform: "node",
        format: "esm",
        target: `node${process.versions.node.split(".")[0]}`,
        outfile: join(standIn, "app/model-stand-in.mjs"),
        logLevel: "error",
      });
      write("model-stand-in.tar", nodeImageRefs.modelStandIn, [base, standIn], {
        user: String(nonRootUid),
        workdir: "/app",
        entrypoint: ["node", "/app/model-stand-in.mjs"],
        env: [defaultPath],
      });
      write("vllm-loader-stand-in.tar", nodeImageRefs.vllmLoaderStandIn, [vllmLoaderStandInLayer(scratch)], { env: [defaultPath] });
      const modelServer = join(scratch, "model-server-stand-in");
      const modelServerConfig = modelServerImageRoot(modelServer, modelPath!);
      write("model-server-stand-in.tar", nodeImageRefs.modelServerStandIn, [base, modelServer], modelServerConfig);
    }
    const ourNames = Object.values(ourImages).map((image) => image.name);
    writeFileSync(
      join(out, "images.env"),
      `PAUSE_IMAGE=${nodeImageRefs.pause}\nCOREDNS_IMAGE=${nodeImageRefs.coredns}\nOUR_IMAGE_NAMES="${ourNames.join(" ")}"\n`,
    );
    for (const [ref, file] of archives) console.log(`image ${ref}: ${basename(file)} ${sizeMiB(file)}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main();
