import type { TableMeta } from "../catalog.js";
import type { Comparison, Filter } from "../structured-query.js";
import { comparedNumbers } from "./values.js";
import { isIdLike, isNumeric, mentionedColumns } from "./columns.js";

/**
 * Glossary terms read into conditions the compiler applies, instead of prose
 * a small model must re-read: "a paid order is an order whose paid is true"
 * becomes the row filter paid = TRUE; "a key account is a customer whose paid
 * total … is at least 15000" becomes a group condition (group by customer,
 * SUM(amount) >= 15000 over paid orders). Only lines that read as a definition
 * over this table's columns count; the rest of a document is ignored.
 */
interface GroupCondition {
  column: string;
  aggregate: "sum" | "avg" | "count";
  measure: string;
  op: Comparison;
  value: number;
}

export interface TermDefinition {
  /** The defined term, lower-cased, as the document names it. */
  term: string;
  filters: Filter[];
  group?: GroupCondition;
  /** The chunk the definition was read from. */
  chunkId: string;
}

const definitionLine = [
  /^(?<term>[^\s：:，,。]{2,20}?)\s*[：:]\s*(?<body>.+)$/u,
  /^an?\s+(?<term>[a-z][a-z -]{1,40}?)\s+(?:is|means)\s+(?<body>.+)$/iu,
  /^(?<term>[a-z][a-z -]{1,40}?)\s*\((?<alias>[^)]{1,20})\)\s*[：:]\s*(?<body>.+)$/iu,
  /^(?<term>[a-z][a-z -]{1,40}?)\s*[：:]\s*(?<body>.+)$/iu,
];
const booleanPhrase = /([\p{L}_][\p{L}\p{N}_]*)\s*(?:is|为|是|=)\s*(true|false|真|假)/giu;
const aggregateOf = (body: string): GroupCondition["aggregate"] | undefined =>
  /之和|总和|总额|总金额|\bsum\b|\btotal\b/iu.test(body)
    ? "sum"
    : /平均|\baverage\b/iu.test(body)
      ? "avg"
      : /笔数|次数|人数|个数|\bnumber of\b|\bcount of\b/iu.test(body)
        ? "count"
        : undefined;

function readBody(body: string, table: TableMeta): Omit<TermDefinition, "term" | "chunkId"> | undefined {
  const mentions = mentionedColumns(body, table);
  const filters: Filter[] = [];
  for (const match of body.matchAll(booleanPhrase)) {
    const column = table.columns.find(
      (c) => c.type === "boolean" && (c.name.toLowerCase() === match[1]!.toLowerCase() || c.comment === match[1]),
    );
    if (column) filters.push({ column: column.name, op: "=", value: /true|真/i.test(match[2]!) });
  }
  const compared = comparedNumbers(body)[0];
  const aggregate = aggregateOf(body);
  if (compared && aggregate) {
    const measure = mentions.find((m) => isNumeric(m.column) && !isIdLike(m.column))?.column;
    const same = /(?:同一|same|each|per)\s*([\p{L}\p{N}_]+)/iu.exec(body);
    const grouped =
      (same && mentions.find((m) => m.at >= same.index && m.at <= same.index + same[0].length + 2)?.column) ??
      mentions.find((m) => m.column !== measure && (isIdLike(m.column) || m.column.type === "string"))?.column;
    // A count needs no measure column: it counts the group's rows.
    const measured = aggregate === "count" ? (measure?.name ?? "*") : measure?.name;
    if (measured === undefined || !grouped) return filters.length > 0 ? { filters } : undefined;
    return { filters, group: { column: grouped.name, aggregate, measure: measured, op: compared.op, value: compared.value } };
  }
  if (compared) {
    const before = mentions.filter((m) => isNumeric(m.column) && !isIdLike(m.column) && m.at <= compared.at);
    const column = before.at(-1)?.column;
    if (column) filters.push({ column: column.name, op: compared.op, value: compared.value });
  }
  return filters.length > 0 ? { filters } : undefined;
}

/** Every definition the chunks give over this table's columns; definitions naming other terms take on their filters. */
export function readDefinitions(chunks: { chunk_id: string; text: string }[], table: TableMeta): TermDefinition[] {
  const raw: (TermDefinition & { body: string })[] = [];
  for (const chunk of chunks) {
    for (const line of chunk.text.split("\n")) {
      for (const pattern of definitionLine) {
        const match = pattern.exec(line.trim());
        if (!match?.groups) continue;
        const read = readBody(match.groups.body!, table);
        if (read) {
          for (const term of [match.groups.term, match.groups.alias].filter((t): t is string => t !== undefined)) {
            raw.push({ term: term.trim().toLowerCase(), ...read, chunkId: chunk.chunk_id, body: match.groups.body! });
          }
        }
        break;
      }
    }
  }
  // Row conditions of a term another definition's body names ("paid orders") apply to that definition too.
  return raw.map(({ body, ...definition }) => {
    const inherited = raw
      .filter((other) => other.term !== definition.term && !other.group && mentionsTerm(body, other.term))
      .flatMap((o) => o.filters);
    const filters = [...definition.filters];
    for (const filter of inherited) if (!filters.some((f) => f.column === filter.column)) filters.push(filter);
    return { ...definition, filters };
  });
}

export function mentionsTerm(text: string, term: string): boolean {
  const lower = text.toLowerCase();
  if (/[\u3400-\u9fff]/u.test(term)) return lower.includes(term);
  const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^a-z])${escaped}(s|es)?($|[^a-z])`, "i").test(lower);
}
