import { DataType, MetricType, MilvusClient } from "@zilliz/milvus2-sdk-node";
import { dependencyUnavailable, isAppError, withDeadline } from "@one-data/platform";
import type { ChunkRecord, VectorStorePort, VersionedHit } from "../domain/ports.js";
import { maxTextBytes } from "../domain/vector-collections.js";

const quote = (value: string): string => JSON.stringify(value);

/** Milvus answers most failures with a status instead of throwing; make them errors (with Milvus' numeric code). */
function check<T extends { status: { error_code: string | number; reason: string; code?: number } }>(result: T): T {
  if (result.status.error_code !== "Success") throw Object.assign(new Error(result.status.reason), { code: result.status.code });
  return result;
}

/** Milvus' answer for a collection that exists but is not in memory: released, or Milvus restarted since it was loaded. */
function isNotLoaded(error: unknown): boolean {
  for (let e = error as { message?: string; code?: number; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === 101 || /not loaded|released|load.{0,20}first/i.test(e.message ?? "")) return true;
  }
  return false;
}

/**
 * Chunks in Milvus through the official Node SDK (gRPC): Milvus Lite locally,
 * the Milvus chart in the cluster. Every call is bounded; failures are 503.
 */
export class VectorStore implements VectorStorePort {
  private client: MilvusClient | undefined;
  private readonly ready = new Set<string>();

  constructor(
    private readonly address: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Creates the collection if needed and loads it. "Loaded" is remembered
   * only until Milvus says otherwise: reads that find it released (Milvus
   * restarted) load it again and retry once, see `whileLoaded`.
   */
  async ensureCollection(name: string, dimension: number): Promise<void> {
    if (this.ready.has(name)) return;
    await this.call(async (client) => {
      const exists = await client.hasCollection({ collection_name: name });
      if (!exists.value) {
        await client.createCollection({
          collection_name: name,
          fields: [
            { name: "id", data_type: DataType.VarChar, is_primary_key: true, max_length: 128 },
            { name: "document_id", data_type: DataType.VarChar, max_length: 64 },
            { name: "document_name", data_type: DataType.VarChar, max_length: 1024 },
            { name: "position", data_type: DataType.Int64 },
            { name: "text", data_type: DataType.VarChar, max_length: maxTextBytes },
            { name: "metadata", data_type: DataType.JSON },
            { name: "vector", data_type: DataType.FloatVector, dim: dimension },
          ],
        });
        await client.createIndex({ collection_name: name, field_name: "vector", index_type: "AUTOINDEX", metric_type: MetricType.COSINE });
      }
      await client.loadCollectionSync({ collection_name: name });
    });
    this.ready.add(name);
  }

  /** Runs a read of a loaded collection; when Milvus answers that it is not loaded, loads it and tries once more. */
  private async whileLoaded<T>(name: string, work: (client: MilvusClient) => Promise<T>): Promise<T> {
    try {
      return await this.call(work);
    } catch (error) {
      if (!isNotLoaded(error)) throw error;
      this.ready.delete(name);
      await this.call((client) => client.loadCollectionSync({ collection_name: name }));
      this.ready.add(name);
      return this.call(work);
    }
  }

  async exists(name: string): Promise<boolean> {
    return this.call(async (client) => Boolean((await client.hasCollection({ collection_name: name })).value));
  }

  /** Inserts one version's chunks (their ids are unique per version, so another version's chunks are untouched). */
  async insertChunks(name: string, chunks: readonly ChunkRecord[]): Promise<void> {
    if (chunks.length === 0) return;
    await this.call(async (client) => {
      check(await client.insert({ collection_name: name, data: chunks.map((chunk) => ({ ...chunk })) }));
      await client.flush({ collection_names: [name] });
    });
  }

  /** Deletes the chunks of one version of a document (`except`: of every version but that one). */
  async removeVersion(name: string, documentId: string, version: number, options: { except?: boolean } = {}): Promise<number> {
    return this.removeWhere(
      name,
      `document_id == ${quote(documentId)} && metadata["version"] ${options.except ? "!=" : "=="} ${Math.trunc(version)}`,
    );
  }

  async countDocument(name: string, documentId: string): Promise<number> {
    return this.whileLoaded(name, async (client) => {
      const existing = check(
        await client.query({ collection_name: name, filter: `document_id == ${quote(documentId)}`, output_fields: ["id"] }),
      );
      return existing.data.length;
    });
  }

  async removeDocument(name: string, documentId: string): Promise<number> {
    return this.removeWhere(name, `document_id == ${quote(documentId)}`);
  }

  private async removeWhere(name: string, filter: string): Promise<number> {
    return this.whileLoaded(name, async (client) => {
      const existing = check(await client.query({ collection_name: name, filter, output_fields: ["id"] }));
      if (existing.data.length === 0) return 0;
      check(await client.delete({ collection_name: name, filter }));
      return existing.data.length;
    });
  }

  async search(name: string, vector: number[], topK: number, documentIds?: readonly string[]): Promise<VersionedHit[]> {
    return this.whileLoaded(name, async (client) => {
      const result = check(
        await client.search({
          collection_name: name,
          data: [vector],
          limit: topK,
          output_fields: ["text", "document_id", "document_name", "position", "metadata"],
          ...(documentIds && documentIds.length > 0 && { filter: `document_id in [${documentIds.map(quote).join(",")}]` }),
        }),
      );
      return (result.results as Record<string, unknown>[]).map((row) => ({
        chunk_id: `${String(row.document_id)}:${Number(row.position)}`,
        text: String(row.text),
        document_id: String(row.document_id),
        document_name: String(row.document_name),
        position: Number(row.position),
        score: Number(row.score),
        version: Number((row.metadata as { version?: unknown } | null)?.version),
      }));
    });
  }

  /** Resolves when Milvus answers a metadata call within the deadline. */
  async ping(): Promise<void> {
    await this.call((client) => client.hasCollection({ collection_name: "one_data_ping" }));
  }

  async close(): Promise<void> {
    await this.client?.closeConnection();
  }

  /**
   * The client, made on first use. It starts connecting on its own, and only some of its calls wait for that:
   * a refused or timed-out attempt must not go unhandled (it ended the process), and a client whose attempt
   * failed is dropped, so the next call connects anew once Milvus answers.
   */
  private connected(): MilvusClient {
    if (this.client) return this.client;
    const client = new MilvusClient({ address: this.address, timeout: this.timeoutMs, ...(this.token && { token: this.token }) });
    client.connectPromise.catch(() => {
      if (this.client !== client) return;
      this.client = undefined;
      void Promise.resolve(client.closeConnection()).catch(() => undefined);
    });
    this.client = client;
    return client;
  }

  private async call<T>(work: (client: MilvusClient) => Promise<T>): Promise<T> {
    try {
      return await withDeadline("milvus", this.timeoutMs, () => work(this.connected()));
    } catch (error) {
      if (isAppError(error)) throw error;
      throw dependencyUnavailable("milvus", error);
    }
  }
}
