import type { Row } from "../src/domain/catalog.js";
import { highEarnerMinSalary, keyAccountMinPaidTotal, orderRows, staffRows, type OrderRow, type StaffRow } from "./datasets.js";

/**
 * The second evaluation set, written before the agent was tuned for it: 56
 * questions, Chinese and English, over two datasets that are not the seed's
 * (eval/datasets.ts). Truth is computed from the generated rows, never typed
 * in. "decline" questions cannot be answered from the data (a column that does
 * not exist, a forecast): the right answer runs no query and gives no figure.
 */
type Cell = number | string;
export type Truth = { kind: "scalar"; value: Cell } | { kind: "rows"; rows: Cell[][] } | { kind: "decline" };

type QuestionKind =
  | "count"
  | "sum-filter"
  | "avg"
  | "max"
  | "top-n"
  | "month"
  | "group-most"
  | "glossary"
  | "text-value"
  | "boolean"
  | "distinct"
  | "group-list"
  | "threshold"
  | "unanswerable";

export interface NewSetQuestion {
  question: string;
  dataset: "eval_shop_orders" | "eval_staff";
  kind: QuestionKind;
  truth: Truth;
}

const scalar = (value: Cell): Truth => ({ kind: "scalar", value });
const rows = (list: Cell[][]): Truth => ({ kind: "rows", rows: list });
const decline: Truth = { kind: "decline" };
const cents = (n: number): number => Math.round(n * 100) / 100;
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

function groupTotals<T>(items: T[], key: (item: T) => string, value: (item: T) => number): Map<string, number> {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(key(item), (totals.get(key(item)) ?? 0) + value(item));
  return totals;
}

function largest(totals: Map<string, number>): string {
  return [...totals].sort((a, b) => b[1] - a[1])[0]![0];
}

function both(en: string, zh: string, dataset: NewSetQuestion["dataset"], kind: QuestionKind, truth: Truth): NewSetQuestion[] {
  return [
    { question: en, dataset, kind, truth },
    { question: zh, dataset, kind, truth },
  ];
}

