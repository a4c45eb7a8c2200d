import type { ColumnMeta, TableMeta } from "../catalog.js";
import type { Aggregate, Filter, SelectItem, StructuredQuery } from "../structured-query.js";
import { isIdLike, isNumeric, mentionedColumns, phrasesOf, type Mention } from "./columns.js";
import { mentionsTerm, type TermDefinition } from "./definitions.js";
import { bareNumbers, comparedNumbers, periodOf, topN } from "./values.js";

/**
 * A data question split into decisions — measure, grouping, filters, order,
 * limit — each taken from what the question says, matched against the
 * table's columns, their real values and the glossary's definitions. A
 * decision the question leaves open between a few options goes to `choose`
 * (the model, constrained to those options); one with no option the question
 * points at is not guessed: the plan declines and says why.
 */
export type Plan =
  | { kind: "query"; query: StructuredQuery; definitions: TermDefinition[] }
  | { kind: "decline"; reason: string }
  /** The question has none of the shapes above (e.g. "show the rows where …"): the model writes the whole query. */
  | { kind: "open" };

export interface Choice {
  /** What is being decided, in words the model reads. */
  decision: string;
  options: string[];
}

export interface PlanInput {
  question: string;
  table: TableMeta;
  /** Distinct values of the table's short text columns. */
  values: Map<string, string[]>;
  definitions: TermDefinition[];
  /** The model's pick among the options, or undefined when it gave none (then the plan declines rather than guess). */
  choose: (choice: Choice) => Promise<string | undefined>;
}

const forecast =
  /\b(next (year|month|week|quarter)|will (be|there)|forecast|predict|projected|in the future)\b|明年|下个?月|下一?季度|预测|将会|未来|会是多少/iu;
const passive = /\b(?:were|was|are|is|been|got)\s+([a-z]+(?:ed|en))\b|被([\u3400-\u9fff]{1,3}?)了?(?=[的吗呢？?。，,]|$)/iu;
const knownVerbs = new Set([
  "made",
  "placed",
  "created",
  "recorded",
  "registered",
  "sold",
  "ordered",
  "hired",
  "paid",
  "given",
  "taken",
  "stored",
  "listed",
]);

const cues = {
  count: /\bhow many\b|\bnumber of\b|\bcount\b|多少(?:个|笔|名|位|条|家)|几(?:个|笔|名|位|条|家)|有多少|一共/iu,
  distinct: /\bdistinct\b|\bdifferent\b|\bunique\b|不同的?|去重/iu,
  sum: /\btotal\b|\bsum\b|总金额|总额|合计|之和|总和|总计/iu,
  avg: /\baverage\b|\bmean\b|平均/iu,
  max: /\b(?:largest|highest|maximum|max|biggest|greatest)\b|最大|最高|最多的一笔/iu,
  min: /\b(?:smallest|lowest|minimum|min|least)\b|最小|最低|最少的一笔/iu,
  most: /\bmost\b|最多/iu,
  fewest: /\bfewest\b|\bleast\b|最少/iu,
  list: /\blist\b|\bshow\b|列出|显示|哪些/iu,
  groupBefore:
    /\b(?:per|each|by|every|for each|which|what)\s+(?:\d+\s+)?$|(?:每个|每位|每一个|每|按|各个|各|哪个|哪些|哪位|哪一个|哪)\s*$/iu,
};

function groupMention(question: string, mentions: Mention[]): Mention | undefined {
  const lower = question.toLowerCase();
  return mentions.find((m) =>
    !isNumeric(m.column) || isIdLike(m.column) ? cues.groupBefore.test(lower.slice(Math.max(0, m.at - 16), m.at)) : false,
  );
}

function textValueFilters(question: string, table: TableMeta, values: Map<string, string[]>): Filter[] {
  const lower = question.toLowerCase();
  const filters: Filter[] = [];
  for (const column of table.columns) {
    const found = (values.get(column.name) ?? [])
      .filter((v) => v.trim().length >= 2 && lower.includes(v.toLowerCase()))
      .sort((a, b) => b.length - a.length)[0];
    if (found !== undefined) filters.push({ column: column.name, op: "=", value: found });
  }
  return filters;
}

