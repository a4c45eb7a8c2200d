import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import {
  buildPlan,
  connectEngineScript,
  connectPrelude,
  kindCluster,
  kindClusterScript,
  kindKubeconfigScript,
  kubeconfigPath,
} from "../src/index.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const hostDouble = join(repoRoot, "test/doubles/kind-host/bin");

/** A Docker host (test double) with or without an engine, on which the plan's Kind scripts run for real in bash. */
function host(options: { engine?: string } = { engine: "dagger-engine-v0.21.8" }) {
  const state = mkdtempSync(join(tmpdir(), "kind-host-"));
  mkdirSync(join(state, "networks/bridge"), { recursive: true });
  if (options.engine) {
    writeFileSync(join(state, "engine"), `${options.engine}\n`);
    writeFileSync(join(state, "networks/bridge", options.engine), "172.17.0.2\n");
  }
  const kubeconfig = join(state, "kubeconfig");
  const run = (script: string, env: Record<string, string> = {}) => {
    const ran = spawnSync("bash", ["-euo", "pipefail", "-c", script], {
      encoding: "utf8",
      env: { ...process.env, ...env, PATH: `${hostDouble}:${process.env.PATH ?? ""}`, KIND_HOST_STATE: state, KIND_HOST_SRC: repoRoot },
      timeout: 30_000,
    });
    return { status: ran.status, out: ran.stdout + ran.stderr };
  };
  const calls = () => readFileSync(join(state, "calls"), "utf8").trim().split("\n");
  return { state, kubeconfig, run, calls, remove: () => rmSync(state, { recursive: true, force: true }) };
}

const createScript = (kubeconfig: string) => kindClusterScript({ kubeconfig, nodeImage: "kindest/node:v1.36.1" });

describe("topology: Kind on its own network, the Dagger engine connected to it", () => {
  it("creates the cluster on Kind's own network (never the engine's bridge), then connects the engine and points kubectl at the control plane there", () => {
    const h = host();
    try {
      const ran = h.run(createScript(h.kubeconfig));
      expect(ran.status, ran.out).to.equal(0);
      const calls = h.calls();
      const create = calls.findIndex((c) => c.startsWith("kind create cluster --name one-data-studio --config /src/k8s/kind/cluster.yaml"));
      const connect = calls.indexOf("docker network connect kind dagger-engine-v0.21.8");
      expect(create, calls.join("\n")).to.be.greaterThan(-1);
      expect(connect, "engine connected after the cluster (and its network) exist").to.be.greaterThan(create);
      expect(readFileSync(join(h.state, "clusters/one-data-studio"), "utf8").trim(), "cluster network and nodes").to.equal("kind 3");
      expect(readFileSync(h.kubeconfig, "utf8")).to.include("server: https://172.18.0.2:6443");
    } finally {
      h.remove();
    }
  });

  it("reuses an existing cluster on a second deploy: the engine already connected is fine", () => {
    const h = host();
    try {
      expect(h.run(createScript(h.kubeconfig)).status).to.equal(0);
      const again = h.run(createScript(h.kubeconfig));
      expect(again.status, again.out).to.equal(0);
      expect(again.out).to.include("kind cluster one-data-studio exists: reused");
      expect(h.calls().filter((c) => c.startsWith("kind create"))).to.have.length(1);
    } finally {
      h.remove();
    }
  });

  it("fails early, saying what to do, when a reused cluster does not answer from the engine", () => {
    const h = host();
    try {
      expect(h.run(createScript(h.kubeconfig)).status).to.equal(0);
      writeFileSync(join(h.state, "stopped"), "");
      const ran = h.run(createScript(h.kubeconfig));
      expect(ran.status).to.not.equal(0);
      expect(ran.out).to.match(
        /does not answer from the Dagger engine dagger-engine-v0\.21\.8: start its node containers .* or delete it \('kind delete cluster --name one-data-studio'\)/,
      );
      expect(ran.out).to.not.include("nodes; the plan needs");
    } finally {
      h.remove();
    }
  });

  it("refuses a cluster made on another network (the old plan put it on the engine's bridge)", () => {
    const h = host();
    try {
      expect(h.run(createScript(h.kubeconfig), { KIND_EXPERIMENTAL_DOCKER_NETWORK: "bridge" }).status).to.not.equal(0);
      // The kind network exists on that Docker (other Kind clusters made it).
      mkdirSync(join(h.state, "networks/kind"));
      const ran = h.run(createScript(h.kubeconfig));
      expect(ran.status).to.not.equal(0);
      expect(ran.out).to.include("one-data-studio-control-plane is not on the kind network");
    } finally {
      h.remove();
    }
  });

  it("fails with a clear message when no Dagger engine container runs on that Docker, and on other connect errors", () => {
    const none = host({});
    try {
      const ran = none.run(connectEngineScript());
      expect(ran.status).to.not.equal(0);
      expect(ran.out).to.include("no Dagger engine container on this Docker (docker ps --filter name=^dagger-engine-)");
    } finally {
      none.remove();
    }
    const h = host();
    try {
      const ran = h.run(connectEngineScript());
      expect(ran.status, "the kind network does not exist yet").to.not.equal(0);
      expect(ran.out).to.include(
        "could not connect the Dagger engine (dagger-engine-v0.21.8) to the kind network: Error response from daemon: network kind not found",
      );
    } finally {
      h.remove();
    }
  });

  it("every later Kind step connects the same way (engine on the kind network, server at the control plane's IP)", () => {
    expect(connectPrelude("kind")).to.equal(`${connectEngineScript()}\n${kindKubeconfigScript(kubeconfigPath)}`);
    for (const phase of buildPlan({ env: "kind", imageTag: "t", istio: false }).slice(1)) {
      for (const step of phase.steps)
        if (step.kind === "shell") expect(step.script.startsWith(connectPrelude("kind")), step.description).to.equal(true);
    }
    const h = host();
    try {
      expect(h.run(createScript(h.kubeconfig)).status).to.equal(0);
      const later = h.run(`${connectEngineScript()}\n${kindKubeconfigScript(h.kubeconfig)}\nkubectl get --raw=/readyz`);
      expect(later.status, later.out).to.equal(0);
    } finally {
      h.remove();
    }
  });

  it("wants as many nodes as k8s/kind/cluster.yaml declares (3, as in the seed)", () => {
    const config = parse(readFileSync(join(repoRoot, kindCluster.configPath), "utf8")) as { nodes: { role: string }[] };
    expect(config.nodes.map((n) => n.role)).to.deep.equal(["control-plane", "worker", "worker"]);
    expect(kindCluster.nodes).to.equal(config.nodes.length);
  });
});
