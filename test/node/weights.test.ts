import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { expect } from "chai";
import {
  buildPlan,
  defaultImageTag,
  hostWeightsPath,
  localWeightsPath,
  models,
  namespaceManifests,
  namespaces,
  nonRootUid,
  weightsLoaderName,
  appServices,
  type Manifest,
  type ShellStep,
} from "@one-data/topology";
import { kubectl, kubectlOk, requireKube, runStep, type Kube, type Ran } from "../cluster/support/kube.js";
import { nodeAccelerator } from "./refs.js";

/**
 * `deploy --weights` on the test node: the plan's own copy step, its script
 * and manifests unchanged, run as the tool container runs it with a weights
 * directory mounted at hostWeightsPath (where the Dagger module mounts the
 * user's directory) and the real kubectl. The loader pods run on the real
 * kubelet (containerd, runc) from the vLLM loader stand-in, an image under the
 * vLLM image's name with what the loader needs of it (test/node/build-images.ts),
 * and `kubectl cp` streams the files into them through the kubelet.
 *
 * Storage: the node has no provisioner (Kind has local-path). This test gives
 * each of the step's weights PersistentVolumeClaims a hostPath
 * PersistentVolume of its own, bound to that claim by claimRef, over a
 * world-writable directory on the node as local-path makes them; what the
 * loader pods wrote into a volume is read back from its directory.
 */
const ns = namespaces.model;
const servers = [
  { service: appServices.vllmServing, model: models.chat },
  { service: appServices.vllmEmbedding, model: models.embedding },
] as const;

interface Claim {
  metadata: { name: string; namespace: string };
  spec: { accessModes: string[]; resources: { requests: { storage: string } } };
}

interface LoaderPod {
  metadata: { name: string };
  spec: {
    containers: { volumeMounts: { name: string; mountPath: string }[] }[];
    volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
  };
}

/** The plan's `--weights` copy step, the one its model phase has only with localWeights. */
function weightsCopyStep(): ShellStep {
  const phase = buildPlan({
    env: "kind",
    istio: false,
    accelerator: nodeAccelerator,
    imageTag: defaultImageTag,
    sources: { localWeights: true },
  }).find((p) => p.phase === "model");
  const loaders = new Set(servers.map(({ service }) => weightsLoaderName(service)));
  const [step, ...more] = (phase?.steps ?? []).filter(
    (s) => s.kind === "shell" && s.manifests?.some((m) => loaders.has(m.metadata?.name ?? "")),
  );
  if (!step || more.length > 0 || step.kind !== "shell") throw new Error("the model phase with --weights has no single weights copy step");
  return step;
}

function ofKind<T>(manifests: readonly Manifest[] | undefined, kind: string): T[] {
  return (manifests ?? []).filter((m) => m.kind === kind) as unknown as T[];
}

/** Where the model's copy lies in its volume's directory: localWeightsPath under the loader pod's mount of the claim. */
function copyInVolume(step: ShellStep, volumeDirs: ReadonlyMap<string, string>, podName: string, model: string): string {
  const pod = ofKind<LoaderPod>(step.manifests, "Pod").find((p) => p.metadata.name === podName);
  const volume = pod?.spec.volumes.find((v) => v.persistentVolumeClaim);
  const mount = pod?.spec.containers[0]?.volumeMounts.find((m) => m.name === volume?.name);
  const dir = volumeDirs.get(volume?.persistentVolumeClaim?.claimName ?? "");
  if (!mount || !dir) throw new Error(`loader pod ${podName} mounts no weights claim this test gave a volume`);
  return join(dir, relative(mount.mountPath, localWeightsPath(model)));
}

/** Every regular file under dir, by path relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** A model as `hf download --local-dir` leaves it: config.json and weights in nested directories (random bytes). */
function writeModel(root: string, model: string): void {
  const files: Record<string, Buffer> = {
    "config.json": Buffer.from(JSON.stringify({ _name_or_path: model, model_type: "test" })),
    "model-00001-of-00002.safetensors": randomBytes(2 * 2 ** 20),
    "shards/model-00002-of-00002.safetensors": randomBytes(2 ** 20 + 12_345),
    "shards/tokenizer/tokenizer.json": randomBytes(64 * 1024),
  };
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(root, model, path)), { recursive: true });
    writeFileSync(join(root, model, path), bytes);
  }
}

interface EventJson {
  reason: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

function podEvents(kube: Kube, pod: string): EventJson[] {
  const list = JSON.parse(kubectlOk(kube, ["-n", ns, "get", "events", "--field-selector", `involvedObject.name=${pod}`, "-o", "json"])) as {
    items: EventJson[];
  };
  return list.items;
}

function hostPathVolume(claim: Claim, dir: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: volumeName(claim) },
    spec: {
      capacity: { storage: claim.spec.resources.requests.storage },
      accessModes: claim.spec.accessModes,
      persistentVolumeReclaimPolicy: "Retain",
      claimRef: { namespace: claim.metadata.namespace, name: claim.metadata.name },
      hostPath: { path: dir, type: "Directory" },
    },
  };
}

