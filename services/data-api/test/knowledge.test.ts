import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { createLogger, listen, type RunningServer } from "@one-data/platform";
import { createApp } from "../src/app.js";
import { createKnowledgeService, type KnowledgeSettings } from "../src/adapters/knowledge-backends.js";
import { registerGlossary } from "../src/domain/knowledge-glossary.js";
import type { KnowledgeService } from "../src/domain/knowledge.js";
import type { VectorSearchHit } from "@one-data/data-api-contract";
import { call, startHarness, type Harness } from "./support/harness.js";
import { OpenAiDouble } from "../../../test/doubles/openai-double.js";

describe("knowledge search against real Milvus Lite, MariaDB and MinIO", function () {
  this.timeout(120_000);
  let h: Harness;
  const log = createLogger("knowledge-test", "silent");
  const opened: { server: RunningServer; close(): Promise<void> }[] = [];

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    for (const item of opened) {
      await item.server.close();
      await item.close();
    }
    await h?.stop();
  });

  /** The Data API with knowledge search wired to the given endpoints and a collection prefix of its own. */
  async function serve(overrides: Partial<KnowledgeSettings>): Promise<{ url: string; knowledge: KnowledgeService }> {
    const prefix = `${h.config.KNOWLEDGE_COLLECTION_PREFIX}_${randomBytes(2).toString("hex")}`;
    const built = createKnowledgeService(
      { ...h.config, KNOWLEDGE_COLLECTION_PREFIX: prefix, ...overrides },
      { datasets: h.deps.datasets, objects: h.deps.objects, bucket: h.config.S3_BUCKET, log, compensations: h.deps.compensations },
    );
    const server = await listen(createApp({ ...h.deps, knowledge: built.knowledge }), {
      host: "127.0.0.1",
      port: 0,
      log,
      handleSignals: false,
    });
    opened.push({ server, close: built.close });
    return { url: `${server.url}/api/v1`, knowledge: built.knowledge };
  }

  it("finds the glossary chunk that answers a question, with the real small model's embeddings", async () => {
    const { url, knowledge } = await serve({});
    const { document, created } = await registerGlossary(knowledge, log);
    expect(created).to.equal(true);
    expect(document.chunks).to.be.greaterThan(2);
    expect((await registerGlossary(knowledge, log)).created).to.equal(false);

    for (const question of ["什么是大客户？", "What is a key customer?"]) {
      const res = await call<{ results: VectorSearchHit[] }>(`${url}/vector/search`, {
        method: "POST",
        json: { query: question, top_k: 1 },
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const [top] = res.body.data!.results;
      expect(top?.document_id).to.equal(document.document_id);
      expect(top?.document_name).to.equal("business_glossary");
      expect(top?.text).to.contain("at least 500");
      expect(top?.text).to.contain("不少于 500");
      expect(top?.chunk_id).to.equal(`${document.document_id}:${top?.position}`);
    }
  });

  it("registers, replaces on re-registration, filters, lists and deletes (scripted embeddings)", async () => {
    const model = await OpenAiDouble.start({ modelName: "double-embed", embeddingDimension: 8 });
    try {
      const { url } = await serve({ EMBEDDING_ENDPOINT: model.url, EMBEDDING_MODEL: "double-embed" });
      const first = await call<{ document_id: string; version: number; chunks: number }>(`${url}/knowledge/documents`, {
        method: "POST",
        json: { name: "faq", content: "# 退货\n退货期限是三十天。\n# 发票\n发票在下单后七天内开具。" },
      });
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      const id = first.body.data!.document_id;
      expect(first.body.data!.chunks).to.equal(2);

      const search = async (query: string, filters?: unknown) =>
        (
          await call<{ results: VectorSearchHit[] }>(`${url}/vector/search`, {
            method: "POST",
            json: { query, top_k: 5, ...(filters !== undefined && { filters }) },
          })
        ).body.data!.results;
      expect((await search("发票什么时候开具"))[0]?.text).to.contain("七天");

      const again = await call<{ document_id: string; version: number; chunks: number }>(`${url}/knowledge/documents`, {
        method: "POST",
        json: { name: "faq", content: "# 退货\n退货期限改为十五天。" },
      });
      expect(again.body.data).to.include({ document_id: id, version: 2, chunks: 1 });
      const afterReplace = await search("退货期限");
      expect(afterReplace.map((hit) => hit.text)).to.deep.equal(["# 退货\n退货期限改为十五天。"]);
      expect(await search("退货期限", { document_id: "ds-999" })).to.deep.equal([]);

      const listed = await call<{ document_id: string }[]>(`${url}/knowledge/documents`);
      expect(listed.body.data!.map((d) => d.document_id)).to.include(id);

      const removed = await call<{ deleted_chunks: number }>(`${url}/knowledge/documents/${id}`, { method: "DELETE" });
      expect(removed.body.data).to.deep.equal({ document_id: id, deleted_chunks: 1 });
      expect(await search("退货期限")).to.deep.equal([]);
    } finally {
      await model.close();
    }
  });

  it("stays ready without Milvus (datasets, schema and SQL still serve) and says so: degraded, milvus unavailable", async () => {
    const up = await serve({});
    const ready = await call<{ checks: Record<string, string>; degraded: string[] }>(`${up.url}/ready`);
    expect(ready.status, JSON.stringify(ready.body)).to.equal(200);
    expect(ready.body.message).to.equal("ready");
    expect(ready.body.data).to.deep.include({ degraded: [] });
    expect(ready.body.data!.checks).to.include({ mysql: "ok", s3: "ok", milvus: "ok" });
    const noMilvus = await serve({ MILVUS_ADDRESS: "127.0.0.1:1", MILVUS_TIMEOUT_MS: 1500 });
    const degraded = await call<{ checks: Record<string, string>; degraded: string[] }>(`${noMilvus.url}/ready`);
    expect(degraded.status, JSON.stringify(degraded.body)).to.equal(200);
    expect(degraded.body.message).to.equal("ready, degraded: milvus unavailable (knowledge search answers 503)");
    expect(degraded.body.data!.degraded).to.deep.equal(["milvus"]);
    expect(degraded.body.data!.checks.milvus).to.not.equal("ok");
  });

  it("answers a query the embedding model cannot take (4,000 characters, valid by the schema) with 422 and the model's reason, not 503", async () => {
    const { url } = await serve({});
    const query = "大客户的销售总额是多少？".repeat(333);
    const res = await call(`${url}/vector/search`, { method: "POST", json: { query } });
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.code).to.equal(42201);
    expect(res.body.message).to.match(/^the embedding model refused the text: an input has \d+ tokens; this model embeds at most \d+$/);
  });

  it("refuses bad input with 400 and answers 503 with a code when Milvus or the model is down, while the registry keeps serving", async () => {
    const { url } = await serve({});
    const bad = await call(`${url}/knowledge/documents`, { method: "POST", json: { name: "x" } });
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal(40001);
    const badSearch = await call(`${url}/vector/search`, { method: "POST", json: { query: "", top_k: 500 } });
    expect(badSearch.status).to.equal(400);

    const before = (await call<unknown[]>(`${h.url}/datasets`)).body.data!.length;
    const noMilvus = await serve({ MILVUS_ADDRESS: "127.0.0.1:1", MILVUS_TIMEOUT_MS: 1500 });
    const noModel = await serve({ EMBEDDING_ENDPOINT: "http://127.0.0.1:1", EMBEDDING_MODEL: "m" });
    for (const target of [noMilvus.url, noModel.url]) {
      const register = await call(`${target}/knowledge/documents`, { method: "POST", json: { name: "down", content: "text" } });
      expect(register.status, JSON.stringify(register.body)).to.be.oneOf([503, 504]);
      expect(register.body.code).to.be.oneOf([50301, 50401]);
      const search = await call(`${target}/vector/search`, { method: "POST", json: { query: "text" } });
      expect(search.status).to.be.oneOf([503, 504]);
      const datasets = await call<unknown[]>(`${target}/datasets`);
      expect(datasets.status).to.equal(200);
    }
    expect((await call<unknown[]>(`${h.url}/datasets`)).body.data!.length).to.equal(before);
  });
});