/** A boolean column the question names is a filter: true, or false when negated ("unpaid", "not full-time", "未付款", "非全职"). */
function booleanFilters(question: string, table: TableMeta): Filter[] {
  const lower = question.toLowerCase();
  const filters: Filter[] = [];
  for (const column of table.columns.filter((c) => c.type === "boolean")) {
    for (const phrase of phrasesOf(column, table.description)) {
      const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const negated = new RegExp(`(^|[^a-z])(un|non-?|not )${escaped}|(未|没有|非|不是)${escaped}`, "u").test(lower);
      if (negated || mentionedColumns(question, { ...table, columns: [column] }).length > 0) {
        filters.push({ column: column.name, op: "=", value: !negated });
        break;
      }
    }
  }
  return filters;
}

const undecided = (decision: string): Plan => ({
  kind: "decline",
  reason: `the model did not pick ${decision} among the options within its share of the deadline`,
});

const dateColumns = (table: TableMeta): ColumnMeta[] => table.columns.filter((c) => c.type === "date" || c.type === "timestamp");

/** The question with the dataset and table names blanked out (same length), so "eval_shop_orders" names no order column. */
function withoutTableNames(question: string, table: TableMeta): string {
  let text = question;
  for (const name of [table.dataset_name, table.table]) {
    const at = text.toLowerCase().indexOf(name.toLowerCase());
    if (at >= 0) text = text.slice(0, at) + " ".repeat(name.length) + text.slice(at + name.length);
  }
  return text;
}

