import { chineseFor, englishIn } from "../bilingual.js";
import type { ColumnMeta, TableMeta } from "../catalog.js";
import { stopwords } from "../router.js";

/**
 * Which columns a question names: by identifier, by a part of it ("customer"
 * in customer_id), by its comment (the original header, often Chinese), by a
 * word of the general bilingual dictionary, or by the gloss the dataset's own
 * description gives it ("unit price (单价)", "地区 (region)"). Matching
 * is lexical, so it needs no model.
 */
const hasHan = (text: string): boolean => /[\u3400-\u9fff]/u.test(text);

interface Gloss {
  english: string;
  chinese: string;
}

/** "english words (中文)" and "中文 (english words)" pairs of a description; the English side is its last few words. */
function glossesOf(description: string | null | undefined): Gloss[] {
  if (!description) return [];
  const glosses: Gloss[] = [];
  const englishWords = (run: string): string => {
    const words = run.toLowerCase().trim().split(/\s+/).slice(-3);
    while (words.length > 1 && stopwords.has(words[0]!)) words.shift();
    return words.join(" ");
  };
  for (const m of description.matchAll(/([a-z][a-z -]*?)\s*[(（]\s*([\u3400-\u9fff]+)\s*[)）]/giu))
    glosses.push({ english: englishWords(m[1]!), chinese: m[2]! });
  for (const m of description.matchAll(/([\u3400-\u9fff]+)\s*[(（]\s*([a-z][a-z -]*?)\s*[)）]/giu))
    glosses.push({ english: englishWords(m[2]!), chinese: m[1]! });
  return glosses.filter((g) => g.english.length > 0);
}

const nameParts = (column: ColumnMeta): string[] =>
  column.name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((part) => part.length > 2 && part !== "col" && !/^\d+$/.test(part));

/** A gloss names the column when its Chinese is the header, or one of its English words starts a part of the column's name. */
function glossNames(gloss: Gloss, column: ColumnMeta): boolean {
  if (column.comment?.trim() === gloss.chinese || column.name === gloss.chinese) return true;
  const words = gloss.english.split(/[\s-]+/).filter((w) => w.length > 2 && !stopwords.has(w));
  return nameParts(column).some((part) => words.some((w) => part.startsWith(w) || w.startsWith(part)));
}

const idLike = (column: ColumnMeta): boolean =>
  /(^|_)(id|no|number|code)$/i.test(column.name) || /编号|代码|id$/i.test(column.comment ?? "");

export function isIdLike(column: ColumnMeta): boolean {
  return idLike(column);
}

export function isNumeric(column: ColumnMeta): boolean {
  return column.type === "integer" || column.type === "decimal";
}

/** The phrases that name a column, lower-cased, most specific first; `description` is its table's. */
export function phrasesOf(column: ColumnMeta, description?: string | null): string[] {
  const phrases = new Set<string>([column.name.toLowerCase()]);
  const comment = column.comment?.trim();
  if (comment) {
    phrases.add(comment.toLowerCase());
    if (hasHan(comment)) for (const word of englishIn(comment)) phrases.add(word);
  }
  for (const part of nameParts(column)) {
    phrases.add(part);
    for (const word of chineseFor(part)) phrases.add(word);
  }
  for (const gloss of glossesOf(description).filter((g) => glossNames(g, column))) {
    phrases.add(gloss.chinese);
    phrases.add(gloss.english);
    for (const word of gloss.english.split(/\s+/)) if (word.length > 2 && !stopwords.has(word)) phrases.add(word);
  }
  return [...phrases].sort((a, b) => b.length - a.length);
}

function contains(question: string, phrase: string): number {
  if (hasHan(phrase)) return question.indexOf(phrase);
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`(^|[^a-z0-9])${escaped}(s|es)?($|[^a-z0-9])`, "i").exec(question);
  return match ? match.index + match[1]!.length : -1;
}

export interface Mention {
  column: ColumnMeta;
  /** Where in the question (lower-cased) the column is named. */
  at: number;
  phrase: string;
}

/** The columns the question names, each once, in the order they are named. */
export function mentionedColumns(question: string, table: TableMeta): Mention[] {
  const lower = question.toLowerCase();
  const mentions: Mention[] = [];
  for (const column of table.columns) {
    for (const phrase of phrasesOf(column, table.description)) {
      const at = contains(lower, phrase);
      if (at >= 0) {
        mentions.push({ column, at, phrase });
        break;
      }
    }
  }
  return mentions.sort((a, b) => a.at - b.at);
}
