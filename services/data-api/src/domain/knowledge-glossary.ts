import { readFile } from "node:fs/promises";
import type { Logger } from "@one-data/platform";
import type { KnowledgeDocument, KnowledgeService } from "./knowledge.js";

export const glossaryDocument = {
  name: "business_glossary",
  description: "Bilingual business glossary for the sales data (key customer, small order, order day)",
  // Resolves to services/data-api/bootstrap/ from src/domain and from dist/domain alike.
  file: new URL("../../bootstrap/glossary.md", import.meta.url),
} as const;

/**
 * For the bootstrap Job: registers the glossary as a knowledge document
 * unless one of that name exists with its chunks indexed, so running the Job
 * twice changes nothing, and a run after a lost index (Milvus wiped, a crash
 * between registry and index) indexes it again.
 */
export async function registerGlossary(
  knowledge: KnowledgeService,
  log: Logger,
): Promise<{ document: KnowledgeDocument; created: boolean }> {
  const existing = (await knowledge.list()).find((document) => document.name === glossaryDocument.name);
  if (existing) {
    const chunks = await knowledge.indexedChunks(existing.document_id);
    if (chunks > 0) {
      log.info({ document_id: existing.document_id, chunks }, "glossary already registered");
      return { document: existing, created: false };
    }
    log.warn({ document_id: existing.document_id }, "glossary registered but not indexed: registering it again");
  }
  const content = await readFile(glossaryDocument.file, "utf8");
  const document = await knowledge.register({
    name: glossaryDocument.name,
    format: "markdown",
    description: glossaryDocument.description,
    content,
  });
  log.info({ document_id: document.document_id, chunks: document.chunks }, "glossary registered");
  return { document, created: true };
}
