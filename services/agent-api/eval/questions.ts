import type { Row } from "../src/domain/catalog.js";

/**
 * The evaluation set over the seed sales dataset and the glossary. Ground
 * truth is computed here from the rows the Data API returns, never typed in.
 */
export type Truth = { kind: "scalar"; value: number } | { kind: "rows"; rows: number[][] };

export interface EvalQuestion {
  question: string;
  /** The route a correct answer needs. */
  expects: "sql" | "both";
  truth: (rows: SalesRow[]) => Truth;
}

export interface SalesRow {
  id: number;
  customer_id: number;
  amount: number;
  created_at: Date;
}

/** The glossary's definition the "key customer" questions rely on (the document states this threshold). */
export const keyCustomerThreshold = 500;

export function toSalesRows(rows: Row[]): SalesRow[] {
  return rows.map((r) => ({
    id: Number(r.id),
    customer_id: Number(r.customer_id),
    amount: Number(r.amount),
    created_at: new Date(
      String(r.created_at)
        .replace(" ", "T")
        .replace(/(?<!Z)$/, "Z"),
    ),
  }));
}

const scalar = (value: number): Truth => ({ kind: "scalar", value });
const sum = (rows: SalesRow[]) => rows.reduce((s, r) => s + r.amount, 0);
function totals(rows: SalesRow[]): Map<number, number> {
  const map = new Map<number, number>();
  for (const r of rows) map.set(r.customer_id, (map.get(r.customer_id) ?? 0) + r.amount);
  return map;
}
const keyCustomers = (rows: SalesRow[]) => [...totals(rows)].filter(([, total]) => total >= keyCustomerThreshold);

export const questions: EvalQuestion[] = [
  { question: "How many sales records are there?", expects: "sql", truth: (rows) => scalar(rows.length) },
  { question: "What is the total amount of sales?", expects: "sql", truth: (rows) => scalar(sum(rows)) },
  { question: "What is the average amount per sale?", expects: "sql", truth: (rows) => scalar(sum(rows) / rows.length) },
  { question: "What is the largest single sale amount?", expects: "sql", truth: (rows) => scalar(Math.max(...rows.map((r) => r.amount))) },
  {
    question: "How many distinct customers are there?",
    expects: "sql",
    truth: (rows) => scalar(new Set(rows.map((r) => r.customer_id)).size),
  },
  {
    question: "What is the total amount for customer 1001?",
    expects: "sql",
    truth: (rows) => scalar(sum(rows.filter((r) => r.customer_id === 1001))),
  },
  {
    question: "How many sales have an amount greater than 300?",
    expects: "sql",
    truth: (rows) => scalar(rows.filter((r) => r.amount > 300).length),
  },
  {
    question: "How many sales were made on or after 2024-01-02?",
    expects: "sql",
    truth: (rows) => scalar(rows.filter((r) => r.created_at >= new Date("2024-01-02T00:00:00Z")).length),
  },
  {
    question: "List the total amount per customer.",
    expects: "sql",
    truth: (rows) => ({ kind: "rows", rows: [...totals(rows)].map(([c, t]) => [c, t]) }),
  },
  {
    question: "Which customer has the highest total amount?",
    expects: "sql",
    truth: (rows) => scalar([...totals(rows)].sort((a, b) => b[1] - a[1])[0]![0]),
  },
  { question: "销售总额是多少？", expects: "sql", truth: (rows) => scalar(sum(rows)) },
  { question: "How many key customers are there?", expects: "both", truth: (rows) => scalar(keyCustomers(rows).length) },
  { question: "有多少个大客户？", expects: "both", truth: (rows) => scalar(keyCustomers(rows).length) },
  { question: "List the key customers.", expects: "both", truth: (rows) => ({ kind: "rows", rows: keyCustomers(rows).map(([c]) => [c]) }) },
];

// Half a cent: decimals come back rounded to two places, averages may carry more.
const close = (a: number, b: number): boolean => Math.abs(a - b) < 0.005 + Math.abs(b) * 1e-9;

function numbersOf(row: Row): number[] {
  return Object.values(row)
    .map((v) => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN))
    .filter((n) => Number.isFinite(n));
}

/**
 * Execution accuracy: the rows the agent's SQL returned hold the truth.
 * A scalar must be a value of the only row; a row set must match row for row
 * (each truth row's values found in a distinct result row, same row count).
 */
export function matches(truth: Truth, rows: Row[]): boolean {
  if (truth.kind === "scalar") return rows.length === 1 && numbersOf(rows[0]!).some((n) => close(n, truth.value));
  if (rows.length !== truth.rows.length) return false;
  const unused = rows.map(numbersOf);
  return truth.rows.every((expected) => {
    const index = unused.findIndex((values) => expected.every((e) => values.some((v) => close(v, e))));
    if (index < 0) return false;
    unused.splice(index, 1);
    return true;
  });
}
