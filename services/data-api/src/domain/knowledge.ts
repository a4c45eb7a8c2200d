import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { invalidRequest, payloadTooLarge, unprocessable, type Logger } from "@one-data/platform";
import type { EmbeddingClient } from "../adapters/embedding-client.js";
import { formatStoragePath, parseStoragePath, type ObjectStore } from "../adapters/s3.js";
import { collectionName, maxTextBytes, type ChunkHit, type VectorStore } from "../adapters/vector-store.js";
import type { DatasetService, DatasetView } from "./datasets.js";
import { apiObjectPrefixes } from "./identifiers.js";
import { chunkText } from "./knowledge-chunker.js";
import { rerank } from "./knowledge-rerank.js";

/** Knowledge documents are datasets of these formats; their chunks live in Milvus. */
export const knowledgeFormats = ["markdown", "text"] as const;
export type KnowledgeFormat = (typeof knowledgeFormats)[number];

export interface KnowledgeDocumentInput {
  name: string;
  format?: KnowledgeFormat | undefined;
  description?: string | undefined;
  /** Either the text itself (stored in MinIO by us) or an object already in the bucket. */
  content?: string | undefined;
  storage_path?: string | undefined;
}

export interface KnowledgeDocument {
  document_id: string;
  name: string;
  version: number;
  format: string;
  storage_path: string;
  description: string | null;
  created_at: string;
  chunks?: number;
  embedding_model?: string;
}

export interface KnowledgeServiceDeps {
  datasets: DatasetService;
  objects: ObjectStore;
  bucket: string;
  vectors: VectorStore;
  embeddings: EmbeddingClient;
  collectionPrefix: string;
  chunkSize: number;
  chunkOverlap: number;
  maxDocumentBytes: number;
  log: Logger;
}

const toDocument = (dataset: DatasetView): KnowledgeDocument => ({
  document_id: dataset.dataset_id,
  name: dataset.name,
  version: dataset.version,
  format: dataset.format,
  storage_path: dataset.storage_path,
  description: dataset.description,
  created_at: dataset.created_at,
});

async function readText(stream: Readable, maxBytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > maxBytes) {
      stream.destroy();
      throw payloadTooLarge(`the document is larger than ${maxBytes} bytes`);
    }
    parts.push(bytes);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(parts));
  } catch {
    throw unprocessable("the document is not valid UTF-8 text");
  }
}

/**
 * Knowledge documents: registered in the dataset registry (stored in MinIO),
 * chunked with overlap, embedded through the Model layer, indexed in Milvus.
 * Embedding and the Milvus collection are checked before anything is
 * written, so a model or Milvus outage answers 503 without registering.
 */
export class KnowledgeService {
  constructor(private readonly deps: KnowledgeServiceDeps) {}

