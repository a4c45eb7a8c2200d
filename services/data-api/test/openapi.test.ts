import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import { expect } from "chai";
import { salesDataCsv } from "../src/bootstrap.js";
import { createRouter } from "../src/app.js";
import { call, putObject, startHarness, uploadForm, type ApiResponse, type Harness } from "./support/harness.js";

type Doc = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>> };

describe("data-api OpenAPI document", function () {
  this.timeout(60_000);
  let h: Harness;
  let doc: Doc;
  let ajv: Ajv2020;

  before(async () => {
    h = await startHarness();
    const res = await call<never>(`${h.url}/openapi.json`);
    expect(res.status).to.equal(200);
    doc = res.body as unknown as Doc;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    // Formats (date-time, uri...) are part of the contract: without them ajv ignores them.
    ajvFormats.default(ajv);
    ajv.addSchema(doc, "openapi");
  });
  after(async () => {
    await h?.stop();
  });

  const pointer = (path: string, method: string, status: number) =>
    `openapi#/paths/${path.replaceAll("~", "~0").replaceAll("/", "~1")}/${method}/responses/${status}/content/application~1json/schema`;

  /** Validates a real response against the document's schema for its path, method and status. */
  function conforms(path: string, method: string, res: ApiResponse<unknown>): void {
    const operation = doc.paths[path]?.[method];
    expect(operation, `${method} ${path} is documented`).to.not.equal(undefined);
    expect(operation!.responses[String(res.status)], `${method} ${path} documents status ${res.status}`).to.not.equal(undefined);
    const validate = ajv.getSchema(pointer(path, method, res.status));
    expect(validate, `schema for ${method} ${path} ${res.status}`).to.not.equal(undefined);
    const ok = validate!(res.body);
    expect(ok, `${method} ${path} ${res.status}: ${JSON.stringify(validate!.errors)}`).to.equal(true);
  }

  it("is OpenAPI 3.1 and documents every route the router serves", () => {
    expect(doc.openapi).to.equal("3.1.0");
    const router = createRouter(h.deps);
    const served = router.stack.flatMap((layer) =>
      layer.methods.filter((m) => m !== "HEAD").map((m) => `${m.toLowerCase()} ${String(layer.path).replace(/:([a-z_]+)/g, "{$1}")}`),
    );
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(served.length).to.be.greaterThan(10);
    expect([...served].sort()).to.deep.equal([...documented].sort());
  });

  it("describes the real responses of every endpoint, successes and errors alike", async () => {
    await putObject(h.config, "sales_data.csv", salesDataCsv);
    const base = "/api/v1";
    conforms(`${base}/health`, "get", await call(`${h.url}/health`));
    conforms(`${base}/ready`, "get", await call(`${h.url}/ready`));
    conforms(
      `${base}/datasets`,
      "post",
      await call(`${h.url}/datasets`, {
        method: "POST",
        json: { name: "sales", storage_path: `s3://${h.config.S3_BUCKET}/sales_data.csv`, format: "csv" },
      }),
    );
    conforms(`${base}/datasets`, "post", await call(`${h.url}/datasets`, { method: "POST", json: { name: "sales" } }));
    conforms(
      `${base}/datasets`,
      "post",
      await call(`${h.url}/datasets`, {
        method: "POST",
        json: { name: "m", storage_path: `s3://${h.config.S3_BUCKET}/nope.csv`, format: "csv" },
      }),
    );
    conforms(
      `${base}/datasets/upload`,
      "post",
      await uploadForm(h.url, { name: "notes", format: "text" }, { name: "n.txt", content: "hello" }),
    );
    conforms(
      `${base}/datasets/upload`,
      "post",
      await uploadForm(h.url, { name: "r", format: "csv" }, { name: "r.csv", content: "a,b\n1\n" }),
    );
    conforms(`${base}/datasets`, "get", await call(`${h.url}/datasets`));
    conforms(`${base}/datasets/{id}`, "get", await call(`${h.url}/datasets/ds-001`));
    conforms(`${base}/datasets/{id}`, "get", await call(`${h.url}/datasets/ds-404`));
    conforms(`${base}/datasets/{id}/versions`, "get", await call(`${h.url}/datasets/ds-001/versions`));
    conforms(`${base}/datasets/{id}/schema`, "get", await call(`${h.url}/datasets/ds-001/schema`));
    conforms(`${base}/datasets/{id}/schema`, "get", await call(`${h.url}/datasets/ds-002/schema`));
    conforms(`${base}/datasets/{id}/preview`, "get", await call(`${h.url}/datasets/ds-001/preview?limit=3`));
    conforms(`${base}/datasets/{id}/download`, "get", await call(`${h.url}/datasets/ds-001/download`));
    conforms(`${base}/metadata/tables`, "get", await call(`${h.url}/metadata/tables?keywords=amount`));
    conforms(
      `${base}/query`,
      "post",
      await call(`${h.url}/query`, { method: "POST", json: { sql: "SELECT SUM(amount) AS total FROM ds_001_v1" } }),
    );
    conforms(`${base}/query`, "post", await call(`${h.url}/query`, { method: "POST", json: { sql: "DROP TABLE ds_001_v1" } }));
    conforms(`${base}/knowledge/documents`, "get", await call(`${h.url}/knowledge/documents`));
    conforms(
      `${base}/knowledge/documents`,
      "post",
      await call(`${h.url}/knowledge/documents`, {
        method: "POST",
        json: { name: "both", content: "x", storage_path: `s3://${h.config.S3_BUCKET}/a.md` },
      }),
    );
    conforms(`${base}/knowledge/documents/{id}`, "delete", await call(`${h.url}/knowledge/documents/ds-404`, { method: "DELETE" }));
    conforms(`${base}/knowledge/documents/{id}`, "delete", await call(`${h.url}/knowledge/documents/ds-001`, { method: "DELETE" }));
    conforms(`${base}/vector/search`, "post", await call(`${h.url}/vector/search`, { method: "POST", json: { query: "x", top_k: 500 } }));
    const registered = await call<{ document_id: string }>(`${h.url}/knowledge/documents`, {
      method: "POST",
      json: { name: "faq.md", content: "# 退货\n退货期限是三十天。" },
    });
    conforms(`${base}/knowledge/documents`, "post", registered);
    conforms(
      `${base}/vector/search`,
      "post",
      await call(`${h.url}/vector/search`, { method: "POST", json: { query: "退货期限", top_k: 2 } }),
    );
    conforms(
      `${base}/knowledge/documents/{id}`,
      "delete",
      await call(`${h.url}/knowledge/documents/${registered.body.data!.document_id}`, { method: "DELETE" }),
    );
    const redirect = await call(`${h.url}/datasets/ds-001/download?redirect=true`);
    expect(redirect.status).to.equal(302);
    expect(doc.paths[`${base}/datasets/{id}/download`]!.get!.responses["302"]).to.not.equal(undefined);
  });

  it("rejects a response that breaks the contract (the check can fail)", () => {
    const validate = ajv.getSchema(pointer("/api/v1/datasets/{id}", "get", 200))!;
    expect(validate({ code: 0, message: "success", data: { dataset_id: "ds-001" } })).to.equal(false);
  });
});
