import type { Logger } from "@one-data/platform";
import type { DatasetService } from "../domain/datasets.js";
import { KnowledgeService } from "../domain/knowledge.js";
import { EmbeddingClient } from "./embedding-client.js";
import type { KnowledgeConfig } from "./knowledge-config.js";
import type { ObjectStore } from "./s3.js";
import { VectorStore } from "./vector-store.js";

/** Builds knowledge search from its configuration; nothing connects until first use. */
export function createKnowledgeService(
  config: KnowledgeConfig,
  deps: { datasets: DatasetService; objects: ObjectStore; bucket: string; log: Logger },
): { knowledge: KnowledgeService; close(): Promise<void> } {
  const vectors = config.MILVUS_ADDRESS ? new VectorStore(config.MILVUS_ADDRESS, config.MILVUS_TOKEN, config.MILVUS_TIMEOUT_MS) : undefined;
  const embeddings = config.EMBEDDING_ENDPOINT
    ? new EmbeddingClient(config.EMBEDDING_ENDPOINT, config.EMBEDDING_MODEL, config.EMBEDDING_API_KEY, config.EMBEDDING_TIMEOUT_MS)
    : undefined;
  const knowledge = new KnowledgeService({
    ...deps,
    vectors,
    embeddings,
    collectionPrefix: config.KNOWLEDGE_COLLECTION_PREFIX,
    chunkSize: config.KNOWLEDGE_CHUNK_SIZE,
    chunkOverlap: config.KNOWLEDGE_CHUNK_OVERLAP,
    maxDocumentBytes: config.KNOWLEDGE_MAX_DOCUMENT_BYTES,
  });
  return { knowledge, close: async () => vectors?.close() };
}
