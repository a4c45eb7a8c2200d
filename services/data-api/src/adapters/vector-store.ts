import { DataType, MetricType, MilvusClient } from "@zilliz/milvus2-sdk-node";
import { dependencyUnavailable, isAppError, withDeadline } from "@one-data/platform";

export interface ChunkRecord {
  id: string;
  document_id: string;
  document_name: string;
  position: number;
  text: string;
  metadata: Record<string, unknown>;
  vector: number[];
}

export interface ChunkHit {
  chunk_id: string;
  text: string;
  document_id: string;
  document_name: string;
  position: number;
  score: number;
}

// Milvus VarChar lengths are in bytes; CJK characters take three.
const maxTextBytes = 8192;

/** One collection per embedding model and dimension, so vectors of different spaces never mix. */
export function collectionName(prefix: string, model: string, dimension: number): string {
  return `${prefix}_${model.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "").slice(0, 160)}_${dimension}`;
}

const quote = (value: string): string => JSON.stringify(value);

/**
 * Chunks in Milvus through the official Node SDK (gRPC): Milvus Lite locally,
 * the Milvus chart in the cluster. Every call is bounded; failures are 503.
 */
export class VectorStore {
  private client: MilvusClient | undefined;
  private readonly ready = new Set<string>();

  constructor(
    private readonly address: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
  ) {}

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

  async exists(name: string): Promise<boolean> {
    return this.call(async (client) => Boolean((await client.hasCollection({ collection_name: name })).value));
  }

  /** Deletes the document's chunks, then inserts the new ones: re-registering replaces. */
  async replaceDocument(name: string, documentId: string, chunks: readonly ChunkRecord[]): Promise<void> {
    await this.removeDocument(name, documentId);
    if (chunks.length === 0) return;
    await this.call(async (client) => {
      const result = await client.insert({ collection_name: name, data: chunks.map((chunk) => ({ ...chunk })) });
      if (result.status.error_code !== "Success") throw new Error(result.status.reason);
      await client.flush({ collection_names: [name] });
    });
  }

  async countDocument(name: string, documentId: string): Promise<number> {
    return this.call(async (client) => {
      const existing = await client.query({ collection_name: name, filter: `document_id == ${quote(documentId)}`, output_fields: ["id"] });
      return existing.data.length;
    });
  }

  async removeDocument(name: string, documentId: string): Promise<number> {
    return this.call(async (client) => {
      const existing = await client.query({ collection_name: name, filter: `document_id == ${quote(documentId)}`, output_fields: ["id"] });
      const ids = existing.data.map((row) => String(row.id));
      if (ids.length === 0) return 0;
      const result = await client.delete({ collection_name: name, filter: `document_id == ${quote(documentId)}` });
      if (result.status.error_code !== "Success") throw new Error(result.status.reason);
      return ids.length;
    });
  }

  async search(name: string, vector: number[], topK: number, documentIds?: readonly string[]): Promise<ChunkHit[]> {
    return this.call(async (client) => {
      const result = await client.search({
        collection_name: name,
        data: [vector],
        limit: topK,
        output_fields: ["id", "text", "document_id", "document_name", "position"],
        ...(documentIds && documentIds.length > 0 && { filter: `document_id in [${documentIds.map(quote).join(",")}]` }),
      });
      if (result.status.error_code !== "Success") throw new Error(result.status.reason);
      return (result.results as Record<string, unknown>[]).map((row) => ({
        chunk_id: String(row.id),
        text: String(row.text),
        document_id: String(row.document_id),
        document_name: String(row.document_name),
        position: Number(row.position),
        score: Number(row.score),
      }));
    });
  }

  async close(): Promise<void> {
    await this.client?.closeConnection();
  }

  private async call<T>(work: (client: MilvusClient) => Promise<T>): Promise<T> {
    try {
      return await withDeadline("milvus", this.timeoutMs, () => {
        this.client ??= new MilvusClient({ address: this.address, timeout: this.timeoutMs, ...(this.token && { token: this.token }) });
        return work(this.client);
      });
    } catch (error) {
      if (isAppError(error)) throw error;
      throw dependencyUnavailable("milvus", error);
    }
  }
}

export { maxTextBytes };