  async register(input: KnowledgeDocumentInput): Promise<KnowledgeDocument> {
    if ((input.content === undefined) === (input.storage_path === undefined)) {
      throw invalidRequest("give exactly one of content or storage_path");
    }
    const { vectors, embeddings } = this.deps;
    const format = input.format ?? (input.name.toLowerCase().endsWith(".txt") ? "text" : "markdown");
    let text: string;
    let storagePath: string;
    if (input.content !== undefined) {
      if (Buffer.byteLength(input.content) > this.deps.maxDocumentBytes) throw payloadTooLarge(`the document is larger than ${this.deps.maxDocumentBytes} bytes`);
      text = input.content;
      storagePath = formatStoragePath({ bucket: this.deps.bucket, key: `${apiObjectPrefixes.knowledge}${randomUUID()}.${format === "text" ? "txt" : "md"}` });
    } else {
      const location = parseStoragePath(input.storage_path ?? "");
      if (!location) throw invalidRequest("storage_path must look like s3://bucket/key");
      text = await readText(await this.deps.objects.open(location), this.deps.maxDocumentBytes);
      storagePath = input.storage_path ?? "";
    }
    const chunks = chunkText(text, { size: this.deps.chunkSize, overlap: this.deps.chunkOverlap });
    if (chunks.length === 0) throw unprocessable("the document has no text to index");
    if (chunks.some((chunk) => Buffer.byteLength(chunk.text) > maxTextBytes)) throw unprocessable("a chunk is too large to index");

    const model = await embeddings.modelName();
    const vectorsOfChunks = await embeddings.embed(chunks.map((chunk) => chunk.text));
    const collection = collectionName(this.deps.collectionPrefix, model, vectorsOfChunks[0]?.length ?? 0);
    await vectors.ensureCollection(collection, vectorsOfChunks[0]?.length ?? 0);

    const location = parseStoragePath(storagePath);
    if (input.content !== undefined && location) {
      await this.deps.objects.upload(location, Readable.from([Buffer.from(text)]), format === "text" ? "text/plain; charset=utf-8" : "text/markdown; charset=utf-8");
    }
    const dataset = await this.deps.datasets.register(
      { name: input.name, storage_path: storagePath, format, description: input.description },
      { removeObjectOnFailure: input.content !== undefined },
    );
    await vectors.replaceDocument(
      collection,
      dataset.dataset_id,
      chunks.map((chunk, index) => ({
        id: `${dataset.dataset_id}:${chunk.position}`,
        document_id: dataset.dataset_id,
        document_name: dataset.name,
        position: chunk.position,
        text: chunk.text,
        metadata: { version: dataset.version, format },
        vector: vectorsOfChunks[index] ?? [],
      })),
    );
    this.deps.log.info({ document_id: dataset.dataset_id, version: dataset.version, chunks: chunks.length, collection }, "knowledge document indexed");
    return { ...toDocument(dataset), chunks: chunks.length, embedding_model: model };
  }

  async list(): Promise<KnowledgeDocument[]> {
    const all = await this.deps.datasets.list({ limit: 1000, offset: 0 });
    return all.filter((dataset) => (knowledgeFormats as readonly string[]).includes(dataset.format)).map(toDocument);
  }

  /** Removes the document's chunks from search; its registry versions stay (the registry is append-only). */
  async remove(documentId: string): Promise<{ document_id: string; deleted_chunks: number }> {
    const dataset = await this.deps.datasets.get(documentId);
    if (!(knowledgeFormats as readonly string[]).includes(dataset.format)) {
      throw unprocessable(`dataset ${documentId} is not a knowledge document (format ${dataset.format})`);
    }
    const collection = await this.existingCollection();
    if (!collection) return { document_id: documentId, deleted_chunks: 0 };
    return { document_id: documentId, deleted_chunks: await this.deps.vectors.removeDocument(collection, documentId) };
  }

  /** How many chunks of the document are in the index: a registry row alone does not make it searchable. */
  async indexedChunks(documentId: string): Promise<number> {
    const collection = await this.existingCollection();
    return collection ? this.deps.vectors.countDocument(collection, documentId) : 0;
  }

  /** The current model's collection, loaded, or undefined when nothing was indexed with this model yet. */
  private async existingCollection(): Promise<string | undefined> {
    const { vectors, embeddings } = this.deps;
    const model = await embeddings.modelName();
    const dimension = (await embeddings.embed(["dimension probe"]))[0]?.length ?? 0;
    const collection = collectionName(this.deps.collectionPrefix, model, dimension);
    if (!(await vectors.exists(collection))) return undefined;
    await vectors.ensureCollection(collection, dimension);
    return collection;
  }

  async search(query: string, topK: number, documentIds?: readonly string[]): Promise<ChunkHit[]> {
    const { vectors, embeddings } = this.deps;
    const model = await embeddings.modelName();
    const [vector] = await embeddings.embed([query]);
    if (!vector) return [];
    const collection = collectionName(this.deps.collectionPrefix, model, vector.length);
    if (!(await vectors.exists(collection))) return [];
    await vectors.ensureCollection(collection, vector.length);
    const candidates = await vectors.search(collection, vector, Math.min(topK * 4, 200), documentIds);
    return rerank(query, candidates, topK);
  }
}
