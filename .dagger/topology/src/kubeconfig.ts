/**
 * `--env=cluster` runs kubectl and helm inside the pipeline's tool container
 * with only the kubeconfig mounted. What works on the user's machine does not
 * work there when the kubeconfig runs a credential plugin (EKS `aws`, GKE
 * `gke-gcloud-auth-plugin`, `kubelogin`: not in the container), names files
 * on the host (minikube's certificate paths, a tokenFile), or points at the
 * host's loopback (minikube's Docker driver: 127.0.0.1 is the container
 * itself). Each is found before any step runs, with what to do instead.
 *
 * The module reads the kubeconfig through kubectl itself (`kubeconfigViewScript`):
 * kubectl is the real parser of kubeconfigs, its JSON needs no YAML library in
 * the runtime container (which has none), and `config view` without `--raw`
 * redacts tokens and key data, so nothing secret reaches the step's output.
 */
export interface KubeconfigProblem {
  readonly where: string;
  readonly problem: string;
}

interface Kubeconfig {
  "current-context"?: string;
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name?: string; cluster?: Record<string, unknown> }[];
  users?: { name?: string; user?: Record<string, unknown> }[];
}

const hostFileFields = {
  cluster: ["certificate-authority"],
  user: ["client-certificate", "client-key", "tokenFile"],
} as const;

/** Prints the mounted kubeconfig as JSON, secrets redacted (`--raw` is deliberately absent). */
export const kubeconfigViewScript = "kubectl config view -o json";

/** Problems of a kubeconfig as `kubeconfigViewScript` prints it. */
export function kubeconfigProblems(viewJson: string): KubeconfigProblem[] {
  let config: Kubeconfig;
  try {
    config = (JSON.parse(viewJson) ?? {}) as Kubeconfig;
  } catch (error) {
    return [{ where: "kubeconfig", problem: `could not be read by kubectl (${(error as Error).message.split("\n")[0]})` }];
  }
  if (typeof config !== "object" || Array.isArray(config))
    return [{ where: "kubeconfig", problem: "is not a kubeconfig (no mapping at the top)" }];
  const currentName = config["current-context"];
  if (!currentName) return [{ where: "kubeconfig", problem: "has no current-context" }];
  const context = config.contexts?.find((c) => c.name === currentName)?.context;
  if (!context) return [{ where: `context ${currentName}`, problem: "is the current-context but is not defined" }];
  const problems: KubeconfigProblem[] = [];
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context.user)?.user;
  if (!cluster)
    problems.push({ where: `cluster ${context.cluster ?? "(none)"}`, problem: "is named by the current context but not defined" });
  if (!user) problems.push({ where: `user ${context.user ?? "(none)"}`, problem: "is named by the current context but not defined" });
  if (cluster) {
    for (const field of hostFileFields.cluster) {
      if (typeof cluster[field] === "string")
        problems.push({
          where: `cluster ${context.cluster}`,
          problem: `reads ${field} from a file on this machine (${String(cluster[field])})`,
        });
    }
    const server = typeof cluster.server === "string" ? cluster.server : "";
    let host = "";
    try {
      host = new URL(server).hostname;
    } catch {
      problems.push({ where: `cluster ${context.cluster}`, problem: `has no valid server URL (${server || "none"})` });
    }
    if (/^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/.test(host)) {
      problems.push({
        where: `cluster ${context.cluster}`,
        problem: `server ${server} is this machine's loopback, which inside the pipeline's container is the container itself`,
      });
    }
  }
  if (user) {
    if (user.exec && typeof user.exec === "object") {
      const command = (user.exec as { command?: unknown }).command;
      problems.push({
        where: `user ${context.user}`,
        problem: `runs a credential plugin (exec: ${String(command)}), which the pipeline's container does not have`,
      });
    }
    if (user["auth-provider"]) {
      const name = (user["auth-provider"] as { name?: unknown }).name;
      problems.push({
        where: `user ${context.user}`,
        problem: `uses the auth-provider ${String(name)}, which the pipeline's container cannot run`,
      });
    }
    for (const field of hostFileFields.user) {
      if (typeof user[field] === "string")
        problems.push({ where: `user ${context.user}`, problem: `reads ${field} from a file on this machine (${String(user[field])})` });
    }
  }
  return problems;
}

/** What to do instead: embed the files, or use a service account's token instead of a plugin. */
const kubeconfigAdvice = [
  "The kubeconfig must be self-contained and token- or certificate-data-based. Either:",
  "  - files on this machine (minikube): kubectl config view --flatten --minify > kubeconfig.flat",
  "  - a credential plugin (EKS, GKE, AKS): a service account token instead, e.g.",
  "      kubectl -n kube-system create serviceaccount one-data-deployer",
  "      kubectl create clusterrolebinding one-data-deployer --clusterrole=cluster-admin --serviceaccount=kube-system:one-data-deployer",
  "      kubectl config view --flatten --minify > kubeconfig.flat",
  '      kubectl --kubeconfig kubeconfig.flat config set-credentials one-data-deployer --token="$(kubectl -n kube-system create token one-data-deployer --duration=8h)"',
  "      kubectl --kubeconfig kubeconfig.flat config set-context --current --user=one-data-deployer",
  "  - a server on 127.0.0.1 (minikube's Docker driver): a server address the container can reach (minikube ip, or a driver with its own network)",
  "then: dagger call deploy --env=cluster --kubeconfig=file://$PWD/kubeconfig.flat --registry=...",
].join("\n");

/** Throws, naming every problem and what to do, unless the kubeconfig can work inside the pipeline's container. */
export function assertUsableKubeconfig(viewJson: string): void {
  const problems = kubeconfigProblems(viewJson);
  if (problems.length === 0) return;
  throw new Error(
    `--kubeconfig cannot be used from inside the pipeline's container:\n${problems.map((p) => `  - ${p.where} ${p.problem}`).join("\n")}\n${kubeconfigAdvice}`,
  );
}
