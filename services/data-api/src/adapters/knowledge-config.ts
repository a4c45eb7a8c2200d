import { envVar, loadConfig } from "@one-data/platform";
import { z } from "zod";

/**
 * What knowledge search reads, on top of the Data API's own configuration.
 * MILVUS_ADDRESS and EMBEDDING_ENDPOINT are optional on purpose: without them
 * the knowledge endpoints answer 503 and the dataset registry still serves.
 */
export const knowledgeEnvSchema = z.object({
  MILVUS_ADDRESS: envVar.string().optional(),
  MILVUS_TOKEN: envVar.secret().optional(),
  MILVUS_TIMEOUT_MS: envVar.int(5000, 100),
  EMBEDDING_ENDPOINT: envVar.url().optional(),
  EMBEDDING_MODEL: envVar.string().optional(),
  EMBEDDING_API_KEY: envVar.secret().optional(),
  EMBEDDING_TIMEOUT_MS: envVar.int(30_000, 100),
  /** Collections are named <prefix>_<embedding model>_<dimension>; tests use their own prefix. */
  KNOWLEDGE_COLLECTION_PREFIX: envVar.string().regex(/^[a-z][a-z0-9_]{0,40}$/, "lower-case letters, digits and _").default("knowledge"),
  KNOWLEDGE_CHUNK_SIZE: envVar.int(400, 50),
  KNOWLEDGE_CHUNK_OVERLAP: envVar.int(80, 0),
  KNOWLEDGE_MAX_DOCUMENT_BYTES: envVar.int(2 * 1024 * 1024, 1),
});

export type KnowledgeConfig = z.infer<typeof knowledgeEnvSchema>;

export function loadKnowledgeConfig(env: NodeJS.ProcessEnv = process.env): KnowledgeConfig {
  return loadConfig("data-api knowledge", knowledgeEnvSchema, env);
}
