import type { VectorSearchHit } from "@one-data/data-api-contract";

/** Latin words and CJK character pairs: the units a question and its answer share. */
function lexicalUnits(text: string): Set<string> {
  const lower = text.toLowerCase();
  const units = new Set<string>();
  for (const word of lower.match(/[a-z0-9]{2,}/g) ?? []) units.add(word);
  for (const run of lower.match(/[\p{Script=Han}]+/gu) ?? []) {
    for (let i = 0; i + 1 < run.length; i++) units.add(run.slice(i, i + 2));
    if (run.length === 1) units.add(run);
  }
  return units;
}

const stopWords = new Set([
  "what",
  "is",
  "are",
  "the",
  "a",
  "an",
  "of",
  "which",
  "who",
  "how",
  "does",
  "do",
  "什么",
  "么是",
  "是什",
  "哪些",
]);

/**
 * Small embedding models rank by length and style more than meaning, so the
 * vector search's candidates are re-ranked by cosine score plus the share of
 * the query's words (CJK: character pairs) that the chunk contains.
 */
export function rerank(query: string, hits: readonly VectorSearchHit[], topK: number, lexicalWeight = 0.5): VectorSearchHit[] {
  const queryUnits = [...lexicalUnits(query)].filter((unit) => !stopWords.has(unit));
  return hits
    .map((hit) => {
      if (queryUnits.length === 0) return hit;
      const chunkUnits = lexicalUnits(hit.text);
      const shared = queryUnits.filter((unit) => chunkUnits.has(unit)).length;
      return { ...hit, score: hit.score + lexicalWeight * (shared / queryUnits.length) };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, topK);
}
