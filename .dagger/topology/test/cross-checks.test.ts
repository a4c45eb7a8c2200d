import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { acceptanceChecks, acceptanceEnv as acceptanceEnvSchema } from "@one-data/acceptance";
import { envSchema as agentApiEnvSchema } from "@one-data/agent-api/config";
import { dataApiEnvSchema } from "@one-data/data-api/config";
import { modelJobsEnvSchema, parseJobArgs } from "@one-data/model-jobs";
import { expect } from "chai";
import { parse } from "yaml";
import {
  acceptanceDeadlineSeconds,
  appServices,
  buildPlan,
  externalImages,
  helmReleases,
  infraServices,
  namespaces,
  ourImages,
  releaseSelector,
  secrets,
  seed,
  verifySteps,
  type Manifest,
} from "../src/index.js";
import { renderedYamlFiles } from "../src/cli.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const plan = buildPlan({ env: "kind", imageTag: "t", istio: true, accelerator: { gpu: false, arch: "amd64" } });
const manifests: Manifest[] = [...plan.flatMap((p) => p.steps), ...verifySteps({ env: "kind", imageTag: "t" })].flatMap((s) =>
  s.kind === "shell" ? (s.manifests ?? []) : [],
);
type Any = Record<string, any>;
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind) as Any[];
const podTemplates = () =>
  [...ofKind("Deployment"), ...ofKind("Job")].map((w) => ({
    workload: w,
    spec: w.spec.template.spec,
    labels: w.spec.template.metadata.labels,
  }));
/** Plain (non-Secret) env values of a workload's first container. */
const envOf = (name: string): Record<string, string> => {
  const t = podTemplates().find(({ workload }) => workload.metadata.name === name)!;
  return Object.fromEntries(t.spec.containers[0].env.filter((e: Any) => "value" in e).map((e: Any) => [e.name, e.value]));
};
/** The app names a NetworkPolicy admits on a port. */
const sourcesOf = (policy: string, port: number): string[] => {
  const p = ofKind("NetworkPolicy").find((item) => item.metadata.name === policy)!;
  return p.spec.ingress
    .filter((rule: Any) => rule.ports.some((item: Any) => item.port === port))
    .map((rule: Any) => rule.from[0].podSelector.matchLabels["app.kubernetes.io/name"]);
};

