import type { Compensations, Logger } from "@one-data/platform";
import type { DataApiConfig } from "../config.js";
import type { DatasetService } from "../domain/datasets.js";
import { KnowledgeService } from "../domain/knowledge.js";
import { EmbeddingClient } from "./embedding-client.js";
import type { ObjectStore } from "./s3.js";
import { VectorStore } from "./vector-store.js";

/** The part of the Data API's configuration knowledge search reads. */
export type KnowledgeSettings = Pick<
  DataApiConfig,
  | "MILVUS_ADDRESS"
  | "MILVUS_TOKEN"
  | "MILVUS_TIMEOUT_MS"
  | "EMBEDDING_ENDPOINT"
  | "EMBEDDING_MODEL"
  | "EMBEDDING_API_KEY"
  | "EMBEDDING_TIMEOUT_MS"
  | "KNOWLEDGE_COLLECTION_PREFIX"
  | "KNOWLEDGE_CHUNK_SIZE"
  | "KNOWLEDGE_CHUNK_OVERLAP"
  | "KNOWLEDGE_MAX_DOCUMENT_BYTES"
>;

/** Builds knowledge search; nothing connects until first use. */
export function createKnowledgeService(
  settings: KnowledgeSettings,
  deps: { datasets: DatasetService; objects: ObjectStore; bucket: string; log: Logger; compensations: Compensations },
): { knowledge: KnowledgeService; close(): Promise<void> } {
  const vectors = new VectorStore(settings.MILVUS_ADDRESS, settings.MILVUS_TOKEN, settings.MILVUS_TIMEOUT_MS);
  const embeddings = new EmbeddingClient(
    settings.EMBEDDING_ENDPOINT,
    settings.EMBEDDING_MODEL,
    settings.EMBEDDING_API_KEY,
    settings.EMBEDDING_TIMEOUT_MS,
  );
  const knowledge = new KnowledgeService({
    ...deps,
    vectors,
    embeddings,
    collectionPrefix: settings.KNOWLEDGE_COLLECTION_PREFIX,
    chunkSize: settings.KNOWLEDGE_CHUNK_SIZE,
    chunkOverlap: settings.KNOWLEDGE_CHUNK_OVERLAP,
    maxDocumentBytes: settings.KNOWLEDGE_MAX_DOCUMENT_BYTES,
  });
  return { knowledge, close: () => vectors.close() };
}
