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
 *     entry point and environment the Dagger build gives it.
 * Prints one line per image with its reference and the archive's size, and
 * writes <out>/images.env (PAUSE_IMAGE, COREDNS_IMAGE, and OUR_IMAGE_NAMES, the
 * names of our images' archives, <name>.tar) for kube-node.sh.
 *
 *   node --import tsx --conditions=source test/node/build-images.ts <out> <tag> [node|all]
 * (`node`, the default: the node's own images and node-base; `all`: ours too.)
 * (COREDNS_BIN names the CoreDNS binary; scripts/local/kube-node.sh passes it.)
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { externalImages, imageLayout, nonRootUid, ourImageRef, ourImages, serviceImageRuntime, type OurImageKey } from "@one-data/topology";
import { assembleImageApp } from "../image-layout/assemble.js";
import { writeOciArchive } from "./oci-image.js";
import { nodeImageRefs } from "./refs.js";

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function run(command: string, args: readonly string[]): string {
  const ran = spawnSync(command, [...args], { encoding: "utf8" });
  if (ran.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${ran.stderr}`);
  return ran.stdout;
}

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
  for (const line of run("ldd", [process.execPath]).split("\n")) {
    const path = /(?:=> )?(\/\S+) \(0x/.exec(line)?.[1];
    if (!path) continue;
    mkdirSync(join(root, dirname(path)), { recursive: true });
    copyFileSync(realpathSync(path), join(root, path));
  }
  mkdirSync(join(root, "etc"));
  writeFileSync(
    join(root, "etc/passwd"),
    `root:x:0:0:root:/root:/sbin/nologin\nnode:x:${nonRootUid}:${nonRootUid}::/home/node:/sbin/nologin\n`,
  );
  writeFileSync(join(root, "etc/group"), `root:x:0:\nnode:x:${nonRootUid}:\n`);
  writeFileSync(join(root, "etc/nsswitch.conf"), "hosts: files dns\n");
  mkdirSync(join(root, "home/node"), { recursive: true });
  mkdirSync(join(root, "tmp"));
  chmodSync(join(root, "tmp"), 0o1777);
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
  const corednsBin = process.env.COREDNS_BIN;
  if (!out || !tag || !corednsBin || !existsSync(corednsBin) || !["node", "all"].includes(which)) {
    console.error("usage: COREDNS_BIN=<coredns> build-images.ts <out-dir> <tag> [node|all]");
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
      write(`${ourImages[key].name}.tar`, ourImageRef(key, tag), [base, appLayer], {
        user: serviceImageRuntime.user,
        workdir: `/app/${imageLayout(key).workdir}`,
        entrypoint: serviceImageRuntime.entrypoint,
        cmd: serviceImageRuntime.cmd,
        env: serviceImageEnv(),
      });
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