function volumeName(claim: Claim): string {
  return `one-data-test-${claim.metadata.namespace}-${claim.metadata.name}`;
}

function failed(ran: Ran): string {
  return `exit ${ran.status}:\n${ran.stdout}\n${ran.stderr}`;
}

describe("deploy --weights on the test node: the plan's copy step, loader pods on the real kubelet, kubectl cp into hostPath volumes", function () {
  this.timeout(1_200_000);
  const step = weightsCopyStep();
  const claims = ofKind<Claim>(step.manifests, "PersistentVolumeClaim");
  let kube: Kube;
  let scratch: string;
  const volumeDirs = new Map<string, string>();

  function removeOurObjects(): void {
    kubectlOk(kube, ["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=300s"]);
    kubectlOk(kube, ["delete", "persistentvolume", ...claims.map(volumeName), "--ignore-not-found", "--wait=true", "--timeout=120s"]);
  }

  before(function () {
    kube = requireKube();
    if (!process.env.KUBE_TEST_NODE_NAME)
      throw new Error("no test node: KUBE_TEST_NODE_NAME is not set (scripts/local/servers.sh start-node)");
    expect(claims.map((c) => c.metadata.namespace))
      .to.have.length(servers.length)
      .and.to.satisfy((n: string[]) => n.every((x) => x === ns));
    removeOurObjects();
    scratch = mkdtempSync(join(tmpdir(), "one-data-weights-"));
    const volumes = claims.map((claim) => {
      const dir = join(scratch, "volumes", claim.metadata.name);
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
      volumeDirs.set(claim.metadata.name, dir);
      return hostPathVolume(claim, dir);
    });
    const namespace = namespaceManifests().filter((n) => n.metadata?.name === ns);
    kubectlOk(kube, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [...namespace, ...volumes] }));
  });

  after(function () {
    if (kube) removeOurObjects();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("refuses before touching the cluster when a model's directory is missing, naming it", function () {
    const weights = join(scratch, "weights-without-embedding");
    writeModel(weights, models.chat);
    const ran = runStep(kube, "kind", step, {}, "real", [{ source: weights, target: hostWeightsPath }]);
    expect(ran.status, failed(ran)).to.equal(1);
    expect(ran.stderr).to.include(`--weights has no ${models.embedding}/config.json`);
    expect(kubectlOk(kube, ["-n", ns, "get", "pods,persistentvolumeclaims", "-o", "name"]).trim(), "nothing applied").to.equal("");
  });

  it("copies every file byte-identical into each server's volume at localWeightsPath, as uid 1000 from loader pods the kubelet ran and that are gone after", function () {
    const weights = join(scratch, "weights");
    for (const { model } of servers) writeModel(weights, model);
    const ran = runStep(kube, "kind", step, {}, "real", [{ source: weights, target: hostWeightsPath }]);
    expect(ran.status, failed(ran)).to.equal(0);

    for (const { service, model } of servers) {
      const source = join(weights, model);
      const copy = copyInVolume(step, volumeDirs, weightsLoaderName(service), model);
      const files = filesUnder(source);
      expect(files).to.include("config.json").and.to.include("shards/tokenizer/tokenizer.json");
      expect(filesUnder(copy), `${model}: the files in ${service.name}'s volume`).to.deep.equal(files);
      for (const file of files) {
        expect(sha256(join(copy, file)), `${model}/${file}`).to.equal(sha256(join(source, file)));
        // tar in the loader pod created the file: its owner is the uid the container ran as, not the source's.
        expect(statSync(join(source, file)).uid).to.not.equal(nonRootUid);
        expect(statSync(join(copy, file)).uid, `${model}/${file} written by uid`).to.equal(nonRootUid);
      }
      expect(ran.stdout).to.include(`copied ${model} into ${service.name}'s weights volume`);
    }

    for (const { service } of servers) {
      const pod = weightsLoaderName(service);
      expect(kubectl(kube, ["-n", ns, "get", "pod", pod, "--ignore-not-found", "-o", "name"]).stdout.trim(), `${pod} gone`).to.equal("");
      const started = podEvents(kube, pod).filter((e) => e.reason === "Started");
      expect(started, `${pod} was started by a kubelet`).to.have.length(1);
      expect(started[0]!.source?.component ?? started[0]!.reportingComponent).to.equal("kubelet");
      expect(started[0]!.source?.host ?? started[0]!.reportingInstance).to.equal(process.env.KUBE_TEST_NODE_NAME);
    }
  });
});
