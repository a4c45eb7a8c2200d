import type { Row } from "./catalog.js";
import type { Language } from "./language.js";
import type { DocumentCitation, SqlProvenance, TableStructure } from "./sources.js";

/**
 * Replies to data questions are written by the agent from the query result,
 * never by the model: every figure in them is a value the Data API returned.
 */

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e6) / 1e6);
  if (typeof value === "string" && /^-?\d+\.\d+$/.test(value)) return String(Math.round(Number(value) * 1e6) / 1e6);
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function formatRow(row: Row, columns: string[]): string {
  return columns.map((c) => `${c} = ${formatValue(row[c])}`).join(", ");
}

function excerpt(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function renderSqlAnswer(sql: SqlProvenance, language: Language, definitions: DocumentCitation[] = []): string {
  const zh = language === "zh";
  const columns = sql.columns.map((c) => c.name);
  const lines: string[] = [];
  if (definitions.length > 0) {
    const cited = definitions.map((d) => `“${excerpt(d.text)}” [${d.n}]`).join(" ");
    lines.push(zh ? `依据文档中的定义：${cited}` : `Using the definition from the documents: ${cited}`);
  }
  if (sql.rows.length === 0) {
    lines.push(zh ? "查询结果：没有匹配的行。" : "Result: no rows matched.");
  } else if (sql.rows.length === 1 && columns.length === 1) {
    lines.push(zh ? `查询结果：${formatRow(sql.rows[0]!, columns)}` : `Result: ${formatRow(sql.rows[0]!, columns)}`);
  } else {
    const shown = sql.rows.length < sql.row_count ? ` (${zh ? "显示前" : "showing the first"} ${sql.rows.length})` : "";
    lines.push(zh ? `查询结果：${sql.row_count} 行${shown}` : `Result: ${sql.row_count} rows${shown}`);
    for (const row of sql.rows) lines.push(`- ${formatRow(row, columns)}`);
  }
  if (sql.truncated) lines.push(zh ? "（结果已被截断）" : "(the result was truncated)");
  lines.push(
    zh
      ? `来源：数据集 ${sql.dataset_name}（${sql.dataset_id}，版本 ${sql.version}），SQL：${sql.sql}`
      : `Source: dataset ${sql.dataset_name} (${sql.dataset_id}, version ${sql.version}), SQL: ${sql.sql}`,
  );
  return lines.join("\n");
}

export function sourcesFooter(citations: DocumentCitation[], language: Language): string {
  if (citations.length === 0) return "";
  const label = language === "zh" ? "来源" : "Sources";
  const list = citations.map((c) => `[${c.n}] ${c.document_name} #${c.position}`).join("; ");
  return `\n\n${label}: ${list}`;
}

/** An honest reply when the model produced no usable query: what was tried and why it failed, no invented figures. */
export function renderNoQuery(tables: TableStructure[], problems: string[], language: Language): string {
  const names = tables.map((t) => `${t.dataset_name} (${t.dataset_id})`).join(", ");
  const last = problems.at(-1) ?? "";
  return language === "zh"
    ? `无法把这个问题转换成对 ${names} 的有效查询（尝试 ${problems.length} 次，最后的问题：${last}），因此没有给出数字。`
    : `I could not turn this question into a valid query over ${names} (${problems.length} attempts; last problem: ${last}), so I give no figures.`;
}

/** A data question the data cannot answer: why, and no figure. */
export function renderDecline(tables: TableStructure[], reason: string, language: Language): string {
  const names = tables.map((t) => `${t.dataset_name} (${t.dataset_id})`).join(", ");
  return language === "zh"
    ? `无法用 ${names} 回答这个问题：${reason}。因此没有给出数字。`
    : `I cannot answer this from ${names}: ${reason}, so I give no figures.`;
}