export async function planQuery(input: PlanInput): Promise<Plan> {
  const { table, values, choose } = input;
  const question = withoutTableNames(input.question, table);
  const lower = question.toLowerCase();
  if (forecast.test(question)) return { kind: "decline", reason: "it asks about the future, and the data only records what happened" };
  const condition = passive.exec(lower);
  const conditionWord = condition?.[1] ?? condition?.[2];
  const mentions = mentionedColumns(question, table);
  if (
    conditionWord !== undefined &&
    !knownVerbs.has(conditionWord) &&
    !mentions.some((m) => m.phrase.includes(conditionWord) || conditionWord.includes(m.phrase))
  ) {
    return { kind: "decline", reason: `the table ${table.dataset_name} records nothing about "${conditionWord}"` };
  }

  const definitions = input.definitions.filter((d) => mentionsTerm(question, d.term));
  const grouped = definitions.find((d) => d.group);
  const filters: Filter[] = [];
  const addFilter = (filter: Filter): void => {
    if (!filters.some((f) => f.column === filter.column && f.op === filter.op)) filters.push(filter);
  };
  for (const definition of definitions) for (const filter of definition.filters) addFilter(filter);
  for (const filter of textValueFilters(question, table, values)) addFilter(filter);
  for (const filter of booleanFilters(question, table)) addFilter(filter);

  const measures = mentions.filter((m) => isNumeric(m.column) && !isIdLike(m.column));
  const compared = comparedNumbers(question);
  for (const comparison of compared) {
    const target = [...measures].reverse().find((m) => m.at <= comparison.at) ?? (measures.length === 1 ? measures[0] : undefined);
    if (!target) return { kind: "decline", reason: `it compares with ${comparison.value} but names no numeric column to compare` };
    addFilter({ column: target.column.name, op: comparison.op, value: comparison.value });
  }
  const period = periodOf(question);
  if (period) {
    const dates = dateColumns(table);
    let column = mentions.find((m) => dates.includes(m.column))?.column ?? (dates.length === 1 ? dates[0] : undefined);
    if (!column && dates.length > 1) {
      const decision = "the date column the period applies to";
      const picked = await choose({ decision, options: dates.map((d) => d.name) });
      column = dates.find((c) => c.name === picked);
      if (!column) return undecided(decision);
    }
    if (!column) return { kind: "decline", reason: `it names a period, and ${table.dataset_name} has no date column` };
    filters.push({ column: column.name, op: ">=", value: period.from });
    if (period.to) filters.push({ column: column.name, op: "<", value: period.to });
  }
  const top = topN(question);
  for (const n of bareNumbers(question, { compared, ...(period ? { period } : {}), ...(top !== undefined ? { top } : {}) })) {
    const idColumn = mentions.find((m) => isIdLike(m.column) && m.column.type === "integer" && Number.isInteger(n));
    if (!idColumn) continue;
    // A later number for the same id wins: a follow-up ("And for customer 1002?") comes after the question it changes.
    const existing = filters.findIndex((f) => f.column === idColumn.column.name && f.op === "=");
    if (existing >= 0) filters.splice(existing, 1);
    filters.push({ column: idColumn.column.name, op: "=", value: n });
  }

  const base = { table: table.table, filters, having: [], limit: 100, count_result_rows: false };

  if (grouped?.group) {
    const g = grouped.group;
    const having = [{ column: g.measure, aggregate: g.aggregate, op: g.op, value: g.value }];
    if (cues.count.test(question) && !cues.list.test(question)) {
      return {
        kind: "query",
        definitions,
        query: {
          ...base,
          select: [{ column: g.column, aggregate: "none" }],
          group_by: [g.column],
          having,
          order_by: [],
          count_result_rows: true,
        },
      };
    }
    return {
      kind: "query",
      definitions,
      query: {
        ...base,
        select: [
          { column: g.column, aggregate: "none" },
          { column: g.measure, aggregate: g.aggregate },
        ],
        group_by: [g.column],
        having,
        order_by: [],
      },
    };
  }

  // "总" right before a numeric column's name ("总重量", "总金额") asks for its sum.
  const totalOfMeasure = measures.some((m) => question.slice(Math.max(0, m.at - 1), m.at) === "总");
  const aggregate: Aggregate | undefined = cues.avg.test(question) ? "avg" : cues.sum.test(question) || totalOfMeasure ? "sum" : undefined;
  const ranking: "asc" | "desc" | undefined =
    cues.max.test(question) || cues.most.test(question)
      ? "desc"
      : cues.min.test(question) || cues.fewest.test(question)
        ? "asc"
        : undefined;
  const group =
    groupMention(question, mentions) ??
    (ranking && top !== undefined ? mentions.find((m) => !isNumeric(m.column) && m.column.type === "string") : undefined);
  const filtered = new Set(filters.map((f) => f.column));
  const measureOptions = measures.filter((m) => !filtered.has(m.column.name) || aggregate !== undefined || (ranking && !group));

  async function measureColumn(): Promise<ColumnMeta | Plan> {
    if (measureOptions.length === 1) return measureOptions[0]!.column;
    if (measureOptions.length > 1) {
      const decision = "the numeric column the question measures";
      const picked = await choose({ decision, options: measureOptions.map((m) => m.column.name) });
      return measureOptions.find((m) => m.column.name === picked)?.column ?? undecided(decision);
    }
    const numeric = table.columns.filter((c) => isNumeric(c) && !isIdLike(c));
    if (numeric.length === 1) return numeric[0]!;
    return {
      kind: "decline",
      reason: `it names no measure ${table.dataset_name} holds (numeric columns: ${numeric.map((c) => (c.comment && c.comment !== c.name ? `${c.name} "${c.comment}"` : c.name)).join(", ") || "none"})`,
    };
  }

  if (group) {
    const column = group.column.name;
    let measure: SelectItem;
    if (aggregate !== undefined || (ranking && measureOptions.length > 0 && !cues.most.test(question) && !cues.fewest.test(question))) {
      const m = await measureColumn();
      if ("kind" in m) return m;
      measure = { column: m.name, aggregate: aggregate ?? "sum" };
    } else {
      measure = { column: "*", aggregate: "count" };
    }
    const order = ranking ? [{ column: measure.column, aggregate: measure.aggregate, direction: ranking }] : [];
    const limit = ranking ? (top ?? (cues.list.test(question) ? 100 : 1)) : 100;
    return {
      kind: "query",
      definitions,
      query: { ...base, select: [{ column, aggregate: "none" }, measure], group_by: [column], order_by: order, limit },
    };
  }

  if (aggregate !== undefined || (ranking && !cues.count.test(question))) {
    const m = await measureColumn();
    if ("kind" in m) return m;
    const agg: Aggregate = aggregate ?? (ranking === "desc" ? "max" : "min");
    return {
      kind: "query",
      definitions,
      query: { ...base, select: [{ column: m.name, aggregate: agg }], group_by: [], order_by: [], limit: 1 },
    };
  }
  if (cues.count.test(question)) {
    if (cues.distinct.test(question)) {
      const target = mentions.find((m) => !isNumeric(m.column) || isIdLike(m.column));
      if (!target) return { kind: "decline", reason: "it asks for distinct values of something the table does not name" };
      return {
        kind: "query",
        definitions,
        query: { ...base, select: [{ column: target.column.name, aggregate: "count_distinct" }], group_by: [], order_by: [], limit: 1 },
      };
    }
    return {
      kind: "query",
      definitions,
      query: { ...base, select: [{ column: "*", aggregate: "count" }], group_by: [], order_by: [], limit: 1 },
    };
  }
  return { kind: "open" };
}
