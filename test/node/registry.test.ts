import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import {
  appSelector,
  appServices,
  buildPlan,
  ourImageRef,
  ourImages,
  registryPullSecret,
  selectorString,
  type Manifest,
  type PlanOptions,
  type ShellStep,
} from "@one-data/topology";
import { kubectl, kubectlOk, notRunnableHere, requireKube, runStep, teardownCluster, type Kube } from "../cluster/support/kube.js";
import { nodeAccelerator } from "./refs.js";

/**
 * The plan's --env=cluster path against a real registry: the test node's
 * private registry (scripts/local/node-registry.sh: distribution, TLS,
 * htpasswd) holds our images, pushed there with crane. The plan's own steps,
 * with --registry pointing at it and the registry's credentials as the Dagger
 * module hands them over, create the pull Secret and apply data-api; the
 * kubelet then pulls data-api's image from the registry through that Secret
 * and runs it (Ready needs MySQL and MinIO, which this node does not run).
 * The same pod without the Secret is refused. Deadlines bound a busy
 * machine's slowness; nothing here depends on speed.
 */

interface Registry {
  /** The --registry value: host and path. */
  readonly repository: string;
  readonly host: string;
  readonly credentials: { REGISTRY_USERNAME: string; REGISTRY_PASSWORD: string };
  /** Digest of each pushed reference. */
  readonly pushed: ReadonlyMap<string, string>;
  readonly log: string;
  readonly imageTag: string;
}

function requireRegistry(): Registry {
  const names = ["KUBE_TEST_REGISTRY", "KUBE_TEST_REGISTRY_CREDENTIALS", "KUBE_TEST_REGISTRY_PUSHED", "KUBE_TEST_REGISTRY_LOG"] as const;
  const missing = names.filter((name) => !process.env[name]);
  if (missing.length > 0 || !process.env.KUBE_TEST_REGISTRY_IMAGE_TAG) {
    throw new Error(
      `no registry on the test node (${missing.join(", ") || "KUBE_TEST_REGISTRY_IMAGE_TAG"} not set). scripts/test.sh starts one; ` +
        "by hand: scripts/local/servers.sh start-node, then start-registry",
    );
  }
  const credentials = Object.fromEntries(
    readFileSync(process.env.KUBE_TEST_REGISTRY_CREDENTIALS!, "utf8")
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  ) as Registry["credentials"];
  const pushed = new Map(
    readFileSync(process.env.KUBE_TEST_REGISTRY_PUSHED!, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(" ") as [string, string]),
  );
  const repository = process.env.KUBE_TEST_REGISTRY!;
  return {
    repository,
    host: repository.split("/")[0]!,
    credentials,
    pushed,
    log: process.env.KUBE_TEST_REGISTRY_LOG!,
    imageTag: process.env.KUBE_TEST_REGISTRY_IMAGE_TAG!,
  };
}

interface PodStatus {
  metadata: { name: string };
  spec: { containers: { image: string }[]; imagePullSecrets?: { name: string }[] };
  status: {
    containerStatuses?: { started?: boolean; imageID: string; state: { running?: object; waiting?: { reason: string } } }[];
  };
}

const pullFailures = ["ErrImagePull", "ImagePullBackOff"];
const waitingReason = (pod: PodStatus) => pod.status.containerStatuses?.[0]?.state.waiting?.reason ?? "";

/**
 * Polls until `done` holds for the pod's status; fails with the pod's events
 * when `failed` holds, or once the deadline passes.
 */
async function podUntil(
  kube: Kube,
  namespace: string,
  selector: string[],
  done: (pod: PodStatus) => boolean,
  failed: (pod: PodStatus) => boolean = () => false,
): Promise<PodStatus> {
  const deadline = Date.now() + 300_000;
  let last: PodStatus | undefined;
  while (Date.now() < deadline) {
    const pods = JSON.parse(kubectlOk(kube, ["-n", namespace, "get", "pods", ...selector, "-o", "json"])) as { items: PodStatus[] };
    last = pods.items[0];
    if (last && done(last)) return last;
    if (last && failed(last)) break;
    await sleep(1000);
  }
  const events = kubectl(kube, ["-n", namespace, "get", "events", "--sort-by=.lastTimestamp"]).stdout;
  return expect.fail(`pod ${selector.join(" ")} in ${namespace}: condition not reached; status ${JSON.stringify(last?.status)}\n${events}`);
}

/** Removes an image from the node's containerd, so that the kubelet has to pull it (from an earlier run on the same node). */
function forgetImage(ref: string): void {
  const socket = process.env.KUBE_TEST_NODE_CONTAINERD_SOCKET;
  if (!socket) throw new Error("KUBE_TEST_NODE_CONTAINERD_SOCKET is not set: the node's start (scripts/local/kube-node.sh) writes it");
  // k8s.io: the containerd namespace of the CRI, where the kubelet's images are.
  const ran = spawnSync("ctr", ["--address", socket, "-n", "k8s.io", "images", "rm", ref], { encoding: "utf8", timeout: 60_000 });
  if (ran.status !== 0 && !/not found/.test(ran.stderr)) throw new Error(`ctr images rm ${ref} failed: ${ran.stderr}`);
}

function podEvents(kube: Kube, namespace: string, pod: string): string[] {
  const events = kubectlOk(kube, ["-n", namespace, "get", "events", `--field-selector=involvedObject.name=${pod}`, "-o", "json"]);
  return (JSON.parse(events) as { items: { reason: string; message: string }[] }).items.map((e) => `${e.reason}: ${e.message}`);
}

