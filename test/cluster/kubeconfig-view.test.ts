import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { kubeconfigProblems, kubeconfigViewScript } from "@one-data/topology";
import { requireKube, type Kube } from "./support/kube.js";

/**
 * The module checks a --env=cluster kubeconfig from what the real kubectl
 * prints for it (`kubeconfigViewScript`), not from a YAML parse of its own:
 * these kubeconfigs, written as users have them, go through that kubectl.
 */
function viewed(kube: Kube, yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "kubeconfig-view-"));
  try {
    const file = join(dir, "config");
    writeFileSync(file, yaml, { mode: 0o600 });
    const [command, ...args] = kubeconfigViewScript.split(" ");
    expect(command).to.equal("kubectl");
    const ran = spawnSync(kube.kubectl, args, { encoding: "utf8", timeout: 20_000, env: { ...process.env, KUBECONFIG: file } });
    expect(ran.status, ran.stderr).to.equal(0);
    return ran.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kubeconfig = (user: string, cluster = "    server: https://10.0.0.1:6443\n    certificate-authority-data: LS0t") => `apiVersion: v1
kind: Config
current-context: prod
contexts:
- name: prod
  context:
    cluster: prod
    user: deployer
clusters:
- name: prod
  cluster:
${cluster}
users:
- name: deployer
  user:
${user}
`;

describe("--env=cluster kubeconfig check on what the real kubectl prints", () => {
  let kube: Kube;
  before(() => {
    kube = requireKube();
  });

  it("accepts a flattened token kubeconfig, and the view it reads has the token redacted", () => {
    const view = viewed(kube, kubeconfig("    token: not-a-real-token-abc123"));
    expect(view).to.not.include("not-a-real-token-abc123");
    expect(kubeconfigProblems(view)).to.deep.equal([]);
  });

  it("refuses an EKS exec plugin and minikube's host files, as kubectl reports them", () => {
    const eks = viewed(
      kube,
      kubeconfig("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [eks, get-token]"),
    );
    expect(kubeconfigProblems(eks).map((p) => p.problem)).to.deep.equal([
      "runs a credential plugin (exec: aws), which the pipeline's container does not have",
    ]);
    const minikube = viewed(
      kube,
      kubeconfig(
        "    client-certificate: /home/me/.minikube/client.crt\n    client-key: /home/me/.minikube/client.key",
        "    server: https://127.0.0.1:32771\n    certificate-authority: /home/me/.minikube/ca.crt",
      ),
    );
    const problems = kubeconfigProblems(minikube).map((p) => p.problem);
    expect(problems).to.have.length(4);
    expect(problems.join("\n"))
      .to.include("certificate-authority")
      .and.include("client-certificate")
      .and.include("client-key")
      .and.include("loopback");
  });
});
