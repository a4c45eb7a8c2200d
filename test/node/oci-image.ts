/**
 * Writes an OCI image archive (an OCI image layout, tarred) from directories
 * that become its layers, the format `ctr images import` and `kind load
 * image-archive` read. Layers are uncompressed, reproducible tars (sorted,
 * numeric root ownership, fixed mtime), so an unchanged layer keeps its
 * digest and containerd stores a shared base layer once.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface ImageConfig {
  readonly user?: string;
  readonly workdir?: string;
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env?: readonly string[];
}

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

function tar(args: readonly string[]): void {
  const ran = spawnSync("tar", [...args], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (ran.status !== 0) throw new Error(`tar ${args.join(" ")} failed: ${ran.stderr}`);
}

const reproducible = [
  "--sort=name",
  "--numeric-owner",
  "--owner=0",
  "--group=0",
  "--mtime=@0",
  "--format=posix",
  "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
];

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Stores a file as a blob of the layout and returns its descriptor. */
function addBlob(layout: string, mediaType: string, file: string): Descriptor {
  const hex = sha256File(file);
  renameSync(file, join(layout, "blobs/sha256", hex));
  return { mediaType, digest: `sha256:${hex}`, size: statSync(join(layout, "blobs/sha256", hex)).size };
}

function addJsonBlob(layout: string, mediaType: string, value: unknown): Descriptor {
  const file = join(layout, "blob.json");
  writeFileSync(file, JSON.stringify(value));
  return addBlob(layout, mediaType, file);
}

/** `name` is the full reference containerd records (`docker.io/library/x:tag`). */
export function writeOciArchive(name: string, layers: readonly string[], config: ImageConfig, out: string): void {
  const layout = mkdtempSync(join(dirname(out), ".oci-"));
  try {
    mkdirSync(join(layout, "blobs/sha256"), { recursive: true });
    const layerDescriptors = layers.map((root) => {
      const file = join(layout, "layer.tar");
      tar(["-C", root, ...reproducible, "-cf", file, "."]);
      return addBlob(layout, "application/vnd.oci.image.layer.v1.tar", file);
    });
    const imageConfig = addJsonBlob(layout, "application/vnd.oci.image.config.v1+json", {
      architecture: "amd64",
      os: "linux",
      config: {
        ...(config.user ? { User: config.user } : {}),
        ...(config.workdir ? { WorkingDir: config.workdir } : {}),
        ...(config.entrypoint ? { Entrypoint: config.entrypoint } : {}),
        ...(config.cmd ? { Cmd: config.cmd } : {}),
        Env: config.env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      },
      // Uncompressed layers: the diff ID is the layer's digest.
      rootfs: { type: "layers", diff_ids: layerDescriptors.map((d) => d.digest) },
    });
    const manifest = addJsonBlob(layout, "application/vnd.oci.image.manifest.v1+json", {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: imageConfig,
      layers: layerDescriptors,
    });
    writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    writeFileSync(
      join(layout, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          {
            ...manifest,
            platform: { architecture: "amd64", os: "linux" },
            annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": name.slice(name.lastIndexOf(":") + 1) },
          },
        ],
      }),
    );
    tar(["-C", layout, ...reproducible, "-cf", out, "oci-layout", "index.json", "blobs"]);
  } finally {
    rmSync(layout, { recursive: true, force: true });
  }
}
