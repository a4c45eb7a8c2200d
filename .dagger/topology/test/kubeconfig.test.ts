import { expect } from "chai";
import { assertUsableKubeconfig, kubeconfigProblems } from "../src/index.js";

/** A kubeconfig as `kubectl config view -o json` prints it for a token-based user (test/cluster feeds the real kubectl's output). */
function kubeconfig(overrides: { cluster?: Record<string, unknown>; user?: Record<string, unknown> } = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": "prod",
    contexts: [{ name: "prod", context: { cluster: "eks-prod", user: "deployer" } }],
    clusters: [
      {
        name: "eks-prod",
        cluster: { server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", "certificate-authority-data": "LS0t", ...overrides.cluster },
      },
    ],
    users: [{ name: "deployer", user: overrides.user ?? { token: "eyJhbGciOi" } }],
  });
}

describe("topology: --env=cluster kubeconfig check", () => {
  it("accepts a flattened kubeconfig with a token or embedded client certificate", () => {
    expect(kubeconfigProblems(kubeconfig())).to.deep.equal([]);
    expect(kubeconfigProblems(kubeconfig({ user: { "client-certificate-data": "LS0t", "client-key-data": "LS0t" } }))).to.deep.equal([]);
    expect(() => assertUsableKubeconfig(kubeconfig())).to.not.throw();
  });

  it("refuses a credential plugin (EKS aws, GKE gke-gcloud-auth-plugin) and says to use a service account token", () => {
    const eks = kubeconfig({
      user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token"] } },
    });
    expect(kubeconfigProblems(eks)).to.deep.equal([
      { where: "user deployer", problem: "runs a credential plugin (exec: aws), which the pipeline's container does not have" },
    ]);
    expect(() => assertUsableKubeconfig(eks)).to.throw(
      /credential plugin \(exec: aws\)[\s\S]*kubectl -n kube-system create token one-data-deployer/,
    );
    const gke = kubeconfig({ user: { exec: { command: "gke-gcloud-auth-plugin" } } });
    expect(() => assertUsableKubeconfig(gke)).to.throw(/gke-gcloud-auth-plugin/);
    expect(() => assertUsableKubeconfig(kubeconfig({ user: { "auth-provider": { name: "gcp" } } }))).to.throw(/auth-provider gcp/);
  });

  it("refuses files on the host (minikube's certificate paths, tokenFile) and says to flatten", () => {
    const minikube = kubeconfig({
      cluster: {
        "certificate-authority": "/home/me/.minikube/ca.crt",
        "certificate-authority-data": undefined,
        server: "https://192.168.49.2:8443",
      },
      user: {
        "client-certificate": "/home/me/.minikube/profiles/minikube/client.crt",
        "client-key": "/home/me/.minikube/profiles/minikube/client.key",
      },
    });
    expect(kubeconfigProblems(minikube).map((p) => p.problem)).to.deep.equal([
      "reads certificate-authority from a file on this machine (/home/me/.minikube/ca.crt)",
      "reads client-certificate from a file on this machine (/home/me/.minikube/profiles/minikube/client.crt)",
      "reads client-key from a file on this machine (/home/me/.minikube/profiles/minikube/client.key)",
    ]);
    expect(() => assertUsableKubeconfig(minikube)).to.throw(/kubectl config view --flatten --minify > kubeconfig\.flat/);
    expect(kubeconfigProblems(kubeconfig({ user: { tokenFile: "/var/run/token" } }))[0]!.problem).to.include("tokenFile");
  });

  it("refuses a server on the host's loopback (minikube's Docker driver): inside the container that is the container", () => {
    expect(kubeconfigProblems(kubeconfig({ cluster: { server: "https://127.0.0.1:32771" } }))[0]!.problem).to.include("loopback");
    expect(kubeconfigProblems(kubeconfig({ cluster: { server: "https://localhost:6443" } }))).to.have.length(1);
  });

  it("checks what the current context uses, and refuses what is not a usable kubeconfig", () => {
    const other = JSON.stringify({
      "current-context": "ok",
      contexts: [
        { name: "ok", context: { cluster: "c", user: "token" } },
        { name: "eks", context: { cluster: "c", user: "plugin" } },
      ],
      clusters: [{ name: "c", cluster: { server: "https://10.0.0.1:6443" } }],
      users: [
        { name: "token", user: { token: "t" } },
        { name: "plugin", user: { exec: { command: "aws" } } },
      ],
    });
    expect(kubeconfigProblems(other)).to.deep.equal([]);
    expect(kubeconfigProblems('{"apiVersion":"v1","kind":"Config"}')[0]!.problem).to.equal("has no current-context");
    expect(kubeconfigProblems('{"current-context":"x"}')[0]!.problem).to.include("not defined");
    expect(kubeconfigProblems("error: open /run/secrets/kubeconfig: no such file")[0]!.problem).to.match(/could not be read by kubectl/);
  });
});
