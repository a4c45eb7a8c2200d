import type { VectorSearchHit } from "@one-data/data-api-contract";
import type { TableMeta } from "./catalog.js";
import type { ChatTurn, ModelMessage } from "./conversation.js";
import { fence, fenceRule } from "./fence.js";
import type { Language } from "./language.js";

/** Prompt builders: pure functions from what the agent knows to the messages the model sees. */

const persona = "You are the ONE-DATA-STUDIO assistant.";
const maxSampleRows = 3;

function replyLanguage(language: Language): string {
  return language === "zh" ? "Answer in Chinese." : "Answer in English.";
}

/**
 * Plain chat names no language: "Answer in Chinese." sends the 135M model off
 * into repeated phrases, while it follows the question's own language unasked.
 */
export function chatMessages(history: ChatTurn[], question: string): ModelMessage[] {
  return [
    { role: "system", content: `${persona} Answer briefly and plainly, in the language of the question.` },
    ...history,
    { role: "user", content: question },
  ];
}

function describeTable(table: TableMeta): string {
  const columns = table.columns
    .map((c) => `- ${c.name} (${c.type}${c.nullable ? ", nullable" : ""})${c.comment && c.comment !== c.name ? `: ${c.comment}` : ""}`)
    .join("\n");
  const samples = table.sample_rows
    .slice(0, maxSampleRows)
    .map((row) => JSON.stringify(row))
    .join("\n");
  return [
    `table ${table.table}: dataset ${table.dataset_name} (${table.dataset_id}, version ${table.version}), ${table.row_count} rows`,
    table.description ? `description: ${table.description}` : undefined,
    "columns:",
    columns,
    samples ? `sample rows:\n${samples}` : undefined,
  ]
    .filter((line) => line !== undefined)
    .join("\n");
}

export interface FailedAttempt {
  reply: string;
  problem: string;
}

const queryRules = [
  "Translate the question into one query object that matches the JSON schema you are given. Reply with the JSON object only.",
  'select: the columns or aggregates to return. aggregate is none, count, count_distinct, sum, avg, min or max; column "*" only with count.',
  "filters: conditions on single rows (WHERE). having: conditions on aggregates of groups (HAVING), e.g. a total per customer.",
  "group_by: columns to group by. order_by: sort order. limit: at most how many rows.",
  "count_result_rows: true when the question asks how many groups or rows match (the answer is one number), false to list them.",
  "Use thresholds and definitions from the documents when the question relies on them.",
].join("\n");

export function queryMessages(input: {
  question: string;
  tables: TableMeta[];
  definitions: VectorSearchHit[];
  failures: FailedAttempt[];
}): ModelMessage[] {
  const parts = [fence("table schemas", input.tables.map(describeTable).join("\n\n"))];
  if (input.definitions.length > 0) {
    parts.push(fence("documents", input.definitions.map((hit, i) => `[${i + 1}] ${hit.document_name}: ${hit.text}`).join("\n\n")));
  }
  parts.push(`Question: ${input.question}`);
  const messages: ModelMessage[] = [
    { role: "system", content: `${persona} ${queryRules}\n${fenceRule}` },
    { role: "user", content: parts.join("\n\n") },
  ];
  for (const failure of input.failures) {
    messages.push({ role: "assistant", content: failure.reply });
    messages.push({
      role: "user",
      content: `That query could not be used: ${failure.problem}\nReply with a corrected JSON object only.`,
    });
  }
  return messages;
}

export function documentMessages(input: {
  question: string;
  hits: VectorSearchHit[];
  history: ChatTurn[];
  language: Language;
}): ModelMessage[] {
  const sources =
    input.hits.length > 0
      ? input.hits.map((hit, i) => `[${i + 1}] ${hit.document_name}: ${hit.text}`).join("\n\n")
      : "(no document matched)";
  return [
    {
      role: "system",
      content:
        `${persona} Answer only from the numbered sources; cite each fact with its number like [1]. ` +
        `If the sources do not answer the question, say so. ${replyLanguage(input.language)}\n${fenceRule}`,
    },
    ...input.history,
    { role: "user", content: `${fence("sources", sources)}\n\nQuestion: ${input.question}` },
  ];
}
