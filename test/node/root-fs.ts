/**
 * Building blocks of the test node's image root filesystems: a file copied
 * with exactly the shared libraries `ldd` says it loads, at the paths it
 * loads them from, and the small files every image needs.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export function run(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): string {
  const ran = spawnSync(command, [...args], { encoding: "utf8", maxBuffer: 1 << 26, ...(env ? { env } : {}) });
  if (ran.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${ran.stderr}`);
  return ran.stdout;
}

/** Copies a file to the same path under root (following symlinks), creating its directory. */
function copyInto(root: string, path: string, mode?: number): void {
  const target = join(root, path);
  if (existsSync(target)) return;
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(realpathSync(path), target);
  if (mode !== undefined) chmodSync(target, mode);
}

/** The shared libraries each of the files loads, copied to the paths they load them from. */
export function copySharedLibraries(imageRoot: string, files: readonly string[]): void {
  const root = resolve(imageRoot);
  for (const file of files) {
    const ran = spawnSync("ldd", [file], { encoding: "utf8" });
    // "not a dynamic executable": a static binary or a data file, nothing to add.
    if (ran.status !== 0) continue;
    for (const line of ran.stdout.split("\n")) {
      const path = /(?:=> )?(\/\S+) \(0x/.exec(line)?.[1];
      // A library found beside the file ($ORIGIN) is in the image already.
      if (path && !path.startsWith(`${root}/`)) copyInto(root, path);
    }
  }
}

/** A binary at its own path with the libraries it loads. */
export function copyBinary(root: string, binary: string): void {
  copyInto(root, binary, 0o755);
  copySharedLibraries(root, [binary]);
}

/** passwd and group naming the given uids, nsswitch for DNS, a world-writable /tmp. */
export function baseFiles(root: string, users: Readonly<Record<string, number>>): void {
  mkdirSync(join(root, "etc"), { recursive: true });
  const entries = Object.entries(users);
  writeFileSync(
    join(root, "etc/passwd"),
    [
      "root:x:0:0:root:/root:/sbin/nologin",
      ...entries.map(([name, uid]) => `${name}:x:${uid}:${uid}::/home/${name}:/sbin/nologin`),
      "",
    ].join("\n"),
  );
  writeFileSync(join(root, "etc/group"), ["root:x:0:", ...entries.map(([name, uid]) => `${name}:x:${uid}:`), ""].join("\n"));
  writeFileSync(join(root, "etc/nsswitch.conf"), "hosts: files dns\n");
  for (const name of Object.keys(users)) mkdirSync(join(root, "home", name), { recursive: true });
  mkdirSync(join(root, "tmp"), { recursive: true });
  chmodSync(join(root, "tmp"), 0o1777);
}

const startScriptApplets = ["sh", "cp", "mkdir", "cat"];

/**
 * busybox-static with the given applets in /bin: by default a shell and the few tools start scripts use (`sh -c`, as
 * the Node base image's Debian has them).
 */
export function withBusybox(root: string, applets: readonly string[] = startScriptApplets): void {
  copyInto(root, "/usr/bin/busybox", 0o755);
  mkdirSync(join(root, "bin"), { recursive: true });
  for (const applet of applets) symlinkSync("/usr/bin/busybox", join(root, "bin", applet));
}