describe("--env=cluster through the test node's private registry (TLS, htpasswd)", function () {
  let kube: Kube;
  let registry: Registry;
  let options: PlanOptions;
  /** Where the registry's log stood before this run's pulls. */
  let logOffset: number;
  const dataApiImage = () => ourImageRef("dataApi", registry.imageTag, registry.repository);
  const { namespace } = appServices.dataApi;

  before(function () {
    kube = requireKube();
    registry = requireRegistry();
    options = {
      env: "cluster",
      registry: registry.repository,
      imageTag: registry.imageTag,
      istio: false,
      accelerator: nodeAccelerator,
      phases: ["infra", "data"],
    };
    teardownCluster(kube);
    forgetImage(dataApiImage());
    logOffset = statSync(registry.log).size;
    // The plan's steps up to data-api's apply, as the Dagger module runs them; the Helm releases
    // cannot run here, and data-api's rollout is not awaited (it is not Ready without MySQL and MinIO).
    for (const step of buildPlan(options).flatMap((phase) => phase.steps)) {
      if (step.kind !== "shell" || notRunnableHere(step) !== undefined) continue;
      const ran = runStep(kube, options.env, step, registry.credentials);
      if (ran.status !== 0) expect.fail(`step "${step.description}" failed (exit ${ran.status}):\n${ran.stdout}\n${ran.stderr}`);
    }
  });

  after(function () {
    if (kube) teardownCluster(kube);
  });

  it("the plan's pull-Secret step stores the registry's credentials for its host in every namespace our images run in", function () {
    for (const ns of registryPullSecret.namespaces) {
      const secret = JSON.parse(kubectlOk(kube, ["-n", ns, "get", "secret", registryPullSecret.name, "-o", "json"])) as {
        type: string;
        data: Record<string, string>;
      };
      expect(secret.type).to.equal("kubernetes.io/dockerconfigjson");
      const config = JSON.parse(Buffer.from(secret.data[".dockerconfigjson"]!, "base64").toString()) as {
        auths: Record<string, { auth: string }>;
      };
      expect(Object.keys(config.auths)).to.deep.equal([registry.host]);
      const { REGISTRY_USERNAME, REGISTRY_PASSWORD } = registry.credentials;
      // Compared without printing: a failure must not put the password in the test's output.
      const matches = Buffer.from(config.auths[registry.host]!.auth, "base64").toString() === `${REGISTRY_USERNAME}:${REGISTRY_PASSWORD}`;
      expect(matches, `${ns}/${registryPullSecret.name} holds other credentials than the registry's`).to.equal(true);
    }
  });

  it("the kubelet pulls data-api's image, as the plan renders it for --registry, from the registry through the Secret, and runs it", async function () {
    const selector = ["-l", selectorString(appSelector(appServices.dataApi.name))];
    // Running, not Ready: data-api serves only once MySQL and MinIO answer, and this node runs neither.
    const pod = await podUntil(
      kube,
      namespace,
      selector,
      (p) => p.status.containerStatuses?.[0]?.state.running !== undefined,
      (p) => pullFailures.includes(waitingReason(p)),
    );
    expect(pod.spec.containers[0]!.image).to.equal(dataApiImage());
    // Pulled now, not found on the node: the image was removed from it before the plan ran.
    const events = podEvents(kube, namespace, pod.metadata.name);
    expect(
      events.some((e) => e.startsWith(`Pulled: Successfully pulled image "${dataApiImage()}"`)),
      events.join("\n"),
    ).to.equal(true);
    expect(pod.spec.imagePullSecrets).to.deep.equal([{ name: registryPullSecret.name }]);
    const digest = registry.pushed.get(dataApiImage());
    expect(digest, `${dataApiImage()} was not pushed`).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(pod.status.containerStatuses![0]!.imageID).to.equal(`${registry.repository}/${ourImages.dataApi.name}@${digest}`);
    // The registry served the manifest to containerd, logged in as the Secret's user.
    const manifestPath = `/v2/${registry.repository.slice(registry.host.length + 1)}/${ourImages.dataApi.name}/manifests/${registry.imageTag}`;
    const served = readFileSync(registry.log, "utf8")
      .slice(logOffset)
      .split("\n")
      .filter((line) => line.includes(`http.request.uri=${manifestPath} `) && line.includes('http.request.useragent="containerd/'));
    expect(
      served.find((line) => line.includes("http.response.status=200")),
      served.join("\n"),
    ).to.include(`auth.user.name=${registry.credentials.REGISTRY_USERNAME} `);
  });

  it("the same pod without the pull Secret is refused by the registry: ErrImagePull / ImagePullBackOff, unauthorized", async function () {
    const step = buildPlan(options)
      .flatMap((phase) => phase.steps)
      .find((s): s is ShellStep => s.kind === "shell" && (s.manifests ?? []).some((m) => m.kind === "Deployment"));
    const deployment = step!.manifests!.find((m: Manifest) => m.kind === "Deployment") as {
      spec: { template: { spec: { imagePullSecrets?: unknown; containers: { imagePullPolicy?: string }[] } } };
    };
    const { imagePullSecrets, ...podSpec } = deployment.spec.template.spec;
    expect(imagePullSecrets, "the plan's Deployment names the pull Secret").to.deep.equal([{ name: registryPullSecret.name }]);
    const name = "data-api-without-pull-secret";
    // Always: the node already holds the image from the pull above; this pull must ask the registry.
    const containers = podSpec.containers.map((c) => ({ ...c, imagePullPolicy: "Always" }));
    kubectlOk(
      kube,
      ["apply", "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace }, spec: { ...podSpec, containers } }),
    );
    const pod = await podUntil(kube, namespace, [`--field-selector=metadata.name=${name}`], (p) => pullFailures.includes(waitingReason(p)));
    expect(pod.status.containerStatuses![0]!.started).to.not.equal(true);
    expect(podEvents(kube, namespace, name).join("\n")).to.match(/Failed: .*401 Unauthorized/);
  });
});
