import { vocabularyOf, type Catalog, type TableMeta } from "./catalog.js";
import { questionTokens, widenVocabulary } from "./router.js";

const maxTablesInPrompt = 5;

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

/**
 * The offered table sharing clearly more words with the question than any
 * other ("total amount of sales": amount and sales name sales_data, only
 * amount names the orders table), or undefined on a tie: then the question
 * alone does not decide, and the model picks.
 */
export function clearWinner(offered: Catalog, question: string): TableMeta | undefined {
  if (offered.tables.length === 1) return offered.tables[0];
  const tokens = new Set(questionTokens(question));
  const scored = offered.tables
    .map((table) => ({ table, score: [...widenVocabulary(vocabularyOf({ tables: [table] }))].filter((w) => tokens.has(w)).length }))
    .sort((a, b) => b.score - a.score);
  return scored[0] && scored[0].score > (scored[1]?.score ?? 0) ? scored[0].table : undefined;
}
