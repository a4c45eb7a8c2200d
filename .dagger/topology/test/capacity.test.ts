import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { buildPlan, bytes, cpuMillis, formatPlanAndRequests, helmReleases, kindSystemRequests, planRequests } from "../src/index.js";

const repoRoot = resolve(import.meta.dirname, "../../..");

interface Found {
  cpu: string[];
  memory: string[];
  storage: string[];
}

/** Every `resources.requests` and persistence `size` in a values file, except under the keys named (one-off hook Jobs). */
function valuesRequests(values: unknown, skip: readonly string[], found: Found = { cpu: [], memory: [], storage: [] }): Found {
  if (!values || typeof values !== "object") return found;
  for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
    if (skip.includes(key)) continue;
    if (key === "requests" && value && typeof value === "object") {
      const r = value as Record<string, string>;
      if (r["cpu"]) found.cpu.push(String(r["cpu"]));
      if (r["memory"]) found.memory.push(String(r["memory"]));
    } else if (key === "size" && typeof value === "string") {
      found.storage.push(value);
    } else {
      valuesRequests(value, skip, found);
    }
  }
  return found;
}

describe("topology: what the plan requests (preflight's totals)", () => {
  it("reads CPU and byte quantities as Kubernetes writes them", () => {
    expect(cpuMillis("500m")).to.equal(500);
    expect(cpuMillis("2")).to.equal(2000);
    expect(cpuMillis("0.5")).to.equal(500);
    expect(bytes("512Mi")).to.equal(512 * 2 ** 20);
    expect(bytes("10Gi")).to.equal(10 * 2 ** 30);
    expect(bytes("1G")).to.equal(1e9);
    expect(() => bytes("ten")).to.throw(/not a byte quantity/);
  });

  it("holds each release's recorded requests to its values file (the makeBucketJob hook left out)", () => {
    for (const r of helmReleases) {
      const values = parse(readFileSync(join(repoRoot, r.valuesFile), "utf8")) as unknown;
      const found = valuesRequests(values, ["makeBucketJob"]);
      expect(found.cpu.sort(), `${r.release} cpu`).to.deep.equal(r.requests.map((q) => q.cpu).sort());
      expect(found.memory.sort(), `${r.release} memory`).to.deep.equal(r.requests.map((q) => q.memory).sort());
      expect(found.storage.sort(), `${r.release} storage`).to.deep.equal(r.requests.flatMap((q) => q.storage).sort());
    }
  });

  it("adds up our manifests, the chart values and Kind's system pods for the phases planned", () => {
    const all = planRequests(buildPlan({ env: "kind", imageTag: "t", istio: false, accelerator: { gpu: false, arch: "amd64" } }), {
      kind: true,
    });
    expect(all.parts.map((p) => p.source)).to.deep.equal(["our manifests", "chart values", "Kind's system pods"]);
    expect(all.total.cpuMillis).to.equal(all.parts.reduce((sum, p) => sum + p.requests.cpuMillis, 0));
    expect(all.parts[1]!.requests.cpuMillis).to.equal(100 + 250 + 100 + 500 + 100);
    expect(all.parts[2]!.requests).to.deep.equal(kindSystemRequests);
    const data = planRequests(buildPlan({ env: "kind", imageTag: "t", istio: false, phases: ["data"] }), { kind: true });
    expect(data.total).to.deep.equal({ cpuMillis: 100, memoryBytes: 192 * 2 ** 20, storageBytes: 0 });
    const cluster = planRequests(buildPlan({ env: "cluster", registry: "r", imageTag: "t", istio: false }), { kind: false });
    expect(cluster.parts.map((p) => p.source)).to.deep.equal(["our manifests", "chart values"]);
  });

  it("prints the totals at the top of the plan", () => {
    const text = formatPlanAndRequests({ env: "kind", imageTag: "t", istio: false, accelerator: { gpu: false, arch: "amd64" } });
    expect(text.split("\n")[0]).to.equal(
      "requests: 5.10 CPU, 9.5 GiB memory, 33.0 GiB volumes (image layers and model weights not counted)",
    );
  });
});
