import type { Comparison } from "../structured-query.js";

/**
 * Literals a question carries, read without a model: compared numbers
 * ("greater than 2000", "超过 2000"), periods (a day, a month, a year, "on or
 * after" a day), a top-N, and bare numbers left over for id filters.
 */
export interface Compared {
  op: Comparison;
  value: number;
  /** Where the comparison phrase starts. */
  at: number;
}

export interface Period {
  /** Inclusive start and exclusive end, as YYYY-MM-DD. */
  from: string;
  to?: string;
  /** Where the period is written in the question. */
  at: number;
}

const comparisonPhrases: [RegExp, Comparison][] = [
  [/(?:at least|no less than|not less than|>=|不少于|不低于|至少|大于等于|以上)\s*(-?\d+(?:\.\d+)?)/giu, ">="],
  [/(?:at most|no more than|not more than|<=|不超过|不高于|至多|小于等于|以下)\s*(-?\d+(?:\.\d+)?)/giu, "<="],
  [/(?:greater than|more than|larger than|higher than|over|above|exceeding|>|超过|大于|高于|多于)\s*(-?\d+(?:\.\d+)?)/giu, ">"],
  [/(?:less than|lower than|smaller than|below|under|<|低于|小于|少于)\s*(-?\d+(?:\.\d+)?)/giu, "<"],
];

export function comparedNumbers(question: string): Compared[] {
  const found: Compared[] = [];
  for (const [pattern, op] of comparisonPhrases) {
    for (const match of question.matchAll(pattern)) {
      if (found.some((f) => Math.abs(f.at - match.index) < 3)) continue;
      found.push({ op, value: Number(match[1]), at: match.index });
    }
  }
  return found;
}

const months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const pad = (n: number): string => String(n).padStart(2, "0");

function monthRange(year: number, month: number, at: number): Period {
  const next = month === 12 ? `${year + 1}-01-01` : `${year}-${pad(month + 1)}-01`;
  return { from: `${year}-${pad(month)}-01`, to: next, at };
}

function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/** The period a question restricts to, if it names one. */
export function periodOf(question: string): Period | undefined {
  const lower = question.toLowerCase();
  const day = /(\d{4})-(\d{2})-(\d{2})/.exec(lower);
  if (day) {
    const value = day[0];
    if (/(on or after|since|from|after|之后|以后|起)/.test(lower.slice(Math.max(0, day.index - 14), day.index + value.length + 6)))
      return { from: value, at: day.index };
    return { from: value, to: nextDay(value), at: day.index };
  }
  const zhMonth = /(\d{4})\s*年\s*(\d{1,2})\s*月/.exec(lower);
  if (zhMonth) return monthRange(Number(zhMonth[1]), Number(zhMonth[2]), zhMonth.index);
  const isoMonth = /\b(\d{4})-(\d{1,2})\b/.exec(lower);
  if (isoMonth && Number(isoMonth[2]) <= 12) return monthRange(Number(isoMonth[1]), Number(isoMonth[2]), isoMonth.index);
  const enMonth = new RegExp(`\\b(${months.join("|")})\\s+(?:of\\s+)?(\\d{4})\\b`).exec(lower);
  if (enMonth) return monthRange(Number(enMonth[2]), months.indexOf(enMonth[1]!) + 1, enMonth.index);
  const year = /(?:\bin\s+|\bduring\s+)(\d{4})\b|(\d{4})\s*年/.exec(lower);
  if (year) {
    const y = Number(year[1] ?? year[2]);
    return { from: `${y}-01-01`, to: `${y + 1}-01-01`, at: year.index };
  }
  return undefined;
}

/** "top 3", "前 3", "3 customers with the highest…": how many rows a ranking asks for. */
export function topN(question: string): number | undefined {
  const lower = question.toLowerCase();
  const match = /\btop\s+(\d{1,3})\b|前\s*(\d{1,3})|\b(?:which|what)\s+(\d{1,3})\b|(\d{1,3})\s*(?:个|位|名|家)/u.exec(lower);
  if (!match) return undefined;
  const n = Number(match[1] ?? match[2] ?? match[3] ?? match[4]);
  return n >= 1 && n <= 100 ? n : undefined;
}

/** Numbers in the question not used as a comparison, a period or a top-N: candidates for an equality filter (ids). */
export function bareNumbers(question: string, used: { compared: Compared[]; period?: Period; top?: number }): number[] {
  const spans: [number, number][] = [];
  for (const pattern of comparisonPhrases.map(([p]) => p))
    for (const m of question.matchAll(pattern)) spans.push([m.index, m.index + m[0].length]);
  for (const m of question.matchAll(/\d{4}(?:-\d{1,2}(?:-\d{1,2})?|\s*年\s*(?:\d{1,2}\s*月)?)/gu))
    spans.push([m.index, m.index + m[0].length]);
  if (used.period) for (const m of question.matchAll(/\d{4}/g)) if (used.period.from.startsWith(m[0])) spans.push([m.index, m.index + 4]);
  const numbers: number[] = [];
  for (const m of question.matchAll(/(?<![\w.-])\d+(?:\.\d+)?(?![\w.-])/g)) {
    if (spans.some(([a, b]) => m.index >= a && m.index < b)) continue;
    const n = Number(m[0]);
    if (used.top !== undefined && n === used.top) continue;
    numbers.push(n);
  }
  return numbers;
}
