/**
 * The tools the pipeline's tool container downloads (kind, kubectl, helm):
 * pinned versions with the sha256 of each file, from a base URL the user can
 * override (`--tool-mirror=<tool>=<url>`) for networks where their hosts are
 * slow or blocked. A file whose sum does not match fails the step, naming it.
 */

export type ToolArch = "amd64" | "arm64";

export interface ToolDownload {
  readonly version: string;
  /** Where the file is served from unless `--tool-mirror` names another base. */
  readonly defaultBase: string;
  /** The file's path under the base, the same on a mirror. */
  readonly path: (arch: ToolArch) => string;
  /** sha256 of the file per architecture, and where each was read. */
  readonly sha256: Readonly<Record<ToolArch, string>>;
  readonly sumSource: string;
  /** The binary inside a `.tar.gz`, or undefined when the file is the binary. */
  readonly inArchive?: (arch: ToolArch) => string;
}

export const toolDownloads = {
  kind: {
    version: "v0.32.0",
    defaultBase: "https://kind.sigs.k8s.io/dl",
    path: (arch) => `v0.32.0/kind-linux-${arch}`,
    sha256: {
      amd64: "50030de23cf40a18505f20426f6a8506bedf13c6e509244bd1fa9463721b0f54",
      arm64: "b92cd615e97585de8ddade28ed5cd7feb4248d717c233eea5b03c37298900f5d",
    },
    sumSource:
      "kind publishes <file>.sha256sum beside each binary; those files were not readable here, so the sums are the ones at least ten public projects pin identically for v0.32.0 (amd64 and arm64): check them against kind-linux-<arch>.sha256sum when you can",
  },
  kubectl: {
    version: "v1.36.1",
    defaultBase: "https://dl.k8s.io/release",
    path: (arch) => `v1.36.1/bin/linux/${arch}/kubectl`,
    sha256: {
      amd64: "629d3f410e09bf49b64ae7079f7f0bda1191efed311f7d37fdbab0ad5b0ec2b7",
      arm64: "59f7ee8e477fae658447607dc3c8790ac17a1b016c01c622c12070e969e2d4e7",
    },
    sumSource: "kubernetes/kops pkg/assets/assetdata/k8s-1.36.yaml (generated from dl.k8s.io's .sha256 files)",
  },
  helm: {
    version: "v3.19.0",
    defaultBase: "https://get.helm.sh",
    path: (arch) => `helm-v3.19.0-linux-${arch}.tar.gz`,
    sha256: {
      amd64: "a7f81ce08007091b86d8bd696eb4d86b8d0f2e1b9f6c714be62f82f96a594496",
      arm64: "440cf7add0aee27ebc93fada965523c1dc2e0ab340d4348da2215737fc0d76ad",
    },
    sumSource: "helm v3.19.0 release notes (the checksums listed with each platform's download)",
    inArchive: (arch) => `linux-${arch}/helm`,
  },
} as const satisfies Record<string, ToolDownload>;

export type ToolName = keyof typeof toolDownloads;
export type ToolMirrors = Readonly<Partial<Record<ToolName, string>>>;

export const toolNames = Object.keys(toolDownloads) as ToolName[];

/** Where the tool container puts the binaries. */
const toolInstallDir = "/usr/local/bin";

function quoted(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The bash that downloads, checks and installs every tool into `installDir`
 * for the machine's architecture. `downloads` is the pinned table; a test
 * hands its own to prove a matching file installs.
 */
export function toolDownloadScript(
  mirrors: ToolMirrors | undefined,
  installDir: string = toolInstallDir,
  downloads: Readonly<Record<ToolName, ToolDownload>> = toolDownloads,
): string {
  const perArch = (arch: ToolArch) =>
    toolNames.map((name) => {
      const tool = downloads[name];
      const url = `${(mirrors?.[name] ?? tool.defaultBase).replace(/\/+$/, "")}/${tool.path(arch)}`;
      const install = tool.inArchive
        ? `tar -xzf "$work/${name}" -C "$work" ${quoted(tool.inArchive(arch))} && mv "$work/${tool.inArchive(arch)}" ${quoted(`${installDir}/${name}`)}`
        : `mv "$work/${name}" ${quoted(`${installDir}/${name}`)}`;
      return [`    fetch_checked ${name} ${quoted(url)} ${tool.sha256[arch]}`, `    ${install}`].join("\n");
    });
  return [
    "set -euo pipefail",
    "work=$(mktemp -d)",
    "fetch_checked() {",
    "  local name=$1 url=$2 sum=$3 got",
    '  curl -fsSL --retry 3 -o "$work/$name" "$url" || { echo "download of $name failed: $url" >&2; return 1; }',
    "  got=$(sha256sum \"$work/$name\" | cut -d' ' -f1)",
    '  if [ "$got" != "$sum" ]; then',
    '    echo "checksum mismatch for ${url##*/} ($name, from $url): sha256 $got, pinned $sum" >&2',
    "    return 1",
    "  fi",
    "}",
    `mkdir -p ${quoted(installDir)}`,
    'case "$(uname -m)" in',
    "  x86_64 | amd64)",
    ...perArch("amd64"),
    "    ;;",
    "  aarch64 | arm64)",
    ...perArch("arm64"),
    "    ;;",
    '  *) echo "no pinned tool downloads for architecture $(uname -m)" >&2; exit 1 ;;',
    "esac",
    `chmod +x ${toolNames.map((name) => quoted(`${installDir}/${name}`)).join(" ")}`,
    'rm -rf "$work"',
  ].join("\n");
}

/** `--tool-mirror` values, each `<tool>=<url>`, as a map; throws naming a value it cannot use. */
export function parseToolMirrors(values: readonly string[], checkUrl: (flag: string, value: string) => string): ToolMirrors {
  const mirrors: Partial<Record<ToolName, string>> = {};
  for (const value of values) {
    const at = value.indexOf("=");
    const name = value.slice(0, at);
    if (at < 0 || !(name in toolDownloads))
      throw new Error(`--tool-mirror takes <tool>=<url> for ${toolNames.join(", ")}, not ${JSON.stringify(value)}`);
    mirrors[name as ToolName] = checkUrl("--tool-mirror", value.slice(at + 1));
  }
  return mirrors;
}
