import { readFile } from "node:fs/promises";
import { expect } from "chai";
import { externalImages, nonRootUid } from "@one-data/topology";
import { kubectl, kubectlOk, portForward, requireKube, type Kube } from "../cluster/support/kube.js";
import { nodeImageRefs } from "./refs.js";

/**
 * The test node (scripts/local/kube-node.sh): a real kubelet on containerd/runc,
 * kube-proxy and CoreDNS, joined to the test API server. A pod runs from an
 * image built here, is probed by the kubelet, and is reached through a
 * Service by name from another pod. Deadlines are generous: a busy machine
 * only makes these slower.
 */
const namespace = `node-smoke-${process.pid}`;

const webServer = `require("node:http").createServer((req, res) => res.end("served by " + process.getuid())).listen(8080)`;

/**
 * A Job that fetches a URL from inside a pod and prints what it got. With
 * `retrySeconds`, a failed fetch is tried again until then: a new Service's
 * rules reach kube-proxy a moment after the Service, later on a busy machine.
 */
function fetchJob(name: string, url: string, retrySeconds = 0) {
  const fetchOnce = `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(20000) }).then(async (r) => console.log("got " + r.status + " " + (await r.text())))`;
  const script = `const until = Date.now() + ${retrySeconds * 1000};
const attempt = () => ${fetchOnce}.catch((error) => { if (Date.now() > until) throw error; return new Promise((resolve) => setTimeout(resolve, 1000)).then(attempt); });
attempt();`;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: "Never",
          securityContext: { runAsNonRoot: true, runAsUser: nonRootUid },
          containers: [
            {
              name: "fetch",
              image: nodeImageRefs.nodeBase,
              imagePullPolicy: "Never",
              args: ["-e", script],
            },
          ],
        },
      },
    },
  };
}

describe("test node's namespace: name lookups stay inside it", () => {
  it("names only loopback resolvers, so no lookup by containerd, kubelet or CoreDNS's upstream leaves the namespace", async () => {
    const servers = (await readFile("/etc/resolv.conf", "utf8"))
      .split("\n")
      .map((line) => /^\s*nameserver\s+(\S+)/.exec(line)?.[1])
      .filter((server): server is string => server !== undefined);
    expect(servers, "the resolvers this namespace's processes use").to.not.be.empty;
    for (const server of servers) expect(server, "a resolver outside loopback").to.match(/^(127\.|::1$)/);
  });
});

describe("test node (kubelet, containerd, kube-proxy, CoreDNS)", function () {
  let kube: Kube;

  before(function () {
    kube = requireKube();
    if (!process.env.KUBE_TEST_NODE_NAME) {
      throw new Error(
        "no test node: KUBE_TEST_NODE_NAME is not set. scripts/test.sh starts one; by hand: scripts/local/servers.sh start-node",
      );
    }
    kubectlOk(kube, ["create", "namespace", namespace]);
  });

  after(function () {
    if (kube) kubectl(kube, ["delete", "namespace", namespace, "--wait=false"]);
  });

  it("the node is Ready with the kubelet and runtime built here", function () {
    const node = JSON.parse(kubectlOk(kube, ["get", "node", process.env.KUBE_TEST_NODE_NAME!, "-o", "json"])) as {
      status: { conditions: { type: string; status: string }[]; nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string } };
    };
    expect(node.status.conditions.find((c) => c.type === "Ready")?.status).to.equal("True");
    expect(node.status.nodeInfo.kubeletVersion).to.equal("v1.36.1");
    expect(node.status.nodeInfo.containerRuntimeVersion).to.match(/^containerd:\/\//);
    expect(externalImages.node.tag).to.contain(process.versions.node);
  });

  it("runs a probed pod as non-root on a read-only root, and another pod reaches it through its Service by name", function () {
    kubectlOk(
      kube,
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "web", namespace },
            spec: {
              selector: { matchLabels: { app: "web" } },
              template: {
                metadata: { labels: { app: "web" } },
                spec: {
                  securityContext: { runAsNonRoot: true, runAsUser: nonRootUid },
                  containers: [
                    {
                      name: "web",
                      image: nodeImageRefs.nodeBase,
                      imagePullPolicy: "Never",
                      args: ["-e", webServer],
                      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                      readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 1 },
                    },
                  ],
                },
              },
            },
          },
          {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "web", namespace },
            spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
          },
        ],
      }),
    );
    kubectlOk(kube, ["-n", namespace, "rollout", "status", "deployment/web", "--timeout=300s"]);
    kubectlOk(kube, ["apply", "-f", "-"], JSON.stringify(fetchJob("by-name", `http://web.${namespace}.svc.cluster.local/`, 120)));
    kubectlOk(kube, ["-n", namespace, "wait", "--for=condition=Complete", "job/by-name", "--timeout=300s"]);
    expect(kubectlOk(kube, ["-n", namespace, "logs", "job/by-name"]).trim()).to.equal(`got 200 served by ${nonRootUid}`);
  });

  it("kubectl port-forward reaches the pod through the kubelet's streaming", async function () {
    const forward = await portForward(kube, namespace, "web", 80);
    try {
      const response = await fetch(`${forward.url}/`, { signal: AbortSignal.timeout(60_000) });
      expect(await response.text()).to.equal(`served by ${nonRootUid}`);
    } finally {
      forward.stop();
    }
  });

  it("a name no Service has does not resolve: the Job fails", function () {
    kubectlOk(
      kube,
      ["apply", "-f", "-"],
      JSON.stringify(fetchJob("no-such-name", `http://no-such-service.${namespace}.svc.cluster.local/`)),
    );
    kubectlOk(kube, ["-n", namespace, "wait", "--for=condition=Failed", "job/no-such-name", "--timeout=300s"]);
    expect(kubectlOk(kube, ["-n", namespace, "logs", "job/no-such-name"])).to.match(/ENOTFOUND|EAI_AGAIN/);
  });
});
