import { vocabularyOf, type Catalog } from "./catalog.js";
import { questionTokens, widenVocabulary } from "./router.js";

export const maxTablesInPrompt = 5;

/**
 * The tables offered to the model for a data question. A dataset or table the
 * question names outright wins: a registry accumulates look-alike datasets
 * (versions, derived outputs), and every extra table makes the prompt longer
 * and the choice harder for a small model. Otherwise, tables sharing words
 * with the question; otherwise, all of them (capped).
 */
export function pickTables(catalog: Catalog, question: string): Catalog {
  const lower = question.toLowerCase();
  const named = catalog.tables.filter(
    (table) => lower.includes(table.dataset_name.toLowerCase()) || lower.includes(table.table.toLowerCase()),
  );
  if (named.length > 0) return { tables: named.slice(0, maxTablesInPrompt) };
  const tokens = new Set(questionTokens(question));
  const matching = catalog.tables.filter((table) => {
    const words = widenVocabulary(vocabularyOf({ tables: [table] }));
    return [...tokens].some((t) => words.has(t));
  });
  return { tables: (matching.length > 0 ? matching : catalog.tables).slice(0, maxTablesInPrompt) };
}
