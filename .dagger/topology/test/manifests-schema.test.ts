import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect } from "chai";
import { parse, parseAllDocuments } from "yaml";
import { buildPlan, helmReleases, renderedManifestFiles, type Manifest, type PhasePlan } from "../src/index.js";
import { modelFor, validateManifest } from "./k8s-schema.js";

const repoRoot = resolve(import.meta.dirname, "../../..");

function planManifests(plan: PhasePlan[]): Manifest[] {
  return plan.flatMap((phase) => phase.steps.flatMap((step) => (step.kind === "shell" ? (step.manifests ?? []) : [])));
}

const variants = {
  "kind, CPU": buildPlan({ env: "kind", imageTag: "t", istio: true, accelerator: { gpu: false, arch: "amd64" } }),
  "kind, CPU arm64": buildPlan({ env: "kind", imageTag: "t", istio: false, accelerator: { gpu: false, arch: "arm64" } }),
  "cluster, GPU": buildPlan({
    env: "cluster",
    registry: "ghcr.io/acme",
    imageTag: "t",
    istio: false,
    accelerator: { gpu: true, arch: "amd64" },
  }),
  "kind, weights from the host": buildPlan({
    env: "kind",
    imageTag: "t",
    istio: false,
    accelerator: { gpu: false, arch: "amd64" },
    sources: { localWeights: true },
  }),
};

describe("topology: manifests validate against the Kubernetes 1.36 schemas (offline)", () => {
  for (const [name, plan] of Object.entries(variants)) {
    it(`every manifest the ${name} deploy plan applies is valid`, () => {
      const manifests = planManifests(plan);
      expect(manifests.length).to.be.greaterThan(20);
      for (const m of manifests) {
        expect(() => validateManifest(m), `${m.kind} ${m.metadata?.name}`).not.to.throw();
      }
    });
  }

  it("every committed file under k8s/manifests/ is valid", () => {
    const dir = join(repoRoot, "k8s/manifests");
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files.length).to.equal(Object.keys(renderedManifestFiles()).length);
    for (const file of files) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
        const m = doc.toJSON() as { apiVersion: string; kind: string; metadata: { name: string } };
        expect(() => validateManifest(m), `${file}: ${m.kind} ${m.metadata.name}`).not.to.throw();
      }
    }
  });

  it("the Kubernetes objects inside the Helm values files are valid (resources, persistence sizes)", () => {
    const ResourceRequirements = modelFor("v1", "ResourceRequirements");
    const paths: Record<string, string[][]> = {
      minio: [["resources"], ["makeBucketJob", "resources"]],
      mysql: [["primary", "resources"]],
      redis: [["master", "resources"]],
      milvus: [
        ["standalone", "resources"],
        ["etcd", "resources"],
      ],
    };
    for (const release of helmReleases) {
      const values = parse(readFileSync(join(repoRoot, release.valuesFile), "utf8")) as Record<string, unknown>;
      for (const path of paths[release.release] ?? []) {
        const block = path.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], values);
        expect(block, `${release.valuesFile}: ${path.join(".")}`).to.be.an("object");
        expect(() => new ResourceRequirements(block).validate(), `${release.valuesFile}: ${path.join(".")}`).not.to.throw();
      }
    }
  });

  it("the validator rejects a malformed manifest (the check can fail)", () => {
    const broken = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "x" },
      spec: { selector: {}, template: { spec: { containers: [{ name: "c", ports: [{ containerPort: "8080" }] }] } } },
    };
    expect(() => validateManifest(broken)).to.throw(/containerPort/);
    expect(() => validateManifest({ apiVersion: "apps/v1", kind: "NoSuchKind" })).to.throw(/no schema/);
  });
});
