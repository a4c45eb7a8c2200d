import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { type Dataset, type KnowledgeFormat, type VectorSearchHit, knowledgeFormats } from "@one-data/data-api-contract";
import { invalidRequest, isAppError, payloadTooLarge, unprocessable, type Compensations, type Logger } from "@one-data/platform";
import type { DatasetService, RegisterInput } from "./datasets.js";
import { apiObjectPrefixes } from "./identifiers.js";
import { chunkText } from "./knowledge-chunker.js";
import { rerank } from "./knowledge-rerank.js";
import type { VersionedHit, EmbeddingPort, ObjectStorePort, VectorStorePort } from "./ports.js";
import { formatStoragePath, parseStoragePath } from "./storage-path.js";
import { collectionName, maxTextBytes } from "./vector-collections.js";

export function isKnowledgeFormat(format: string): format is KnowledgeFormat {
  return (knowledgeFormats as readonly string[]).includes(format);
}

export interface KnowledgeDocumentInput {
  name: string;
  format?: KnowledgeFormat | undefined;
  description?: string | undefined;
  /** Either the text itself (stored in MinIO by us) or an object already in the bucket. */
  content?: string | undefined;
  storage_path?: string | undefined;
  derived_from?: { dataset_id: string; version?: number | undefined } | undefined;
  /** The object at storage_path was stored by the API for this registration (an upload): remove it if registration fails. */
  removeObjectOnFailure?: boolean | undefined;
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
  objects: ObjectStorePort;
  bucket: string;
  vectors: VectorStorePort;
  embeddings: EmbeddingPort;
  collectionPrefix: string;
  chunkSize: number;
  chunkOverlap: number;
  maxDocumentBytes: number;
  log: Logger;
  /** Undoes, in the background, what a failed registration may still have written. */
  compensations: Compensations;
}

