import { dag, type Container } from "@dagger.io/dagger";
import { externalImages, imageRef, tools } from "../topology/src/index.js";

/**
 * The tool container every cluster step runs in: kind, kubectl and helm at
 * pinned versions plus the docker CLI (Kind talks to the host's Docker), and
 * Node, which the seed's check script reads JSON with.
 */
export function toolbox(): Container {
  const arch = `$(uname -m | sed -e s/x86_64/amd64/ -e s/aarch64/arm64/)`;
  return dag
    .container()
    .from(imageRef(externalImages.toolbox))
    .withExec(["apk", "add", "--no-cache", "bash", "curl", "coreutils", "docker-cli", "nodejs", "openssl", "tar"])
    .withExec([
      "sh",
      "-ec",
      [
        `curl -fsSLo /usr/local/bin/kind https://kind.sigs.k8s.io/dl/${tools.kind}/kind-linux-${arch}`,
        `curl -fsSLo /usr/local/bin/kubectl https://dl.k8s.io/release/${tools.kubectl}/bin/linux/${arch}/kubectl`,
        `curl -fsSL https://get.helm.sh/helm-${tools.helm}-linux-${arch}.tar.gz | tar -xz -C /tmp`,
        `mv /tmp/linux-*/helm /usr/local/bin/helm`,
        `chmod +x /usr/local/bin/kind /usr/local/bin/kubectl /usr/local/bin/helm`,
        `mkdir -p /work`,
        `kind version && kubectl version --client && helm version --short`,
      ].join("\n"),
    ]);
}
