import { request as httpRequest } from "node:http";
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import { expect } from "chai";
import { createLogger } from "@one-data/platform";
import { createRouter } from "../src/app.js";
import { glossaryChunks, salesMetadata } from "./fixtures.js";
import { isQueryRequest, startHarness, structuredQuery, type Harness } from "./harness.js";

type Doc = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };
type Res = { status: number; body: unknown; contentType: string };

describe("agent-api OpenAPI document", function () {
  this.timeout(30_000);
  let h: Harness;
  let doc: Doc;
  let ajv: Ajv2020;

  before(async () => {
    h = await startHarness({
      data: { tables: [salesMetadata], chunks: glossaryChunks, datasets: [{ dataset_id: "ds-001" }] },
      modelTimeoutMs: 400,
      dataTimeoutMs: 400,
    });
    const res = await fetch(`${h.url}/api/v1/openapi.json`);
    expect(res.status).to.equal(200);
    doc = (await res.json()) as Doc;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    ajvFormats.default(ajv);
    ajv.addSchema(doc, "openapi");
  });
  after(() => h.close());

  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> => {
    const res = await fetch(`${h.url}${path}`, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const contentType = (res.headers.get("content-type") ?? "").split(";")[0]!;
    return { status: res.status, body: contentType === "application/json" ? JSON.parse(text) : text, contentType };
  };

  const pointer = (path: string, method: string, status: number) =>
    `openapi#/paths/${path.replaceAll("~", "~0").replaceAll("/", "~1")}/${method}/responses/${status}/content/application~1json/schema`;

  /** A real response against the document's entry for its path, method, status and content type. */
  function conforms(path: string, method: string, res: Res): void {
    const responses = doc.paths[path]?.[method]?.responses;
    expect(responses, `${method} ${path} is documented`).to.not.equal(undefined);
    const documented = responses![String(res.status)];
    expect(documented, `${method} ${path} documents status ${res.status}: ${JSON.stringify(res.body)}`).to.not.equal(undefined);
    expect(Object.keys(documented!.content ?? {}), `${method} ${path} ${res.status} documents ${res.contentType}`).to.include(
      res.contentType,
    );
    if (res.contentType !== "application/json") return;
    const validate = ajv.getSchema(pointer(path, method, res.status));
    expect(validate, `schema for ${method} ${path} ${res.status}`).to.not.equal(undefined);
    expect(validate!(res.body), `${method} ${path} ${res.status}: ${JSON.stringify(validate!.errors)}`).to.equal(true);
  }

  it("documents the dataset id pattern its dataset routes enforce, and refuses other ids with 400", async () => {
    type Parameter = { name: string; in: string; schema: { pattern?: string } };
    const routes = ["/api/v1/datasets/{id}", "/api/v1/datasets/{id}/schema", "/api/v1/datasets/{id}/preview"];
    for (const path of routes) {
      const parameters = (doc.paths[path]?.get as unknown as { parameters: Parameter[] }).parameters;
      const pattern = parameters.find((p) => p.name === "id" && p.in === "path")?.schema.pattern;
      expect(pattern, path).to.be.a("string");
      const matches = (id: string) => new RegExp(pattern!, "u").test(id);
      expect([matches("ds-001"), matches("ds-123456"), matches("0"), matches("ds-1"), matches("../ready")], path).to.deep.equal([
        true,
        true,
        false,
        false,
        false,
      ]);
    }
    for (const path of ["/api/v1/datasets/0", "/api/v1/datasets/ds-1/schema", "/api/v1/datasets/x%2F..%2Fready/preview"]) {
      const res = await send("GET", path);
      expect(res.status, path).to.equal(400);
      expect((res.body as { code: number }).code, path).to.equal(40001);
      conforms(path.replace(/\/datasets\/[^/]+/, "/datasets/{id}"), "get", res);
    }
  });

  it("is OpenAPI 3.1 and documents every route the router serves, probes included", () => {
    expect(doc.openapi).to.equal("3.1.0");
    const router = createRouter({
      model: {} as never,
      data: {} as never,
      memory: {} as never,
      log: createLogger("t", "silent"),
      readyTimeoutMs: 1,
    });
    const served = router.stack.flatMap((layer) =>
      layer.methods.filter((m) => m !== "HEAD").map((m) => `${m.toLowerCase()} ${String(layer.path).replace(/:([a-z_]+)/g, "{$1}")}`),
    );
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect([...served].sort()).to.deep.equal([...documented].sort());
    expect(documented).to.include.members(["get /api/v1/health", "get /api/v1/ready"]);
  });

  it("describes the real responses of every route, successes and errors alike", async () => {
    h.model.onChat(isQueryRequest, { content: structuredQuery() });
    h.data.onQuery(() => ({ columns: [{ name: "sum_amount", type: "decimal" }], rows: [{ sum_amount: "2299.95" }] }));
    conforms("/api/v1/health", "get", await send("GET", "/api/v1/health"));
    conforms("/api/v1/ready", "get", await send("GET", "/api/v1/ready"));
    conforms("/api/v1/openapi.json", "get", await send("GET", "/api/v1/openapi.json"));
    conforms("/api/v1/datasets", "get", await send("GET", "/api/v1/datasets"));
    conforms("/api/v1/chat", "post", await send("POST", "/api/v1/chat", { message: "Hello", conversation_id: "oa-1" }));
    conforms("/api/v1/chat", "post", await send("POST", "/api/v1/chat", { message: "What is the total amount?" }));
    conforms("/api/v1/chat", "post", await send("POST", "/api/v1/chat", { message: "What is a key customer?" }));
    conforms("/api/v1/chat", "post", await send("POST", "/api/v1/chat", { message: "How many key customers are there?" }));
    conforms("/api/v1/chat", "post", await send("POST", "/api/v1/chat", { message: "drop the table" }));
    conforms("/api/v1/chat", "post", await send("POST", "/api/v1/chat", { message: "Hello", stream: true }));
    conforms("/api/v1/chat", "post", await send("POST", "/api/v1/chat", { message: "" }));
    conforms("/api/v1/chat", "post", await send("POST", "/api/v1/chat", "{not json"));
    const prototypeKey = await send("POST", "/v1/chat/completions", '{"__proto__": {"x": 1}, "model": "one-data-agent"}');
    expect(
      [prototypeKey.status, (prototypeKey.body as { error: { code: string } }).error.code],
      "a __proto__ key is bad input",
    ).to.deep.equal([400, "40002"]);
    conforms("/v1/chat/completions", "post", prototypeKey);
    conforms("/api/v1/chat", "post", await send("POST", "/api/v1/chat", { message: "x".repeat(70_000) }));
    conforms("/api/v1/conversations/{id}", "get", await send("GET", "/api/v1/conversations/oa-1"));
    conforms("/api/v1/conversations/{id}", "get", await send("GET", "/api/v1/conversations/none-such"));
    conforms("/api/v1/conversations/{id}", "get", await send("GET", "/api/v1/conversations/bad%20id"));
    conforms("/api/v1/conversations/{id}", "delete", await send("DELETE", "/api/v1/conversations/oa-1"));
    conforms("/v1/models", "get", await send("GET", "/v1/models"));
    const completion = { model: "one-data-agent", messages: [{ role: "user", content: "Hello" }] };
    conforms("/v1/chat/completions", "post", await send("POST", "/v1/chat/completions", completion));
    conforms("/v1/chat/completions", "post", await send("POST", "/v1/chat/completions", { ...completion, stream: true }));
    conforms("/v1/chat/completions", "post", await send("POST", "/v1/chat/completions", { ...completion, model: "gpt-4" }));
    conforms("/v1/chat/completions", "post", await send("POST", "/v1/chat/completions", { model: "one-data-agent", messages: [] }));

    h.data.fail("health", { status: 503 });
    conforms("/api/v1/ready", "get", await send("GET", "/api/v1/ready"));
    h.data.fail("datasets", { status: 500 });
    conforms("/api/v1/datasets", "get", await send("GET", "/api/v1/datasets"));
    h.data.fail("metadata", { status: 200, delayMs: 1_000 });
    conforms("/api/v1/chat", "post", await send("POST", "/api/v1/chat", { message: "What is the total amount?" }));
    h.data.fail("metadata", undefined);
    h.model.fail({ path: "/v1/chat/completions", status: 500, times: 2 });
    conforms("/api/v1/chat", "post", await send("POST", "/api/v1/chat", { message: "Hello" }));
    conforms("/v1/chat/completions", "post", await send("POST", "/v1/chat/completions", completion));
    h.model.onChat(() => true, { content: "late" }, { delayMs: 1_000, times: 1 });
    conforms("/v1/chat/completions", "post", await send("POST", "/v1/chat/completions", completion));
  });

  it("answers a known path asked with another method with 405 in its API's error format, never a 500", async () => {
    // fetch refuses TRACE, so node:http asks.
    const raw = (method: string, path: string) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = httpRequest(`${h.url}${path}`, { method }, (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        });
        req.on("error", reject);
        req.end();
      });
    for (const method of ["PUT", "TRACE", "PROPFIND", "OPTIONS"]) {
      const res = await raw(method, "/api/v1/chat");
      expect([res.status, res.body.code], method).to.deep.equal([405, 40501]);
      const openAi = await raw(method, "/v1/chat/completions");
      expect([openAi.status, openAi.body.error.code], method).to.deep.equal([405, "40501"]);
    }
  });

  it("rejects a response that breaks the contract (the check can fail)", () => {
    const validate = ajv.getSchema(pointer("/api/v1/chat", "post", 200))!;
    expect(validate({ code: 0, message: "success", data: { reply: "x", route: "chat" } })).to.equal(false);
    expect(
      validate({
        code: 0,
        message: "success",
        data: {
          reply: "x",
          conversation_id: "c",
          route: "guess",
          model: null,
          sources: {},
          degraded: [],
          timings: { model_ms: 0, data_api_ms: 0, total_ms: 0 },
        },
      }),
    ).to.equal(false);
  });
});
