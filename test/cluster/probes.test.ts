import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { expect } from "chai";
import { buildPlan, dataManifests, verifySteps, type Manifest, type OurImageKey, type PlanOptions } from "@one-data/topology";
import { startService, type LocalProcess } from "../acceptance/local/processes.js";
import { requireEnv, waitUntil } from "../support/testkit.js";
import { loadDataApiConfig } from "../../services/data-api/src/config.js";
import { dropEverything } from "../../services/data-api/test/support/harness.js";
import { TcpSwitch } from "../../services/data-api/test/support/tcp-switch.js";
import { httpProbesOf, type HttpProbe } from "./support/probes.js";

const repoRoot = resolve(import.meta.dirname, "../..");
const logDir = join(repoRoot, ".local/probes");

const render = { imageTag: "0.1.0", accelerator: { gpu: false, arch: "amd64" } } as const;

/** What the deploy applies, for both plans that matter (Kind CPU, existing cluster). */
function deployedManifests(options: PlanOptions): Manifest[] {
  const steps = [...buildPlan(options).flatMap((p) => p.steps), ...verifySteps(options)];
  return steps.flatMap((s) => (s.kind === "shell" && s.manifests ? [...s.manifests] : []));
}

async function get(url: string): Promise<{ status: number; body: { code?: number; message?: string } }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: { code?: number; message?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: the status says enough
  }
  return { status: res.status, body };
}

/** The first answer with `status`, or the last answer when none came within `withinMs` (for the assertion to show). */
async function eventually(
  url: string,
  status: number,
  withinMs: number,
): Promise<{ status: number; body: { code?: number; message?: string } }> {
  let got: Awaited<ReturnType<typeof get>> | undefined;
  await waitUntil(`${url} answering ${status}`, async () => (got = await get(url)).status === status, {
    timeoutMs: withinMs,
    intervalMs: 250,
  }).catch(() => undefined);
  return got!;
}

/**
 * A service of ours started as a process with its real dependencies, one of
 * which goes through a switchable forwarder so the test can take it down.
 */
interface Started {
  readonly service: LocalProcess;
  /** The dependency readiness must name when it is down. */
  readonly dependency: string;
  readonly forwarder: TcpSwitch;
  stop(): Promise<void>;
}

type Starter = (probe: HttpProbe) => Promise<Started>;

const starters: Record<OurImageKey, Starter | undefined> = {
  dataApi: async (probe) => {
    const mysql = new TcpSwitch(requireEnv("MYSQL_HOST"), Number(requireEnv("MYSQL_PORT")));
    await mysql.up();
    const id = randomBytes(4).toString("hex");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MYSQL_PORT: String(mysql.port),
      MYSQL_DATABASE: `one_data_probe_${id}`,
      MYSQL_DATASETS_DATABASE: `one_data_probe_${id}_ds`,
      MYSQL_READONLY_USER: `odp_${id}`,
      MYSQL_READONLY_PASSWORD: randomBytes(12).toString("hex"),
      S3_BUCKET: `probe-${id}`,
      LOG_LEVEL: "warn",
    };
    const service = await startService({ name: `data-api-probes-${id}`, entry: join(repoRoot, probe.entry), env, logDir });
    return {
      service,
      dependency: "mysql",
      forwarder: mysql,
      async stop() {
        await service.stop();
        await mysql.up().catch(() => undefined);
        await dropEverything(loadDataApiConfig({ ...env, MYSQL_PORT: requireEnv("MYSQL_PORT"), HOST: "127.0.0.1", PORT: "8080" }));
        await mysql.down();
      },
    };
  },
  agentApi: async (probe) => {
    const dataProbe = httpProbesOf(dataManifests(render)).find((p) => p.kind === "readiness")!;
    const dataApi = await starters.dataApi!(dataProbe);
    const redis = new TcpSwitch(requireEnv("REDIS_HOST"), Number(requireEnv("REDIS_PORT")));
    await redis.up();
    const env: NodeJS.ProcessEnv = { ...process.env, REDIS_PORT: String(redis.port), DATA_API_URL: dataApi.service.url, LOG_LEVEL: "warn" };
    requireEnv("MODEL_ENDPOINT");
    const service = await startService({
      name: `agent-api-probes-${randomBytes(4).toString("hex")}`,
      entry: join(repoRoot, probe.entry),
      env,
      logDir,
    });
    return {
      service,
      dependency: "redis",
      forwarder: redis,
      async stop() {
        await service.stop();
        await redis.down();
        await dataApi.stop();
      },
    };
  },
  modelJobs: undefined,
  acceptance: undefined,
};

const plans: PlanOptions[] = [
  { env: "kind", imageTag: "0.1.0", istio: false, accelerator: render.accelerator },
  { env: "cluster", registry: "registry.one-data.test/one-data", imageTag: "0.1.0", istio: true, accelerator: render.accelerator },
];

