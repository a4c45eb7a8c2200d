import { createLogger, listen, type RunningServer } from "@one-data/platform";
import { expect } from "chai";
import { createApp } from "../src/app.js";
import { createKnowledgeService } from "../src/adapters/knowledge-backends.js";
import type { Dataset, VectorSearchHit } from "@one-data/data-api-contract";
import type { KnowledgeService } from "../src/domain/knowledge.js";
import { OpenAiDouble } from "../../../test/doubles/openai-double.js";
import { findHalfWritten } from "./support/consistency.js";
import { call, onceBack, putObject, startHarness, uploadForm, type Harness } from "./support/harness.js";
import { TcpSwitch } from "./support/tcp-switch.js";

/** Issue 11 items 1 and 3: a knowledge document is listed exactly when it is searchable. */
describe("knowledge documents: listed exactly when searchable", function () {
  this.timeout(120_000);
  const log = createLogger("knowledge-lifecycle-test", "silent");
  let h: Harness;
  let model: OpenAiDouble;
  let milvus: TcpSwitch;
  let server: RunningServer;
  let knowledge: KnowledgeService;
  let closeKnowledge: () => Promise<void>;
  let url: string;
  const milvusTimeoutMs = 4000;

  before(async () => {
    // Registry reads are cached for a second by default; these tests look right after each write.
    h = await startHarness({ REGISTRY_CACHE_MS: "0" });
    model = await OpenAiDouble.start({ modelName: "double-embed", embeddingDimension: 8 });
    const [host, port] = h.config.MILVUS_ADDRESS.split(":");
    milvus = new TcpSwitch(host!, Number(port));
    await milvus.up();
    const built = createKnowledgeService(
      {
        ...h.config,
        MILVUS_ADDRESS: `127.0.0.1:${milvus.port}`,
        MILVUS_TIMEOUT_MS: milvusTimeoutMs,
        EMBEDDING_ENDPOINT: model.url,
        EMBEDDING_MODEL: "double-embed",
      },
      { datasets: h.deps.datasets, objects: h.deps.objects, bucket: h.config.S3_BUCKET, log, compensations: h.deps.compensations },
    );
    knowledge = built.knowledge;
    closeKnowledge = built.close;
    server = await listen(createApp({ ...h.deps, knowledge }), { host: "127.0.0.1", port: 0, log, handleSignals: false });
    url = `${server.url}/api/v1`;
  });
  after(async () => {
    await server?.close();
    await closeKnowledge?.();
    await milvus?.down();
    await model?.close();
    await h?.stop();
  });

  const register = (name: string, content: string) =>
    call<{ document_id: string; version: number; chunks: number }>(`${url}/knowledge/documents`, {
      method: "POST",
      json: { name, content },
    });
  const search = async (query: string) =>
    (await call<{ results: VectorSearchHit[] }>(`${url}/vector/search`, { method: "POST", json: { query, top_k: 10 } })).body.data!.results;
  const listed = async () => (await call<{ name: string }[]>(`${url}/knowledge/documents`)).body.data!.map((d) => d.name).sort();

  it("leaves nothing behind when Milvus hangs or is down while a document is registered, and registers it once Milvus is back", async () => {
    // Outside the faults, a registration that meets the short Milvus deadline on a busy machine is retried (onceBack).
    expect((await onceBack(() => register("warm", "# Warm\nThe collection exists and is loaded."))).status).to.equal(201);
    for (const fault of ["hang", "down"] as const) {
      if (fault === "hang") milvus.hang();
      else await milvus.down();
      // Milvus stays hung (or down) until the registration has answered: only its own deadline can end it.
      const failed = await register(
        `during-${fault}`,
        "# Refunds\nRefunds take 30 days. A key account spends at least 1500.50 yuan per month.",
      );
      expect([503, 504], `${fault}: ${JSON.stringify(failed.body)}`).to.include(failed.status);
      expect([50301, 50401]).to.include(failed.body.code);
      if (fault === "hang") milvus.resume();
      else await milvus.up();
      await h.deps.compensations.settled();
      expect(await listed(), fault).to.deep.equal(["warm"]);
      expect(await findHalfWritten(h.config), fault).to.deep.equal([]);
    }
    const again = await onceBack(() => register("during-down", "# Refunds\nRefunds take 30 days."));
    expect(again.status, JSON.stringify(again.body)).to.equal(201);
    expect(again.body.data!.version).to.equal(1);
    expect((await search("Refunds")).map((hit) => hit.document_id)).to.include(again.body.data!.document_id);
    expect(await findHalfWritten(h.config)).to.deep.equal([]);
  });

  it("replaces a document's chunks on re-registration, and DELETE removes it from lists, reads and search", async () => {
    const first = await onceBack(() => register("faq", "# Returns\nReturns are accepted for 30 days."));
    const id = first.body.data!.document_id;
    const second = await onceBack(() => register("faq", "# Returns\nReturns are accepted for 15 days."));
    expect(second.body.data).to.include({ document_id: id, version: 2 });
    expect((await search("Returns")).filter((hit) => hit.document_id === id).map((hit) => hit.text)).to.deep.equal([
      "# Returns\nReturns are accepted for 15 days.",
    ]);
    expect(await findHalfWritten(h.config)).to.deep.equal([]);

    const removed = await call<{ deleted_chunks: number }>(`${url}/knowledge/documents/${id}`, { method: "DELETE" });
    expect(removed.status, JSON.stringify(removed.body)).to.equal(200);
    expect(removed.body.data).to.deep.equal({ document_id: id, deleted_chunks: 1 });
    expect(await listed()).to.not.include("faq");
    expect((await call(`${url}/datasets/${id}`)).status).to.equal(404);
    expect((await call<Dataset[]>(`${url}/datasets`)).body.data!.map((d) => d.dataset_id)).to.not.include(id);
    expect((await search("Returns")).map((hit) => hit.document_id)).to.not.include(id);
    expect((await call(`${url}/knowledge/documents/${id}`, { method: "DELETE" })).status).to.equal(404);
    expect(await findHalfWritten(h.config)).to.deep.equal([]);

    const reborn = await onceBack(() => register("faq", "# Returns\nReturns are accepted for 7 days."));
    expect(reborn.body.data).to.include({ document_id: id, version: 3 });
    expect((await search("Returns")).filter((hit) => hit.document_id === id).map((hit) => hit.text)).to.deep.equal([
      "# Returns\nReturns are accepted for 7 days.",
    ]);
  });

  it("indexes a dataset registered or uploaded with format text or markdown, so what is listed as a knowledge document is searchable", async () => {
    await putObject(h.config, "notes/gmv.txt", "GMV is the gross merchandise value of all orders.");
    const registered = await call<Dataset>(`${url}/datasets`, {
      method: "POST",
      json: { name: "gmv", storage_path: `s3://${h.config.S3_BUCKET}/notes/gmv.txt`, format: "text" },
    });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(200);
    expect(registered.body.data).to.include({ name: "gmv", format: "text", table: null });
    const uploaded = await uploadForm(
      url,
      { name: "aov", format: "markdown" },
      { name: "aov.md", content: "# AOV\nAverage order value is revenue divided by orders.", type: "text/markdown" },
    );
    expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(200);
    const hits = await search("gross merchandise value average order value");
    for (const dataset of [registered.body.data!, uploaded.body.data as Dataset]) {
      expect(
        hits.map((hit) => hit.document_id),
        dataset.name,
      ).to.include(dataset.dataset_id);
    }
    expect(await listed()).to.include.members(["aov", "gmv"]);
    expect(await findHalfWritten(h.config)).to.deep.equal([]);
  });
});
