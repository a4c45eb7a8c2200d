import { expect } from "chai";
import { get } from "node:http";
import { startHarness, type Harness } from "./harness.js";

describe("agent-api: the page at / and what it asks of the Data API", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ data: { tables: [] }, dataTimeoutMs: 1_000 });
  });
  afterEach(async () => h.close());

  it("serves the page and its two files with their types, a CSP and an ETag that answers 304", async () => {
    const page = await fetch(`${h.url}/`);
    expect(page.status).to.equal(200);
    expect(page.headers.get("content-type")).to.equal("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).to.include("default-src 'self'");
    expect(page.headers.get("x-content-type-options")).to.equal("nosniff");
    const html = await page.text();
    expect(html).to.include('<script type="module" src="/ui/app.js">').and.include('href="/ui/style.css"');
    // By node:http: fetch adds `cache-control: no-cache` to a conditional request, as browsers do on reload.
    const revalidated = await new Promise<number>((resolve, reject) => {
      get(`${h.url}/`, { headers: { "if-none-match": page.headers.get("etag")! } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).once("error", reject);
    });
    expect(revalidated).to.equal(304);
    expect((await fetch(`${h.url}/ui/app.js`)).headers.get("content-type")).to.equal("text/javascript; charset=utf-8");
    expect((await fetch(`${h.url}/ui/style.css`)).headers.get("content-type")).to.equal("text/css; charset=utf-8");
    for (const path of ["/ui/../package.json", "/ui/%2e%2e/src/app.ts", "/index.html", "/ui/nope.js"]) {
      expect((await fetch(`${h.url}${path}`)).status, path).to.equal(404);
    }
  });

  it("passes dataset detail, schema and preview through to the Data API with status and envelope unchanged", async () => {
    // The Data API double knows none of these routes and answers its own 404 envelope: it came from there.
    for (const path of ["/api/v1/datasets/ds-001", "/api/v1/datasets/ds-001/schema", "/api/v1/datasets/ds-001/preview?limit=10"]) {
      const reply = await h.get(path);
      expect(reply.status, path).to.equal(404);
      expect(reply.body, path).to.deep.equal({ code: 40401, message: "no such route in the double" });
    }
  });

  it("answers 503 with a code, not a hang or a 500, when the Data API is down, for reads and uploads alike", async () => {
    await h.data.close();
    const schema = await h.get("/api/v1/datasets/ds-001/schema");
    expect(schema.status).to.equal(503);
    expect(schema.body).to.include({ code: 50301 });
    const form = new FormData();
    form.append("name", "x");
    form.append("format", "csv");
    form.append("file", new Blob(["a,b\n1,2\n"], { type: "text/csv" }), "x.csv");
    const upload = await fetch(`${h.url}/api/v1/datasets/upload`, { method: "POST", body: form, signal: AbortSignal.timeout(10_000) });
    expect(upload.status).to.equal(503);
    expect(((await upload.json()) as { code: number }).code).to.equal(50301);
  });
});
