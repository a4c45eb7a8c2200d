import { dag, type Container, type Directory, type Secret, type Socket } from "@dagger.io/dagger";
import {
  externalImages,
  imageRef,
  mountedKubeconfigPath,
  tools,
  type Env,
} from "../topology/src/index.js";

/**
 * The tool container every cluster step runs in: kind, kubectl and helm at
 * pinned versions plus the docker CLI (Kind talks to the host's Docker).
 */
export function toolbox(): Container {
  const arch = `$(uname -m | sed -e s/x86_64/amd64/ -e s/aarch64/arm64/)`;
  return dag
    .container()
    .from(imageRef(externalImages.toolbox))
    .withExec(["apk", "add", "--no-cache", "bash", "curl", "coreutils", "docker-cli", "openssl", "tar"])
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

export interface ClusterAccess {
  readonly env: Env;
  readonly source: Directory;
  readonly docker?: Socket;
  readonly kubeconfig?: Secret;
  readonly hfToken?: Secret;
  /** `--env=cluster`: credentials of the registry our images are pulled from, for the pull Secret. */
  readonly registryAuth?: { readonly username: string; readonly password: Secret };
}

/** The toolbox wired to the cluster: repository at /src, Docker socket or kubeconfig. */
export function clusterToolbox(access: ClusterAccess): Container {
  let ctr = toolbox().withMountedDirectory("/src", access.source.filter({ include: ["k8s/**"] }));
  if (access.env === "kind") {
    if (!access.docker) {
      throw new Error("--env=kind needs the host's Docker socket: --docker=/var/run/docker.sock (the committed .env sets it)");
    }
    ctr = ctr.withUnixSocket("/var/run/docker.sock", access.docker);
  } else {
    if (!access.kubeconfig) throw new Error("--env=cluster needs --kubeconfig=file://$HOME/.kube/config");
    ctr = ctr.withMountedSecret(mountedKubeconfigPath, access.kubeconfig);
  }
  if (access.hfToken) ctr = ctr.withSecretVariable("HF_TOKEN", access.hfToken);
  if (access.registryAuth) {
    ctr = ctr.withEnvVariable("REGISTRY_USERNAME", access.registryAuth.username).withSecretVariable("REGISTRY_PASSWORD", access.registryAuth.password);
  }
  return ctr;
}