const toDocument = (dataset: Dataset): KnowledgeDocument => ({
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
 * A document is listed only once its chunks are indexed: a model or Milvus
 * outage at any step answers 503/504 and leaves nothing behind.
 */
export class KnowledgeService {
  constructor(private readonly deps: KnowledgeServiceDeps) {}

  /** Throws when Milvus, which only knowledge search and registration need, is not usable. */
  async ping(): Promise<void> {
    await this.deps.vectors.ping();
  }

  async register(input: KnowledgeDocumentInput): Promise<KnowledgeDocument> {
    if ((input.content === undefined) === (input.storage_path === undefined)) {
      throw invalidRequest("give exactly one of content or storage_path");
    }
    const { vectors, embeddings } = this.deps;
    const format = input.format ?? (input.name.toLowerCase().endsWith(".txt") ? "text" : "markdown");
    let text: string;
    let storagePath: string;
    if (input.content !== undefined) {
      if (Buffer.byteLength(input.content) > this.deps.maxDocumentBytes)
        throw payloadTooLarge(`the document is larger than ${this.deps.maxDocumentBytes} bytes`);
      text = input.content;
      storagePath = formatStoragePath({
        bucket: this.deps.bucket,
        key: `${apiObjectPrefixes.knowledge}${randomUUID()}.${format === "text" ? "txt" : "md"}`,
      });
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
    const storesObject = input.content !== undefined && location !== undefined;
    if (storesObject) {
      try {
        await this.deps.objects.upload(
          location,
          Readable.from([Buffer.from(text)]),
          format === "text" ? "text/plain; charset=utf-8" : "text/markdown; charset=utf-8",
        );
      } catch (error) {
        // A hung MinIO may still store it after answering late.
        this.deps.compensations.add("remove a knowledge document's text", () => this.deps.objects.remove(location), { key: location.key });
        throw error;
      }
    }
    // The version becomes visible only once its chunks are in Milvus; any failure undoes the registration (row,
    // object) and the chunks inserted so far, so a listed document is always searchable.
    let staged: { documentId: string; version: number } | undefined;
    let dataset: Dataset;
    try {
      dataset = await this.deps.datasets.register(
        { name: input.name, storage_path: storagePath, format, description: input.description, derived_from: input.derived_from },
        {
          removeObjectOnFailure: storesObject || input.removeObjectOnFailure === true,
          beforeActivate: async ({ dataset_id, version, name }) => {
            staged = { documentId: dataset_id, version };
            await vectors.insertChunks(
              collection,
              chunks.map((chunk, index) => ({
                id: `${dataset_id}:v${version}:${chunk.position}`,
                document_id: dataset_id,
                document_name: name,
                position: chunk.position,
                text: chunk.text,
                metadata: { version, format },
                vector: vectorsOfChunks[index] ?? [],
              })),
            );
          },
        },
      );
    } catch (error) {
      const failed = staged;
      if (failed) {
        // Milvus may be why it failed, and may still apply the insert it was too slow to acknowledge.
        this.deps.compensations.add(
          "remove a failed registration's chunks",
          () => vectors.removeVersion(collection, failed.documentId, failed.version),
          { ...failed },
        );
      }
      throw error;
    }
    // Earlier versions' chunks go once the new version is visible; until then (or if this fails) search drops them.
    await vectors.removeVersion(collection, dataset.dataset_id, dataset.version, { except: true }).catch((error: unknown) => {
      this.deps.log.warn(
        { err: error, document_id: dataset.dataset_id },
        "could not remove an earlier version's chunks; search ignores them",
      );
    });
    this.deps.log.info(
      { document_id: dataset.dataset_id, version: dataset.version, chunks: chunks.length, collection },
      "knowledge document indexed",
    );
    return { ...toDocument(dataset), chunks: chunks.length, embedding_model: model };
  }

  /**
   * A dataset registered (or uploaded) with a knowledge format, markdown or
   * text: indexed like any knowledge document, so it is searchable as soon as
   * it is listed, and answered as the dataset it also is.
   */
  async registerDataset(input: RegisterInput, options: { removeObjectOnFailure: boolean }): Promise<Dataset> {
    const document = await this.register({
      name: input.name,
      format: input.format as KnowledgeFormat,
      description: input.description,
      storage_path: input.storage_path,
      derived_from: input.derived_from,
      removeObjectOnFailure: options.removeObjectOnFailure,
    });
    return this.deps.datasets.get(document.document_id, document.version);
  }

  async list(): Promise<KnowledgeDocument[]> {
    const all = await this.deps.datasets.list({ limit: 1000, offset: 0 });
    return all.filter((dataset) => (knowledgeFormats as readonly string[]).includes(dataset.format)).map(toDocument);
  }

  /**
   * Deletes a document fully: its chunks, the objects the API stored for it,
   * then every version in the registry (kept as `deleted`, so lists, gets and
   * search no longer see it and its id is not reused). Each step is
   * idempotent, so a DELETE that failed half-way is finished by repeating it.
   */
  async remove(documentId: string): Promise<{ document_id: string; deleted_chunks: number }> {
    const { datasets, objects, vectors } = this.deps;
    const versions = await datasets.versions(documentId);
    const format = versions.at(-1)?.format ?? "";
    if (!(knowledgeFormats as readonly string[]).includes(format)) {
      throw unprocessable(`dataset ${documentId} is not a knowledge document (format ${format})`);
    }
    const collection = await this.existingCollection();
    const deletedChunks = collection ? await vectors.removeDocument(collection, documentId) : 0;
    for (const version of versions) {
      const location = parseStoragePath(version.storage_path);
      if (location && Object.values(apiObjectPrefixes).some((prefix) => location.key.startsWith(prefix))) await objects.remove(location);
    }
    await datasets.withdraw(documentId);
    return { document_id: documentId, deleted_chunks: deletedChunks };
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

  async search(query: string, topK: number, documentIds?: readonly string[]): Promise<VectorSearchHit[]> {
    const { vectors, embeddings } = this.deps;
    const model = await embeddings.modelName();
    const [vector] = await embeddings.embed([query]);
    if (!vector) return [];
    const collection = collectionName(this.deps.collectionPrefix, model, vector.length);
    if (!(await vectors.exists(collection))) return [];
    await vectors.ensureCollection(collection, vector.length);
    const candidates = await vectors.search(collection, vector, Math.min(topK * 4, 200), documentIds);
    return rerank(query, await this.onlyListed(candidates), topK);
  }

  /**
   * Keeps the hits whose document is listed, at its latest version: chunks a
   * failed registration or delete left in Milvus (it may have been the cause)
   * are never cited.
   */
  private async onlyListed(hits: readonly VersionedHit[]): Promise<VectorSearchHit[]> {
    const latest = new Map<string, number | undefined>();
    for (const id of new Set(hits.map((hit) => hit.document_id))) {
      latest.set(
        id,
        await this.deps.datasets.get(id).then(
          (d) => d.version,
          (error: unknown) => {
            if (isAppError(error) && error.status === 404) return undefined;
            throw error;
          },
        ),
      );
    }
    return hits.filter((hit) => latest.get(hit.document_id) === hit.version).map(({ version: _version, ...hit }) => hit);
  }
}
