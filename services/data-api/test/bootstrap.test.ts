import { expect } from "chai";
import { createLogger } from "@one-data/platform";
import { bootstrapKnowledge, runBootstrap, salesDataset } from "../src/bootstrap.js";
import { connectDependencies } from "../src/wiring.js";
import { glossaryDocument } from "../src/domain/knowledge-glossary.js";
import type { VectorSearchHit } from "@one-data/data-api-contract";
import { OpenAiDouble } from "../../../test/doubles/openai-double.js";
import { call, listKeys, startHarness, type Harness } from "./support/harness.js";

describe("data-api bootstrap job", function () {
  this.timeout(300_000);
  let h: Harness;
  const log = createLogger("bootstrap-test", "silent");

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  it("seeds sales_data.csv as ds-001 sales_data_v1.0 and indexes the glossary; a second run changes nothing", async () => {
    // The deadline leaves room for retries: on a busy machine one call to the real embedding model can take its 30 s.
    await runBootstrap(h.deps, log, { deadlineMs: 240_000 });
    await runBootstrap(h.deps, log, { deadlineMs: 240_000 });
    const list = await call<
      { dataset_id: string; name: string; version: number; storage_path: string; row_count: number | null; format: string }[]
    >(`${h.url}/datasets`);
    expect(list.body.data!.map((d) => [d.dataset_id, d.name, d.version])).to.deep.equal([
      ["ds-001", salesDataset.name, 1],
      ["ds-002", glossaryDocument.name, 1],
    ]);
    expect(list.body.data![0]).to.include({ storage_path: `s3://${h.config.S3_BUCKET}/sales_data.csv`, row_count: 5 });
    expect(list.body.data![1]).to.include({ format: "markdown" });
    const keys = await listKeys(h.config);
    expect(keys).to.have.length(2);
    expect(keys.filter((key) => key.startsWith("knowledge/"))).to.have.length(1);
    const total = await call<{ rows: { total: number }[] }>(`${h.url}/query`, {
      method: "POST",
      json: { sql: "SELECT SUM(amount) AS total FROM ds_001_v1" },
    });
    expect(total.body.data!.rows).to.deep.equal([{ total: 2299.95 }]);

    const found = await call<{ results: VectorSearchHit[] }>(`${h.url}/vector/search`, {
      method: "POST",
      json: { query: "What is a key customer?", top_k: 3 },
    });
    expect(found.status, JSON.stringify(found.body)).to.equal(200);
    const hits = found.body.data!.results;
    expect(hits[0]).to.include({ document_id: "ds-002", document_name: glossaryDocument.name });
    expect(hits[0]!.text).to.contain("at least 500");
    // Indexed once: no chunk appears twice after two runs.
    const all = await call<{ results: VectorSearchHit[] }>(`${h.url}/vector/search`, {
      method: "POST",
      json: { query: "glossary", top_k: 50 },
    });
    const ids = all.body.data!.results.map((hit) => hit.chunk_id);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(await h.deps.knowledge.indexedChunks("ds-002")).to.equal(ids.length);
  });

  it("indexes the glossary again when its registry row survived but its chunks did not", async () => {
    await h.deps.knowledge.remove("ds-002");
    expect(await h.deps.knowledge.indexedChunks("ds-002")).to.equal(0);
    const again = await bootstrapKnowledge(h.deps, log, { deadlineMs: 240_000 });
    expect(again.created).to.equal(true);
    expect(again.document).to.include({ document_id: "ds-002", version: 2 });
    expect(await h.deps.knowledge.indexedChunks("ds-002")).to.be.greaterThan(2);
  });

  it("retries while Milvus is unreachable, doubling its pause, and then fails clearly, naming it, at its deadline", async () => {
    // Embeddings from the double, so each attempt reaches Milvus at once whatever the real model's speed.
    const embeddings = await OpenAiDouble.start({ modelName: "double-embed", embeddingDimension: 8 });
    const unreachable = connectDependencies(
      {
        ...h.config,
        MILVUS_ADDRESS: "127.0.0.1:1",
        MILVUS_TIMEOUT_MS: 500,
        EMBEDDING_ENDPOINT: embeddings.url,
        EMBEDDING_MODEL: "double-embed",
      },
      log,
    );
    // The deadline is measured on this clock, which moves only when the loop pauses: the attempts are counted
    // exactly, however long each real (failing) attempt takes on a busy machine.
    let now = 0;
    const pauses: number[] = [];
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        pauses.push(ms);
        now += ms;
      },
    };
    try {
      const outcome = await bootstrapKnowledge(unreachable, log, { deadlineMs: 3000, retryDelayMs: 200, clock }).then(
        () => "indexed",
        (error: Error) => error.message,
      );
      // 200 + 400 + 800 + 1600 = 3000 ms waited; the next pause (3200 ms) would overrun the deadline, so it fails after attempt 5.
      expect(pauses).to.deep.equal([200, 400, 800, 1600]);
      expect(outcome).to.match(/^glossary not indexed: milvus still unavailable after 3 s and 5 attempts \(/);
    } finally {
      await unreachable.close();
      await embeddings.close();
    }
  });
});
