/**
 * What the scripted acceptance double "understands" — a test double, never
 * shipped. It plays a competent model with nothing but what the agent sent:
 * the question line, the tables and column enums of the JSON schema, the
 * table descriptions and the retrieved document chunks. Every part of the
 * query it writes is derived from those: the table from the offered choices
 * whose names match the question, the columns from the offered enums, the
 * grouping, aggregate, comparison and threshold from the chunk that defines a
 * term the question uses. It knows nothing of the suite's questions or of
 * their expected answers, so if the agent offers the wrong tables or
 * retrieves the wrong chunks, its query is wrong too.
 */

export interface OfferedTable {
  table: string;
  /** The dataset name from the agent's table description, when it gave one. */
  dataset: string | undefined;
  /** The column enum the schema allows for this table. */
  columns: string[];
}

export interface QueryRequest {
  question: string;
  tables: OfferedTable[];
  /** Retrieved chunks, as the agent numbered them in its prompt. */
  documents: string[];
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** The tables a structured-query JSON schema offers (one object, or an anyOf of one per table). */
export function offeredTables(schema: JsonObject, prompt: string): OfferedTable[] {
  const branches = Array.isArray(schema.anyOf) ? schema.anyOf.filter(isObject) : [schema];
  return branches.flatMap((branch) => {
    const properties = isObject(branch.properties) ? branch.properties : {};
    const table = isObject(properties.table) ? properties.table.const : undefined;
    const groupBy = isObject(properties.group_by) && isObject(properties.group_by.items) ? properties.group_by.items.enum : undefined;
    if (typeof table !== "string" || !Array.isArray(groupBy)) return [];
    const described = new RegExp(`^table ${escape(table)}: dataset (\\S+) `, "m").exec(prompt);
    return [{ table, dataset: described?.[1], columns: groupBy.map(String) }];
  });
}

/** The question and retrieved chunks of the agent's query prompt. */
export function promptParts(prompt: string): { question: string; documents: string[] } {
  const question = /^Question: (.*)$/m.exec(prompt)?.[1] ?? prompt;
  const fenced = /<<<DATA documents>>>\n([\s\S]*?)\n<<<END DATA>>>/.exec(prompt)?.[1] ?? "";
  const documents = fenced ? fenced.split(/\n\n(?=\[\d+\] )/).map((chunk) => chunk.replace(/^\[\d+\] [^:]*: /, "")) : [];
  return { question, documents };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** General business vocabulary a model brings along: Chinese words and the English stems of column names. */
const translations: [RegExp, string][] = [
  [/客户|顾客/, "customer"],
  [/金额|总额/, "amount"],
  [/订单/, "order"],
  [/评论|评价/, "review"],
  [/价格|单价/, "price"],
  [/数量/, "quantity"],
  [/产品|商品/, "product"],
  [/日期|时间/, "created"],
];

function questionWords(question: string): Set<string> {
  const lower = question.toLowerCase();
  const words = new Set(lower.match(/[a-z][a-z0-9_]*/g) ?? []);
  for (const word of [...words]) if (word.length > 3 && word.endsWith("s")) words.add(word.slice(0, -1));
  for (const [pattern, stem] of translations) if (pattern.test(question)) words.add(stem);
  return words;
}

/** The column's name parts ("customer_id" → customer, id). */
const parts = (column: string): string[] =>
  column
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

function mentionedColumns(question: string, columns: string[]): string[] {
  const words = questionWords(question);
  return columns.filter((column) => parts(column).some((part) => part.length > 2 && words.has(part)));
}

/** The offered table the question is about: named outright, else the one sharing most words with it; ties go to the first. */
function chooseTable(question: string, tables: OfferedTable[]): OfferedTable | undefined {
  const lower = question.toLowerCase();
  const score = (t: OfferedTable): number =>
    (lower.includes(t.table.toLowerCase()) || (t.dataset !== undefined && lower.includes(t.dataset.toLowerCase())) ? 100 : 0) +
    mentionedColumns(question, t.columns).length;
  return tables.reduce<OfferedTable | undefined>((best, t) => (best === undefined || score(t) > score(best) ? t : best), undefined);
}

interface Definition {
  term: string;
  /** Rows grouped by this column before the condition applies. */
  groupBy: string | undefined;
  measure: string;
  aggregate: "sum" | "avg" | "count" | undefined;
  op: ">=" | ">" | "<=" | "<";
  value: number;
}

const comparisons: [RegExp, Definition["op"]][] = [
  [/不少于|至少|不低于|at least|no less than/i, ">="],
  [/不超过|至多|不高于|at most|no more than/i, "<="],
  [/超过|高于|大于|more than|above|greater than/i, ">"],
  [/低于|少于|小于|below|less than|under/i, "<"],
];

/**
 * A term the question uses and a chunk defines ("大客户：…" or "A key customer
 * is …"), read into a condition over the table's columns.
 */
function findDefinition(question: string, documents: string[], columns: string[]): Definition | undefined {
  for (const document of documents) {
    for (const line of document.split("\n")) {
      const defined = /^(\S{2,20}?)：(.+)$/.exec(line.trim()) ?? /^An? ([a-z][a-z ]{1,40}?) is (.+)$/i.exec(line.trim());
      if (!defined || !question.toLowerCase().includes(defined[1]!.toLowerCase())) continue;
      const text = defined[2]!;
      const comparison = comparisons.map(([pattern, op]) => ({ op, at: text.search(pattern) })).find((c) => c.at >= 0);
      const number = comparison ? /(\d+(?:\.\d+)?)/.exec(text.slice(comparison.at)) : null;
      if (!comparison || !number) continue;
      const named = columns.filter((column) => new RegExp(`(^|[^a-z0-9_])${escape(column)}([^a-z0-9_]|$)`, "i").test(text));
      const groupBy = named.find((column) => new RegExp(`(同一|same|each|per)\\s*${escape(column)}`, "i").test(text));
      const measure = named.find((column) => column !== groupBy);
      if (!measure) continue;
      const aggregate = /之和|总和|sum/i.test(text)
        ? "sum"
        : /平均|average/i.test(text)
          ? "avg"
          : /数量|number of/i.test(text)
            ? "count"
            : undefined;
      return { term: defined[1]!, groupBy, measure, aggregate, op: comparison.op, value: Number(number[1]) };
    }
  }
  return undefined;
}

const asksHowMany = (question: string): boolean => /多少|几(个|位|笔|条|次|名)|how many|number of|count/i.test(question);
const asksForList = (question: string): boolean => /哪些|列出|哪(个|位)|which|list|show/i.test(question);

/** The structured query a competent model would write for the request, or undefined when no offered table fits at all. */
export function writeQuery(request: QueryRequest): JsonObject | undefined {
  const table = chooseTable(request.question, request.tables);
  if (!table) return undefined;
  const definition = findDefinition(request.question, request.documents, table.columns);
  const base = {
    table: table.table,
    filters: [] as JsonObject[],
    group_by: [] as string[],
    having: [] as JsonObject[],
    order_by: [] as JsonObject[],
    limit: 100,
    count_result_rows: false,
  };
  if (!definition) {
    if (asksHowMany(request.question)) return { ...base, select: [{ column: "*", aggregate: "count" }] };
    const wanted = mentionedColumns(request.question, table.columns);
    return { ...base, select: (wanted.length > 0 ? wanted : table.columns).map((column) => ({ column, aggregate: "none" })) };
  }
  if (definition.groupBy && definition.aggregate) {
    const measured = { column: definition.measure, aggregate: definition.aggregate };
    const wantsMeasure = mentionedColumns(request.question, [definition.measure]).length > 0;
    return {
      ...base,
      select: [{ column: definition.groupBy, aggregate: "none" }, ...(wantsMeasure ? [measured] : [])],
      group_by: [definition.groupBy],
      having: [{ ...measured, op: definition.op, value: definition.value }],
      order_by: [{ column: definition.groupBy, aggregate: "none", direction: "asc" }],
      count_result_rows: asksHowMany(request.question) && !asksForList(request.question),
    };
  }
  const filters = [{ column: definition.measure, op: definition.op, value: definition.value }];
  if (asksHowMany(request.question) && !asksForList(request.question)) {
    return { ...base, select: [{ column: "*", aggregate: "count" }], filters };
  }
  return { ...base, select: table.columns.map((column) => ({ column, aggregate: "none" })), filters };
}

/** "2+2等于几？" → "2+2 = 4": arithmetic worked out from the expression in the message, not looked up. */
export function arithmeticReply(message: string): string | undefined {
  const found = /(-?\d+(?:\.\d+)?)\s*([+\-*/×÷])\s*(-?\d+(?:\.\d+)?)/.exec(message);
  if (!found) return undefined;
  const [a, op, b] = [Number(found[1]), found[2]!, Number(found[3])];
  const value = op === "+" ? a + b : op === "-" ? a - b : op === "*" || op === "×" ? a * b : b === 0 ? undefined : a / b;
  return value === undefined ? undefined : `${found[1]}${op}${found[3]} = ${Number(value.toFixed(6))}`;
}

/**
 * The option a competent model picks for one open decision: the one whose
 * name, or the line the agent's prompt describes it on ("- ds_002_v1: dataset
 * acceptance_reviews, …"), shares most words with the question; ties go to
 * the first, as offered.
 */
export function pickOption(question: string, options: string[], prompt = ""): string | undefined {
  const words = questionWords(question);
  const described = (option: string): string => new RegExp(`^- ${escape(option)}\\b(.*)$`, "m").exec(prompt)?.[0] ?? option;
  const score = (option: string): number => parts(described(option)).filter((part) => part.length > 2 && words.has(part)).length;
  return options.reduce<string | undefined>(
    (best, option) => (best === undefined || score(option) > score(best) ? option : best),
    undefined,
  );
}