describe("topology: cross-checks that fail on drift", () => {
  it("every readiness selector the plan waits on is exactly the pod labels recorded for the pinned chart", () => {
    const script = plan.map((p) => p.steps.map((s) => ("script" in s ? s.script : "")).join("\n")).join("\n");
    for (const r of helmReleases) {
      expect(script).to.include(`helm upgrade --install ${r.release} ${r.chart} --namespace ${r.namespace} --version ${r.version}`);
      expect(script).to.include(`wait --for=condition=Ready pod -l '${releaseSelector(r)}'`);
      expect(r.labels.source, r.release).to.match(/templates\//);
    }
    // The seed's waits (`-l app=mysql` etc.) match nothing with these charts.
    expect(script).not.to.match(/-l '?app=(mysql|redis|milvus)'?/);
  });

  it("every Deployment's selector matches its pod labels, and every Service selects a Deployment's pods on a declared port", () => {
    for (const d of ofKind("Deployment")) {
      for (const [k, v] of Object.entries(d.spec.selector.matchLabels as Record<string, string>)) {
        expect(d.spec.template.metadata.labels[k], `${d.metadata.name} ${k}`).to.equal(v);
      }
    }
    for (const svc of ofKind("Service")) {
      const target = ofKind("Deployment").find(
        (d) =>
          d.metadata.namespace === svc.metadata.namespace &&
          Object.entries(svc.spec.selector as Record<string, string>).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
      expect(target, `Service ${svc.metadata.name} selects no Deployment`).to.exist;
      const portNames = target!.spec.template.spec.containers.flatMap((c: Any) => (c.ports ?? []).map((p: Any) => p.name));
      for (const port of svc.spec.ports) expect(portNames, svc.metadata.name).to.include(port.targetPort);
    }
  });

  it("every Service an env var or URL names exists with that port (ours rendered, the charts' recorded)", () => {
    const known = new Map<string, number>();
    for (const svc of ofKind("Service")) known.set(`${svc.metadata.name}.${svc.metadata.namespace}`, svc.spec.ports[0].port);
    for (const r of helmReleases) known.set(`${r.service.name}.${r.service.namespace}`, r.service.port);
    let checked = 0;
    for (const { workload, spec } of podTemplates()) {
      for (const c of spec.containers) {
        const env = Object.fromEntries((c.env ?? []).map((e: Any) => [e.name, e.value]));
        for (const [name, value] of Object.entries(env)) {
          if (typeof value !== "string") continue;
          const m = /^(?:https?:\/\/)?([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local(?::(\d+))?/.exec(value);
          if (!m) continue;
          const port = Number(m[3] ?? env[name.replace(/_HOST$/, "_PORT")]);
          expect(known.get(`${m[1]}.${m[2]}`), `${workload.metadata.name} ${name}=${value}`).to.equal(port);
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(10);
    const vs = manifests.find((m) => m.kind === "VirtualService") as Any;
    const dest = vs.spec.http[0].route[0].destination;
    expect(dest.host).to.equal(`${appServices.vllmServing.name}.${appServices.vllmServing.namespace}.svc.cluster.local`);
    expect(dest.port.number).to.equal(appServices.vllmServing.port);
  });

  it("every secretKeyRef names a Secret the pipeline creates, with that key, in the pod's namespace", () => {
    const created = Object.values(secrets);
    let refs = 0;
    for (const { workload, spec } of podTemplates()) {
      for (const c of spec.containers) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
          if (!ref) continue;
          expect(e.valueFrom.configMapKeyRef, "no ConfigMaps are created").to.equal(undefined);
          const secret = created.find((s) => s.name === ref.name && s.namespace === workload.metadata.namespace);
          expect(secret, `${workload.metadata.name}: ${ref.name}`).to.exist;
          expect(secret!.keys as readonly string[], `${ref.name}`).to.include(ref.key);
          refs++;
        }
      }
    }
    expect(refs).to.be.greaterThan(5);
    const script = plan.map((p) => p.steps.map((s) => ("script" in s ? s.script : "")).join("\n")).join("\n");
    for (const s of created) expect(script, s.name).to.include(`secret generic ${s.name}`);
    for (const r of helmReleases.filter((r) => r.existingSecret)) {
      const values = readFileSync(join(repoRoot, r.valuesFile), "utf8");
      expect(values, r.valuesFile).to.match(new RegExp(`existingSecret: ${r.existingSecret}\\b`));
    }
  });

  it("each image ships every workspace of ours its package imports, dependencies before dependents", () => {
    const manifestOf = (dir: string) =>
      JSON.parse(readFileSync(join(repoRoot, dir, "package.json"), "utf8")) as { name: string; dependencies?: Record<string, string> };
    const rootWorkspaces = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { workspaces: string[] }).workspaces;
    const dirOf = new Map<string, string>();
    for (const pattern of rootWorkspaces) {
      const parent = pattern.replace(/\/\*$/, "");
      const dirs = pattern.endsWith("/*") ? readdirSync(join(repoRoot, parent)).map((d) => `${parent}/${d}`) : [pattern];
      for (const dir of dirs) if (existsSync(join(repoRoot, dir, "package.json"))) dirOf.set(manifestOf(dir).name, dir);
    }
    const ours = (dir: string) =>
      Object.keys(manifestOf(dir).dependencies ?? {})
        .filter((name) => dirOf.has(name))
        .map((name) => dirOf.get(name)!);
    for (const [key, image] of Object.entries(ourImages)) {
      const shipped: readonly string[] = image.localDependencies;
      const needed = new Set<string>();
      const pending = [image.workspace as string];
      while (pending.length > 0) {
        for (const dep of ours(pending.pop()!)) {
          if (!needed.has(dep)) pending.push(dep);
          needed.add(dep);
        }
      }
      expect([...shipped].sort(), key).to.deep.equal([...needed].sort());
      shipped.forEach((dir, i) => {
        for (const dep of ours(dir)) expect(shipped.indexOf(dep), `${key}: ${dep} before ${dir}`).to.be.within(0, i - 1);
      });
    }
  });

  it("every workload on one of our images runs a declared entry point of it, and every entry point has a workload", () => {
    const used = new Map<string, Set<string>>(Object.keys(ourImages).map((key) => [key, new Set<string>()]));
    for (const { workload, spec } of podTemplates()) {
      for (const c of spec.containers) {
        const key = Object.entries(ourImages).find(([, image]) => (c.image as string).includes(`/${image.name}:`))?.[0];
        if (!key) continue;
        const shell = c.command?.[0] === "/bin/sh" ? String(c.args?.at(-1) ?? "") : undefined;
        const script = shell !== undefined ? /\bnode (\S+\.js)\b/.exec(shell)?.[1] : (c.args?.[0] ?? "dist/main.js");
        const declared: readonly string[] = ourImages[key as keyof typeof ourImages].entryPoints;
        expect(declared, `${workload.metadata.name} runs ${script}`).to.include(script);
        used.get(key)!.add(script!);
      }
    }
    for (const [key, image] of Object.entries(ourImages))
      expect([...used.get(key)!].sort(), key).to.deep.equal([...image.entryPoints].sort());
  });

  it("every image is pinned by tag, never latest; values files pin the images recorded in topology", () => {
    const images = podTemplates().flatMap(({ spec }) => spec.containers.map((c: Any) => c.image as string));
    for (const image of [...images, ...Object.values(externalImages).map((i) => `${i.repository}:${i.tag}`)]) {
      expect(image).to.match(/:[^:/]+$/);
      expect(image).not.to.match(/:latest$/);
    }
    const pins: Record<string, string[]> = {
      minio: [externalImages.minio.tag, externalImages.minioClient.tag],
      mysql: [externalImages.mysql.tag],
      redis: [externalImages.redis.tag],
      milvus: [externalImages.milvus.tag, externalImages.etcd.tag],
    };
    for (const r of helmReleases) {
      const text = readFileSync(join(repoRoot, r.valuesFile), "utf8");
      for (const tag of pins[r.release] ?? []) expect(text, r.valuesFile).to.include(`tag: ${tag}`);
      expect(text).not.to.match(/tag:\s*["']?latest/);
    }
  });

  it("namespaces are the brief's, and every object lives in one of them", () => {
    expect(Object.values(namespaces)).to.deep.equal(["one-data-infra", "one-data-data", "one-data-model", "one-data-agent"]);
    for (const m of manifests.filter((m) => m.kind !== "Namespace")) {
      expect(Object.values(namespaces) as string[]).to.include((m.metadata as Any).namespace);
    }
    expect(ofKind("Namespace").map((n) => n.metadata.name)).to.deep.equal(Object.values(namespaces));
  });

  it("the seed's names keep working", () => {
    const svc = (name: string) => ofKind("Service").find((s) => s.metadata.name === name)!;
    expect(svc("data-api").metadata.namespace).to.equal("one-data-data");
    expect(svc("data-api").spec.ports[0].port).to.equal(8080);
    expect(svc("agent-api").spec.ports[0].port).to.equal(8080);
    expect(svc("vllm-serving").spec.ports[0].port).to.equal(8000);
    expect(infraServices.redis.name).to.equal("redis-master");
    const minioValues = parse(readFileSync(join(repoRoot, "k8s/helm/minio.values.yaml"), "utf8")) as Any;
    expect(minioValues.buckets.map((b: Any) => b.name)).to.include(seed.bucket);
    expect(seed.bucket).to.equal("test-datasets");
    const milvusValues = parse(readFileSync(join(repoRoot, "k8s/helm/milvus.values.yaml"), "utf8")) as Any;
    expect(minioValues.buckets.map((b: Any) => b.name)).to.include(milvusValues.externalS3.bucketName);
    expect(milvusValues.externalS3.host).to.equal(`${infraServices.minio.name}.${infraServices.minio.namespace}.svc.cluster.local`);
  });

  it("the dataset Job's arguments are ones model-jobs' own parser accepts", () => {
    const t = podTemplates().find(({ workload }) => workload.metadata.name === "model-dataset-job");
    expect(t, "model-dataset-job is deployed").to.not.equal(undefined);
    const [entry, ...args] = t!.spec.containers[0].args as string[];
    expect(entry).to.equal("dist/main.js");
    expect(() => parseJobArgs(args)).to.not.throw();
  });

  it("every workload's environment satisfies its service's own configuration schema", () => {
    // The bootstrap Job runs the data-api image with the data-api's configuration schema.
    const schemas: [string, typeof dataApiEnvSchema | typeof agentApiEnvSchema | typeof modelJobsEnvSchema | typeof acceptanceEnvSchema][] =
      [
        ["data-api", dataApiEnvSchema],
        ["data-bootstrap", dataApiEnvSchema],
        ["agent-api", agentApiEnvSchema],
        ["model-dataset-job", modelJobsEnvSchema],
        ["acceptance-suite", acceptanceEnvSchema],
      ];
    for (const [name, schema] of schemas) {
      const t = podTemplates().find(({ workload }) => workload.metadata.name === name);
      expect(t, `${name} is deployed`).to.not.equal(undefined);
      // A Secret reference stands in as a value: the cluster fills it from a Secret the plan creates.
      const env = Object.fromEntries(
        t!.spec.containers[0].env.map((e: Any) => [e.name, "value" in e ? e.value : `<${e.valueFrom.secretKeyRef.name}>`]),
      );
      const parsed = schema.safeParse(env);
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).to.equal(true);
    }
  });

  it("the Data API and its bootstrap reach Milvus and the embedding server it names, and ask for the model that server serves", () => {
    const embeddingService = ofKind("Service").find((svc) => svc.metadata.name === appServices.vllmEmbedding.name)!;
    const embeddingDeployment = ofKind("Deployment").find(
      (d) =>
        d.metadata.namespace === embeddingService.metadata.namespace &&
        Object.entries(embeddingService.spec.selector as Record<string, string>).every(
          ([k, v]) => d.spec.template.metadata.labels[k] === v,
        ),
    )!;
    const args: string[] = embeddingDeployment.spec.template.spec.containers[0].args;
    const servedModel = args[args.indexOf("--served-model-name") + 1];
    expect(args).to.include("pooling");
    const policies = ofKind("NetworkPolicy");
    // NetworkPolicies match the pod's port, and must select the embedding server's pods.
    const embeddingPodPort: number = embeddingDeployment.spec.template.spec.containers[0].ports[0].containerPort;
    const toEmbedding = policies.find((item) => item.metadata.name === "allow-to-vllm-embedding")!;
    for (const [k, v] of Object.entries(toEmbedding.spec.podSelector.matchLabels as Record<string, string>)) {
      expect(embeddingDeployment.spec.template.metadata.labels[k]).to.equal(v);
    }
    for (const name of ["data-api", "data-bootstrap"]) {
      const env = envOf(name);
      expect(env.MILVUS_ADDRESS, name).to.equal(
        `${infraServices.milvus.name}.${infraServices.milvus.namespace}.svc.cluster.local:${infraServices.milvus.port}`,
      );
      expect(env.EMBEDDING_ENDPOINT, name).to.equal(
        `http://${embeddingService.metadata.name}.${embeddingService.metadata.namespace}.svc.cluster.local:${embeddingService.spec.ports[0].port}`,
      );
      expect(env.EMBEDDING_MODEL, name).to.equal(servedModel);
      expect(sourcesOf("allow-to-milvus", infraServices.milvus.port), `${name} -> milvus`).to.include(name);
      expect(sourcesOf("allow-to-vllm-embedding", embeddingPodPort), `${name} -> embedding server`).to.include(name);
    }
  });

  it("whoever follows the Data API's presigned URLs may reach the host it signs for", () => {
    const dataApiEnv = envOf(appServices.dataApi.name);
    const signedHost = new URL(dataApiEnv.S3_PUBLIC_ENDPOINT ?? dataApiEnv.S3_ENDPOINT!);
    expect(signedHost.hostname).to.equal(`${infraServices.minio.name}.${infraServices.minio.namespace}.svc.cluster.local`);
    expect(Number(signedHost.port)).to.equal(infraServices.minio.port);
    const admitted = sourcesOf("allow-to-minio", infraServices.minio.port);
    // The batch job reads its input that way; the acceptance suite runs the batch job in-process and downloads the file it computes ground truth from.
    for (const reader of ["model-dataset-job", "acceptance-suite"]) expect(admitted, `${reader} -> minio`).to.include(reader);
  });

  it("the acceptance Job outlives its suite's check budget, and verify waits for the Job's deadline", () => {
    const suiteBudgetSeconds = acceptanceChecks.reduce((sum, check) => sum + check.timeoutMs, 0) / 1000;
    const job = ofKind("Job").find((item) => item.metadata.name === "acceptance-suite")!;
    expect(job.spec.activeDeadlineSeconds).to.equal(acceptanceDeadlineSeconds);
    expect(acceptanceDeadlineSeconds, "deadline vs the sum of check timeouts").to.be.greaterThan(suiteBudgetSeconds);
    const step = verifySteps({ env: "kind", imageTag: "t" }).find((s) => s.kind === "shell" && s.description.includes("acceptance-suite"));
    if (step?.kind !== "shell") throw new Error("verify has no acceptance step");
    const waited = Number(/wait --for=jsonpath=\S+ job\/acceptance-suite --timeout=(\d+)s/.exec(step.script)?.[1]);
    expect(waited, "verify's kubectl wait").to.be.at.least(acceptanceDeadlineSeconds);
    expect(step.timeoutSeconds, "verify step timeout").to.be.greaterThan(waited);
  });

  it("our pods run non-root with a read-only root filesystem, dropped capabilities, requests and limits", () => {
    for (const { workload, spec } of podTemplates()) {
      expect(spec.securityContext.runAsNonRoot, workload.metadata.name).to.equal(true);
      for (const c of spec.containers) {
        expect(c.securityContext.readOnlyRootFilesystem, c.name).to.equal(true);
        expect(c.securityContext.allowPrivilegeEscalation, c.name).to.equal(false);
        expect(c.securityContext.capabilities.drop, c.name).to.deep.equal(["ALL"]);
        expect(c.resources.requests, c.name).to.have.keys("cpu", "memory");
        expect(c.resources.limits, c.name).to.include.keys("cpu", "memory");
      }
    }
  });

  it("NetworkPolicies deny ingress by default in every namespace and allow only the listed flows", () => {
    const policies = ofKind("NetworkPolicy");
    for (const ns of Object.values(namespaces)) {
      expect(
        policies.some(
          (p) => p.metadata.namespace === ns && p.metadata.name === "default-deny-ingress" && Object.keys(p.spec.podSelector).length === 0,
        ),
      ).to.equal(true);
    }
    const toData = policies.find((p) => p.metadata.name === "allow-to-data-api")!;
    const sources = toData.spec.ingress.map((r: Any) => r.from[0].podSelector.matchLabels["app.kubernetes.io/name"]);
    expect(sources.sort()).to.deep.equal(["acceptance-suite", "agent-api", "model-dataset-job"]);
    const toMysql = policies.find((p) => p.metadata.name === "allow-to-mysql")!;
    expect(toMysql.spec.podSelector.matchLabels).to.deep.equal(helmReleases.find((r) => r.release === "mysql")!.labels.podLabels);
    expect(toMysql.spec.ingress.every((r: Any) => r.ports[0].port === 3306)).to.equal(true);
  });

  it("the committed k8s/manifests/*.yaml are exactly what the topology renders (npm run render:k8s)", () => {
    for (const [file, text] of Object.entries(renderedYamlFiles())) {
      const committed = join(repoRoot, "k8s/manifests", file);
      expect(existsSync(committed), `${file} missing: run npm run render:k8s`).to.equal(true);
      expect(readFileSync(committed, "utf8"), `${file} drifted: run npm run render:k8s`).to.equal(text);
    }
  });
});
