/**
 * Requests to change data ("DELETE FROM …", "drop the table", "删除表",
 * "把金额改成 500"). The platform's data access is read-only — the Data API
 * runs one SELECT as a read-only user — so these are refused with that reason
 * instead of being turned into an unrelated SELECT or small talk. Lexical and
 * deterministic like the router: the model is not asked.
 *
 * A write is recognised as a statement (SQL that changes data or schema) or
 * as an instruction (a change verb in imperative position, aimed at data);
 * the same verbs inside a question about the data ("How many orders were
 * updated?", "更新时间最晚的订单") are not writes.
 */

import type { Language } from "./language.js";

const writeStatement =
  /(?:^|[;\n(]|\b(?:run|execute|exec)\b:?|(?:执行|运行)[:：]?)\s*(?:set\s+(?:(?:global|session|persist|persist_only|local)\b|@)|load\s+(?:data|xml)\b|rename\s+(?:table|user)\b|lock\s+tables?\b|flush\s+\w|kill\s+(?:query\s+|connection\s+)?\d|shutdown\b|delete\s+from\b|drop\s+(?:table|database|schema|view|index|column)\b|truncate\s+(?:table\s+)?[`"\w]|insert\s+(?:into\s+)?[`"\w.]+\s*(?:\(|values\b|select\b|set\b)|update\s+[`"\w.]+\s+set\b|alter\s+(?:table|database)\b|create\s+(?:table|database|schema|index|view)\b|replace\s+into\b|grant\s+\w|revoke\s+\w|merge\s+into\b)/i;

const politeLead = String.raw`(?:(?:please|pls|kindly|now|then|just|go ahead and|can you|could you|would you|will you|i (?:want|need|would like|'d like) (?:you )?to|let's|let us)[\s,]+)*`;
const changeVerb = String.raw`(?:delete|remove|drop|erase|wipe|truncate|purge|clear|insert|add|update|modify|change|edit|alter|rename|overwrite|replace|set|write|empty)`;
const dataObject =
  /\b(?:tables?|rows?|records?|data|datasets?|columns?|entr(?:y|ies)|values?|database|db|schema|fields?|amounts?|customers?|orders?|sales?|prices?|ids?)\b/i;
const instruction = new RegExp(String.raw`^\s*${politeLead}${changeVerb}\b(?!\s+up\b)`, "i");

const zhLead = "(?:请|麻烦(?:你)?|帮(?:我|忙)?|给我|你?(?:能不能|可不可以|能否|可以)|我(?:想|要|需要)|现在|直接|马上)*";
const zhVerb = "(?:删除|删掉|删了|删|清空|清除|清掉|截断|丢弃|销毁|修改|更新|插入|新增|添加|写入|改掉|改成|改为|覆盖|替换)";
// "更新时间" (update time), "修改日期": the verb as part of a noun, asked about, not an instruction.
const zhInstruction = new RegExp(`^\\s*${zhLead}\\s*(?:把|将)?${zhVerb}(?!时间|日期|频率|的)`);
const zhDisposal =
  /(?:把|将).{0,40}?(?:删除|删掉|删了|清空|清除|清掉|截断|丢弃|改成|改为|改掉|修改为|修改成|更新为|更新成|设为|设置为|替换为|覆盖)/;

/** A SELECT that writes a file on the server. */
const selectIntoFile = /\bselect\b[\s\S]*\binto\s+(?:outfile|dumpfile)\b/i;

export function isWriteRequest(question: string): boolean {
  const text = question.trim();
  if (writeStatement.test(text) || selectIntoFile.test(text)) return true;
  if (instruction.test(text) && dataObject.test(text)) return true;
  return zhInstruction.test(text) || zhDisposal.test(text);
}

export function refusalOf(language: Language): string {
  return language === "zh"
    ? "无法执行：本平台的数据访问是只读的。智能体只能通过 Data API 以只读用户运行 SELECT 查询，不能删除、清空、插入或修改任何数据或表，也不能更改服务器设置或写文件。可以改问关于数据的问题，例如总额、数量或列表。"
    : "I can't do that: data access on this platform is read-only. The agent only runs SELECT queries through the Data API as a read-only user, so it cannot delete, drop, insert or update any data or table, change a server setting or write a file. Ask a question about the data instead, for example a total, a count or a list.";
}
