import type { AgentRoute } from "@one-data/agent-api-contract";
import type { VectorSearchHit } from "@one-data/data-api-contract";
/**
 * Decides how a question is answered: plain chat, a query over a dataset,
 * retrieval from documents, or both (a definition from a document used in a
 * query). Lexical and deterministic, so routing does not depend on how well
 * a small model follows instructions. A request to change data is refused
 * before any of these (`refuse_write`, see write-request.ts).
 */

import { chineseFor } from "./bilingual.js";
import { tokenize } from "./catalog.js";
import type { ChatTurn } from "./conversation.js";

export type Route = AgentRoute;

export interface Intent {
  /** The question asks for figures and names something a dataset holds. */
  data: boolean;
  /** The question asks what something means or what a document says. */
  docs: boolean;
}

const dataCues = [
  /\bhow (many|much)\b/,
  /\bcount\b/,
  /\bnumber of\b/,
  /\btotal\b/,
  /\bsum\b/,
  /\baverage\b/,
  /\bavg\b/,
  /\bmean\b/,
  /\b(max|maximum|min|minimum|highest|lowest|largest|smallest|biggest|top)\b/,
  /\blist\b/,
  /\bwhich\b/,
  /\bper\b/,
  /\beach\b/,
  /\bshow\b/,
  /\bwhat will\b/,
  /多少/,
  /几(个|位|笔|条|次|名)/,
  /总/,
  /合计/,
  /平均/,
  /最(大|高|小|低|多|少)/,
  /数量/,
  /统计/,
  /列出/,
  /哪些/,
  /哪(个|位)/,
  /每(个|位)/,
  /排名/,
];
const docCues = [
  /\bwhat (is|are|does)\b/,
  /\bdefin(e|ed|es|ition)\b/,
  /\bmean(s|ing)?\b/,
  /\bexplain\b/,
  /\bpolicy\b/,
  /\baccording to\b/,
  /\bdocument(s|ation)?\b/,
  /\bglossary\b/,
  /什么是/,
  /是什么/,
  /定义/,
  /含义/,
  /意思/,
  /指的是/,
  /解释/,
  /根据/,
  /文档/,
  /规定/,
  /政策/,
];

/** Function words and question words: never the name of a column or a defined term. */
export const stopwords: ReadonlySet<string> = new Set([
  "how",
  "many",
  "much",
  "what",
  "which",
  "who",
  "are",
  "is",
  "was",
  "were",
  "the",
  "there",
  "of",
  "in",
  "on",
  "for",
  "to",
  "and",
  "or",
  "by",
  "with",
  "do",
  "does",
  "did",
  "we",
  "our",
  "us",
  "me",
  "my",
  "all",
  "any",
  "have",
  "has",
  "this",
  "that",
  "these",
  "those",
  "per",
  "each",
  "list",
  "show",
  "give",
  "tell",
  "from",
  "total",
  "number",
  "count",
  "sum",
  "average",
  "mean",
  "top",
  "it",
  "its",
  "as",
  "be",
  "an",
  "at",
  "can",
  "please",
  "data",
  "dataset",
  "table",
  "value",
  "values",
  "according",
  "define",
  "definition",
  "means",
  "meaning",
  "explain",
  "whose",
  "their",
  "them",
  "they",
  "than",
  "more",
  "less",
  "greater",
  "over",
  "under",
  "highest",
  "lowest",
  "largest",
  "smallest",
  "biggest",
  "max",
  "min",
  "maximum",
  "minimum",
  "most",
  "least",
  "多少",
  "多少个",
  "一下",
  "什么",
  "哪些",
  "定义",
  "总额",
]);

function normalise(token: string): string {
  return token.length > 3 && /^[a-z]+s$/.test(token) && !token.endsWith("ss") ? token.slice(0, -1) : token;
}

export function questionTokens(question: string): string[] {
  return tokenize(question).map(normalise);
}

/** Schema vocabulary widened with translations of common business words. */
export function widenVocabulary(vocabulary: Iterable<string>): Set<string> {
  const widened = new Set<string>();
  for (const word of vocabulary) {
    const base = normalise(word);
    widened.add(base);
    for (const translation of chineseFor(base)) widened.add(translation);
  }
  return widened;
}

export function detectIntent(question: string, vocabulary: Set<string>): Intent {
  const text = question.toLowerCase();
  const mentionsData = questionTokens(question).some((t) => vocabulary.has(t));
  return {
    data: mentionsData && dataCues.some((cue) => cue.test(text)),
    docs: docCues.some((cue) => cue.test(text)),
  };
}

/** Question words that are neither schema names nor function words: the terms a document may define. */
export function salientTerms(question: string, vocabulary: Set<string>): string[] {
  return [...new Set(questionTokens(question))].filter((t) => !vocabulary.has(t) && !stopwords.has(t) && !/^\d+$/.test(t));
}

/** Chunks that mention a term of the question the schema does not know: candidate definitions. */
export function relevantHits(question: string, vocabulary: Set<string>, hits: VectorSearchHit[]): VectorSearchHit[] {
  const terms = salientTerms(question, vocabulary);
  if (terms.length === 0) return [];
  return hits.filter((hit) => {
    const chunkTokens = new Set(questionTokens(hit.text));
    return terms.some((term) => chunkTokens.has(term));
  });
}

export function decideRoute(intent: Intent, definitions: number): Route {
  if (intent.data) return definitions > 0 ? "both" : "sql";
  return intent.docs ? "rag" : "chat";
}

/** A question that asks for figures, whatever it names. */
export function hasDataCue(question: string): boolean {
  const text = question.toLowerCase();
  return dataCues.some((cue) => cue.test(text));
}

const followUpCues = [
  /^\s*(and|also|what about|how about|same for|now for|only for)\b/i,
  /^\s*(那|那么|还有|另外|换成)/,
  /呢\s*[？?]?\s*$/,
];
const maxFollowUpTokens = 12;

/**
 * An elliptical question right after a data question ("And for customer
 * 1002?", "那 1002 呢？") refines that question rather than starting small
 * talk: returns the question to answer, the earlier one with this one as its
 * refinement, or undefined when the question stands on its own.
 */
export function followUpQuestion(question: string, history: readonly ChatTurn[], vocabulary: Set<string>): string | undefined {
  if (detectIntent(question, vocabulary).data || questionTokens(question).length > maxFollowUpTokens) return undefined;
  if (!followUpCues.some((cue) => cue.test(question))) return undefined;
  const previous = [...history].reverse().find((turn) => turn.role === "user")?.content;
  if (previous === undefined || !detectIntent(previous, vocabulary).data) return undefined;
  return `${previous.trim()}\nFollow-up, which changes the question above: ${question.trim()}`;
}
