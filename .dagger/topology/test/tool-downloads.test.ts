import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { arch as hostArch, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "chai";
import {
  checkedSources,
  formatPlanAndRequests,
  parseToolMirrorFlags,
  toolDownloadScript,
  toolDownloads,
  toolNames,
  type ToolArch,
  type ToolDownload,
  type ToolMirrors,
  type ToolName,
} from "../src/index.js";

const arch: ToolArch = hostArch() === "arm64" ? "arm64" : "amd64";

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the generated bash for real (asynchronously: the file server answers from this process). */
function runScript(script: string): Promise<Ran> {
  return new Promise((resolve) => {
    execFile("bash", ["-c", script], { encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** A static file server on loopback over `root`, as a mirror of the tools' release hosts. */
async function serve(root: string): Promise<{ server: Server; base: string }> {
  const server = createServer((request, response) => {
    const file = join(root, decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname));
    if (!file.startsWith(root) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function put(root: string, path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

const sha256 = (content: string | Buffer) => createHash("sha256").update(content).digest("hex");

describe("topology: the tool downloads (kind, kubectl, helm)", function () {
  this.timeout(120_000);
  let root: string;
  let installDir: string;
  let server: Server;
  let mirrors: ToolMirrors;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), "tool-mirror-"));
    installDir = mkdtempSync(join(tmpdir(), "tool-install-"));
    const served = await serve(root);
    server = served.server;
    mirrors = Object.fromEntries(toolNames.map((name) => [name, `${served.base}/${name}`]));
  });
  afterEach(() => {
    server.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(installDir, { recursive: true, force: true });
  });

  /** Tool doubles: a shell script per tool printing its name, helm inside a .tar.gz as released. */
  function serveDoubles(): Record<ToolName, string> {
    const sums = {} as Record<ToolName, string>;
    for (const name of toolNames) {
      const tool: ToolDownload = toolDownloads[name];
      const binary = `#!/bin/sh\necho "${name} double"\n`;
      if (tool.inArchive) {
        const staging = mkdtempSync(join(tmpdir(), "tool-archive-"));
        put(staging, tool.inArchive(arch), binary);
        const archive = join(staging, "archive.tar.gz");
        execFileSync("tar", ["-czf", archive, "-C", staging, tool.inArchive(arch)]);
        const bytes = readFileSync(archive);
        put(root, `${name}/${tool.path(arch)}`, bytes);
        sums[name] = sha256(bytes);
        rmSync(staging, { recursive: true, force: true });
      } else {
        put(root, `${name}/${tool.path(arch)}`, binary);
        sums[name] = sha256(binary);
      }
    }
    return sums;
  }

  it("fails the step on a file whose sha256 is not the pinned one, naming the file, and installs nothing", async () => {
    serveDoubles();
    const ran = await runScript(toolDownloadScript(mirrors, installDir));
    expect(ran.code).to.not.equal(0);
    const file = toolDownloads.kind.path(arch).split("/").pop()!;
    expect(ran.stderr).to.match(
      new RegExp(`checksum mismatch for ${file} \\(kind, from ${mirrors.kind}/${toolDownloads.kind.path(arch)}\\)`),
    );
    expect(ran.stderr).to.include(`pinned ${toolDownloads.kind.sha256[arch]}`);
    expect(existsSync(join(installDir, "kind"))).to.equal(false);
  });

  it("installs every tool from the mirror when each file matches its sum", async () => {
    const sums = serveDoubles();
    const table = Object.fromEntries(
      toolNames.map((name) => [name, { ...toolDownloads[name], sha256: { amd64: sums[name], arm64: sums[name] } }]),
    ) as Record<ToolName, ToolDownload>;
    const ran = await runScript(toolDownloadScript(mirrors, installDir, table));
    expect(ran.code, ran.stderr).to.equal(0);
    for (const name of toolNames) expect(execFileSync(join(installDir, name), { encoding: "utf8" })).to.equal(`${name} double\n`);
  });

  it("fails naming the tool and URL when the mirror does not have the file", async () => {
    const ran = await runScript(toolDownloadScript(mirrors, installDir));
    expect(ran.code).to.not.equal(0);
    expect(ran.stderr).to.include(`download of kind failed: ${mirrors.kind}/${toolDownloads.kind.path(arch)}`);
  });

  it("pins a sha256 for each tool and architecture and downloads from the release hosts unless told otherwise", () => {
    for (const name of toolNames) {
      for (const a of ["amd64", "arm64"] as const) expect(toolDownloads[name].sha256[a]).to.match(/^[0-9a-f]{64}$/);
      expect(toolDownloads[name].path("amd64")).to.include(toolDownloads[name].version);
    }
    const script = toolDownloadScript(undefined);
    expect(script).to.include("'https://dl.k8s.io/release/v1.36.1/bin/linux/amd64/kubectl'");
    expect(script).to.include("'https://get.helm.sh/helm-v3.19.0-linux-arm64.tar.gz'");
    expect(script).to.include("'https://kind.sigs.k8s.io/dl/v0.32.0/kind-linux-amd64'");
  });

  it("passes shellcheck, from the release hosts and through mirrors", () => {
    for (const script of [toolDownloadScript(undefined), toolDownloadScript(mirrors, installDir)]) {
      const dir = mkdtempSync(join(tmpdir(), "tool-shellcheck-"));
      writeFileSync(join(dir, "install-tools.sh"), `#!/usr/bin/env bash\n${script}\n`);
      chmodSync(join(dir, "install-tools.sh"), 0o755);
      try {
        execFileSync("shellcheck", ["-s", "bash", join(dir, "install-tools.sh")], { encoding: "utf8" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("takes --tool-mirror as <tool>=<url>, refuses anything else, and plan shows where each tool comes from", () => {
    const parsed = parseToolMirrorFlags(["helm=https://mirrors.example.cn/helm/v3.19.0/", "kind=http://10.0.0.1:8080/kind"]);
    expect(parsed).to.deep.equal({ helm: "https://mirrors.example.cn/helm/v3.19.0", kind: "http://10.0.0.1:8080/kind" });
    expect(() => parseToolMirrorFlags(["docker=https://x"])).to.throw(/--tool-mirror takes <tool>=<url> for kind, kubectl, helm/);
    expect(() => parseToolMirrorFlags(["helm=ftp://x"])).to.throw(/--tool-mirror must be an http\(s\) URL/);
    const text = formatPlanAndRequests({ env: "kind", imageTag: "t", istio: false, sources: checkedSources({ toolMirrors: parsed }) });
    expect(text).to.include(
      "tools (sha256-checked): kind v0.32.0 from http://10.0.0.1:8080/kind, kubectl v1.36.1 from https://dl.k8s.io/release, helm v3.19.0 from https://mirrors.example.cn/helm/v3.19.0",
    );
  });
});