describe("every probe of our workloads answered by the real service", function () {
  this.timeout(180_000);

  // A probe on a port the container does not serve fails here, as a test, not as a load error.
  let probes: HttpProbe[] = [];
  let unresolved: Error | undefined;
  try {
    probes = plans.flatMap((plan) => httpProbesOf(deployedManifests(plan)));
  } catch (error) {
    unresolved = error as Error;
  }
  const workloads = [...new Set(probes.map((p) => `${p.image}:${p.workload}`))];

  it("finds the probes of data-api and agent-api in what both plans deploy, each on the port its service listens on, and a way to start each service", () => {
    if (unresolved) throw unresolved;
    expect(workloads.sort()).to.deep.equal(["agentApi:agent-api", "dataApi:data-api"]);
    for (const p of probes) expect(starters[p.image], `no way to start ${p.image} for its ${p.kind} probe`).to.be.a("function");
  });

  for (const workload of workloads) {
    const [image, name] = workload.split(":") as [OurImageKey, string];
    const own = probes.filter((p) => p.workload === name);
    const distinct = [...new Map(own.map((p) => [`${p.kind} ${p.path} ${p.port}`, p])).values()];

    describe(`${name} (${distinct[0]!.entry})`, () => {
      let started: Started;
      const at = (p: HttpProbe) => `http://127.0.0.1:${new URL(started.service.url).port}${p.path}`;

      before(async () => {
        started = await starters[image]!(distinct[0]!);
      });
      after(async () => {
        await started?.stop();
      });

      it(`answers 200 on every probe (${distinct.map((p) => `${p.kind} GET ${p.path} :${p.port}`).join(", ")}) with its dependencies up`, async () => {
        for (const p of distinct) {
          const got = await eventually(at(p), 200, 15_000);
          expect(got.status, `${p.kind} probe GET ${p.path} on the port the manifest names: ${JSON.stringify(got.body)}`).to.equal(200);
        }
      });

      it("with a dependency down: readiness 503 naming it, liveness and startup still 200; ready again when it returns", async () => {
        await started.forwarder.down();
        try {
          for (const p of distinct) {
            if (p.kind === "readiness") {
              const got = await eventually(at(p), 503, 15_000);
              expect(got.status, `readiness GET ${p.path} with ${started.dependency} down`).to.equal(503);
              expect(got.body.message, "the 503 names the dependency that is down").to.include(started.dependency);
            } else {
              const got = await get(at(p));
              expect(got.status, `${p.kind} GET ${p.path} must not depend on ${started.dependency}`).to.equal(200);
            }
          }
        } finally {
          await started.forwarder.up();
        }
        for (const p of distinct.filter((q) => q.kind === "readiness")) {
          expect((await eventually(at(p), 200, 20_000)).status, `readiness after ${started.dependency} returned`).to.equal(200);
        }
      });

      it("documents each probe path in its OpenAPI document (200, and 503 for readiness)", async () => {
        const res = await fetch(`${started.service.url}/api/v1/openapi.json`, { signal: AbortSignal.timeout(10_000) });
        expect(res.status, `${name} serves no /api/v1/openapi.json`).to.equal(200);
        const doc = (await res.json()) as {
          servers?: { url: string }[];
          paths: Record<string, { get?: { responses?: Record<string, unknown> } }>;
        };
        const prefix = new URL(doc.servers?.[0]?.url ?? "/", "http://x").pathname.replace(/\/$/, "");
        for (const p of distinct) {
          const documented = Object.entries(doc.paths).find(([path]) => `${prefix}${path}` === p.path)?.[1]?.get;
          expect(documented, `GET ${p.path} (${p.kind} probe) is not in ${name}'s OpenAPI document`).to.not.equal(undefined);
          expect(Object.keys(documented!.responses ?? {})).to.include("200");
          if (p.kind === "readiness") expect(Object.keys(documented!.responses ?? {})).to.include("503");
        }
      });

      it("fails the check for a probe on a path or port the service does not serve", async () => {
        const ready = distinct.find((p) => p.kind === "readiness") ?? distinct[0]!;
        expect((await get(at({ ...ready, path: `${ready.path}z` }))).status).to.not.equal(200);
        const manifests = plans
          .flatMap((plan) => deployedManifests(plan))
          .filter((m) => m.metadata?.name === name && m.kind === "Deployment");
        const moved = structuredClone(manifests[0]!) as {
          spec: { template: { spec: { containers: { readinessProbe?: { httpGet?: { port: unknown } } }[] } } };
        };
        moved.spec.template.spec.containers[0]!.readinessProbe!.httpGet!.port = 9090;
        expect(() => httpProbesOf([moved as unknown as Manifest])).to.throw(/probes port 9090, but the service listens on PORT=8080/);
        moved.spec.template.spec.containers[0]!.readinessProbe!.httpGet!.port = "metrics";
        expect(() => httpProbesOf([moved as unknown as Manifest])).to.throw(/port "metrics" is not a named port/);
      });
    });
  }
});