export function newSetQuestions(orders: OrderRow[] = orderRows(), staff: StaffRow[] = staffRows()): NewSetQuestion[] {
  const o = "eval_shop_orders" as const;
  const s = "eval_staff" as const;
  const paid = orders.filter((r) => r.paid);
  const paidTotals = groupTotals(
    paid,
    (r) => r.customer,
    (r) => r.amount,
  );
  const keyAccounts = [...paidTotals].filter(([, total]) => total >= keyAccountMinPaidTotal);
  const customerTotals = groupTotals(
    orders,
    (r) => r.customer,
    (r) => r.amount,
  );
  const top3 = [...customerTotals].sort((a, b) => b[1] - a[1]).slice(0, 3);
  const cityCounts = groupTotals(
    orders,
    (r) => r.city,
    () => 1,
  );
  const deptCounts = groupTotals(
    staff,
    (r) => r.department,
    () => 1,
  );
  const march = orders.filter((r) => r.order_date.startsWith("2025-03"));
  const acme = orders.filter((r) => r.customer === "Acme, Inc.");
  return [
    ...both("How many orders are in eval_shop_orders?", "eval_shop_orders 一共有多少笔订单？", o, "count", scalar(orders.length)),
    ...both(
      "How many paid orders are there in eval_shop_orders?",
      "eval_shop_orders 里已付款订单有多少笔？",
      o,
      "glossary",
      scalar(paid.length),
    ),
    ...both(
      "What is the total amount of paid orders in eval_shop_orders?",
      "eval_shop_orders 已付款订单的总金额是多少？",
      o,
      "glossary",
      scalar(cents(sum(paid.map((r) => r.amount)))),
    ),
    ...both(
      "What is the total order amount in March 2025 in eval_shop_orders?",
      "eval_shop_orders 2025年3月的订单总金额是多少？",
      o,
      "month",
      scalar(cents(sum(march.map((r) => r.amount)))),
    ),
    ...both(
      "How many orders in eval_shop_orders came from the city 上海?",
      "eval_shop_orders 中城市为上海的订单有多少笔？",
      o,
      "text-value",
      scalar(orders.filter((r) => r.city === "上海").length),
    ),
    ...both(
      "How many eval_shop_orders orders have the channel online?",
      "eval_shop_orders 中渠道为 online 的订单有多少笔？",
      o,
      "text-value",
      scalar(orders.filter((r) => r.channel === "online").length),
    ),
    ...both(
      "What is the average order amount in eval_shop_orders?",
      "eval_shop_orders 订单的平均金额是多少？",
      o,
      "avg",
      scalar(sum(orders.map((r) => r.amount)) / orders.length),
    ),
    ...both(
      "What is the largest order amount in eval_shop_orders?",
      "eval_shop_orders 最大的一笔订单金额是多少？",
      o,
      "max",
      scalar(Math.max(...orders.map((r) => r.amount))),
    ),
    ...both(
      "Which 3 customers have the highest total amount in eval_shop_orders?",
      "eval_shop_orders 订单总金额最高的前 3 个客户是谁？",
      o,
      "top-n",
      rows(top3.map(([c, t]) => [c, cents(t)])),
    ),
    ...both(
      "Which city has the most orders in eval_shop_orders?",
      "eval_shop_orders 哪个城市的订单最多？",
      o,
      "group-most",
      scalar(largest(cityCounts)),
    ),
    ...both(
      "How many key accounts are there in eval_shop_orders?",
      "eval_shop_orders 有多少个重点客户？",
      o,
      "glossary",
      scalar(keyAccounts.length),
    ),
    ...both(
      "List the key accounts in eval_shop_orders.",
      "列出 eval_shop_orders 的所有重点客户。",
      o,
      "glossary",
      rows(keyAccounts.map(([c]) => [c])),
    ),
    ...both(
      "What is the total amount for the customer Acme, Inc. in eval_shop_orders?",
      "eval_shop_orders 中客户 Acme, Inc. 的订单总金额是多少？",
      o,
      "text-value",
      scalar(cents(sum(acme.map((r) => r.amount)))),
    ),
    ...both(
      "How many orders in eval_shop_orders have an amount greater than 2000?",
      "eval_shop_orders 中金额超过 2000 的订单有多少笔？",
      o,
      "threshold",
      scalar(orders.filter((r) => r.amount > 2000).length),
    ),
    ...both(
      "How many distinct customers are in eval_shop_orders?",
      "eval_shop_orders 有多少个不同的客户？",
      o,
      "distinct",
      scalar(new Set(orders.map((r) => r.customer)).size),
    ),
    ...both(
      "What is the total amount per city in eval_shop_orders?",
      "eval_shop_orders 每个城市的订单总金额是多少？",
      o,
      "group-list",
      rows(
        [
          ...groupTotals(
            orders,
            (r) => r.city,
            (r) => r.amount,
          ),
        ].map(([c, t]) => [c, cents(t)]),
      ),
    ),
    ...both("How many employees are in eval_staff?", "eval_staff 一共有多少名员工？", s, "count", scalar(staff.length)),
    ...both(
      "What is the average monthly salary in eval_staff?",
      "eval_staff 的平均月薪是多少？",
      s,
      "avg",
      scalar(sum(staff.map((r) => r.salary)) / staff.length),
    ),
    ...both(
      "How many employees in eval_staff are in the department 研发?",
      "eval_staff 中研发部门有多少名员工？",
      s,
      "text-value",
      scalar(staff.filter((r) => r.department === "研发").length),
    ),
    ...both(
      "What is the highest monthly salary in the department 销售 in eval_staff?",
      "eval_staff 中销售部门的最高月薪是多少？",
      s,
      "max",
      scalar(Math.max(...staff.filter((r) => r.department === "销售").map((r) => r.salary))),
    ),
    ...both(
      "How many employees in eval_staff were hired in 2023?",
      "eval_staff 中 2023年入职的员工有多少名？",
      s,
      "month",
      scalar(staff.filter((r) => r.hired.startsWith("2023")).length),
    ),
    ...both(
      "How many full-time employees are in eval_staff?",
      "eval_staff 中全职员工有多少名？",
      s,
      "boolean",
      scalar(staff.filter((r) => r.fullTime).length),
    ),
    ...both(
      "Which department has the most employees in eval_staff?",
      "eval_staff 中哪个部门的员工最多？",
      s,
      "group-most",
      scalar(largest(deptCounts)),
    ),
    ...both(
      "How many high earners are in eval_staff?",
      "eval_staff 中高薪员工有多少名？",
      s,
      "glossary",
      scalar(staff.filter((r) => r.salary >= highEarnerMinSalary).length),
    ),
    ...both(
      "What is the total monthly salary per department in eval_staff?",
      "eval_staff 每个部门的月薪总额是多少？",
      s,
      "group-list",
      rows(
        [
          ...groupTotals(
            staff,
            (r) => r.department,
            (r) => r.salary,
          ),
        ].map(([d, t]) => [d, t]),
      ),
    ),
    ...both("What is the average age of the employees in eval_staff?", "eval_staff 中员工的平均年龄是多少？", s, "unanswerable", decline),
    ...both("How many orders in eval_shop_orders were returned?", "eval_shop_orders 中有多少笔订单被退货了？", o, "unanswerable", decline),
    ...both(
      "What will the total order amount of eval_shop_orders be next year?",
      "eval_shop_orders 明年的订单总金额会是多少？",
      o,
      "unanswerable",
      decline,
    ),
  ];
}

