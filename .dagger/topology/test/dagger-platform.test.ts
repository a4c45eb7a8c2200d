import { dataApiEnvSchema } from "@one-data/data-api/config";
import { envSchema as agentApiEnvSchema } from "@one-data/agent-api/config";
import { expect } from "chai";
import {
  daggerDependencies,
  daggerPlatform,
  smallModelName,
  generatedValues,
  ourImages,
  type DaggerPlatform,
  type DaggerServiceSpec,
} from "../src/index.js";

/** The environment a service would see, with each generated value or key standing in as a fixed string. */
function envOf(spec: DaggerServiceSpec): Record<string, string> {
  return Object.fromEntries(
    Object.entries(spec.env).map(([name, source]) => [
      name,
      "value" in source ? source.value : "generated" in source ? `<${source.generated}>` : "<key>",
    ]),
  );
}

const serviceNamed = (graph: DaggerPlatform, name: string) => graph.services.find((s) => s.name === name)!;

/** host:port pairs a URL-ish env value points at. */
const targets = (value: string) =>
  [...value.matchAll(/^(?:https?:\/\/)?([a-z-]+):(\d+)$/g)].map((m) => ({ host: m[1]!, port: Number(m[2]) }));

describe("dagger call platform: the service graph", () => {
  for (const [label, options] of [
    ["with the small model container", {}],
    [
      "with an outside OpenAI-compatible server",
      { model: { endpoint: "http://models.example:8000/v1", name: "Qwen/Qwen2.5-7B-Instruct", apiKey: true } },
    ],
  ] as const) {
    describe(label, () => {
      const graph = daggerPlatform(options);

      it("gives each service every variable its own configuration schema requires, valid", () => {
        for (const [name, schema] of [
          ["data-api", dataApiEnvSchema],
          ["agent-api", agentApiEnvSchema],
        ] as const) {
          const parsed = schema.safeParse(envOf(serviceNamed(graph, name)));
          expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).to.equal(true);
        }
      });

      it("binds every host a service's environment names, each before it starts, on the port it listens on", () => {
        const listening = new Map<string, number>(
          Object.entries(daggerDependencies)
            .filter(([h]) => graph.dependencies.includes(h as never))
            .map(([h, d]) => [h, d.port]),
        );
        for (const spec of graph.services) {
          for (const host of spec.bindings) expect(listening.has(host), `${spec.name} binds ${host} before it exists`).to.equal(true);
          const env = envOf(spec);
          // URLs and host:port values, and NAME_HOST with its NAME_PORT.
          const hostPorts = Object.entries(env).flatMap(([name, value]) =>
            name.endsWith("_HOST") && value !== "0.0.0.0"
              ? [{ host: value, port: Number(env[name.replace(/_HOST$/, "_PORT")]) }]
              : targets(value),
          );
          for (const target of hostPorts) {
            if (target.host === "models") continue;
            expect(spec.bindings, `${spec.name} reaches ${target.host}`).to.include(target.host);
            expect(listening.get(target.host), `${target.host}'s port`).to.equal(target.port);
          }
          listening.set(spec.name, spec.port);
        }
        expect(graph.exposed).to.equal("agent-api");
        expect(serviceNamed(graph, "agent-api").port, "`up --ports=8081:8080` reaches it").to.equal(8080);
      });

      it("passes credentials only as generated secrets, never as plain values", () => {
        const secretNames = /PASSWORD|SECRET|ACCESS_KEY|API_KEY/;
        for (const spec of graph.services) {
          for (const [name, source] of Object.entries(spec.env)) {
            if (secretNames.test(name)) expect("value" in source, `${spec.name} ${name}`).to.equal(false);
          }
        }
        const used = graph.services.flatMap((s) => Object.values(s.env).flatMap((v) => ("generated" in v ? [v.generated] : [])));
        expect([...new Set(used)].sort()).to.deep.equal([...generatedValues].sort());
      });

      it("bootstraps the seed data before the Data API serves, with the image's own entry points", () => {
        const script = serviceNamed(graph, "data-api").args.join(" ");
        const [main, bootstrap] = ourImages.dataApi.entryPoints;
        expect(script).to.match(new RegExp(`node ${bootstrap} && exec node ${main}$`));
        expect(serviceNamed(graph, "agent-api").args).to.deep.equal(["node", ourImages.agentApi.entryPoints[0]]);
      });
    });
  }

  it("starts the small model only when no outside model is given, and points both services at the one in use", () => {
    const local = daggerPlatform();
    expect(local.dependencies).to.include("model");
    expect(envOf(serviceNamed(local, "agent-api"))).to.include({ MODEL_ENDPOINT: "http://model:8080", MODEL_NAME: smallModelName });
    const outside = daggerPlatform({ model: { endpoint: "http://models.example:8000/v1/", name: "m", apiKey: false } });
    expect(outside.dependencies).not.to.include("model");
    for (const spec of outside.services) expect(spec.bindings).not.to.include("model");
    expect(envOf(serviceNamed(outside, "agent-api"))).to.include({ MODEL_ENDPOINT: "http://models.example:8000", MODEL_NAME: "m" });
    expect(envOf(serviceNamed(outside, "data-api"))).to.include({ EMBEDDING_ENDPOINT: "http://models.example:8000" });
    expect(envOf(serviceNamed(outside, "agent-api"))).not.to.have.property("MODEL_API_KEY");
  });
});