// Half a cent: decimals come back rounded to two places, averages may carry more.
const close = (a: number, b: number): boolean => Math.abs(a - b) < 0.005 + Math.abs(b) * 1e-9;

function sameCell(actual: unknown, expected: Cell): boolean {
  if (typeof expected === "string") return typeof actual === "string" && actual.trim() === expected;
  const n = typeof actual === "number" ? actual : typeof actual === "string" && actual.trim() !== "" ? Number(actual) : Number.NaN;
  return Number.isFinite(n) && close(n, expected);
}

/**
 * Execution accuracy: the rows the agent's SQL returned hold the truth. A
 * scalar must be a value of the first row (a "which one" answer may carry its
 * measure beside it); a row set must match row for row in any order.
 */
export function holdsTruth(truth: Exclude<Truth, { kind: "decline" }>, result: Row[]): boolean {
  if (truth.kind === "scalar")
    return (
      result.length >= 1 &&
      Object.values(result[0]!).some((v) => sameCell(v, truth.value)) &&
      (typeof truth.value === "string" || result.length === 1)
    );
  if (result.length !== truth.rows.length) return false;
  const unused = result.map((row) => Object.values(row));
  return truth.rows.every((expected) => {
    const index = unused.findIndex((values) => expected.every((e) => values.some((v) => sameCell(v, e))));
    if (index < 0) return false;
    unused.splice(index, 1);
    return true;
  });
}

/** Numbers written in a text; digits inside an identifier (col_4, ds-003, ds_003_v1) are part of a name, not a figure. */
function figuresIn(text: string): string[] {
  return [...text.matchAll(/(?<![\w.-])-?\d+(?:\.\d+)?(?![\w-])/g)].map((m) => m[0]);
}

/**
 * The figures of a reply no SQL result, question, SQL text or cited document
 * holds: numbers the agent would have invented. Dataset ids and versions, the
 * `[n]` citation numbers and row counts of a result are allowed.
 */
export function inventedFigures(reply: string, allowedText: string[], result: Row[]): string[] {
  const allowed = new Set<number>();
  const addNumbers = (text: string) => {
    for (const figure of figuresIn(text)) allowed.add(Number(figure));
  };
  for (const text of allowedText) addNumbers(text);
  for (const row of result) for (const value of Object.values(row)) addNumbers(String(value));
  allowed.add(result.length);
  const figures = figuresIn(reply.replace(/\[\d+\]/g, ""));
  return figures.filter((f) => ![...allowed].some((a) => close(a, Number(f))));
}
