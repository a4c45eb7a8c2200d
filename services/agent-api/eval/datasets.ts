/**
 * The two datasets of the second evaluation set, neither of them the seed's:
 * shop orders (English headers, a boolean, NULLs, customer names with quoted
 * commas, Chinese city names) and staff (Chinese headers). Generated from a
 * fixed seed, so the files, and the truth computed from them, are the same on
 * every run; the glossary defines the terms some questions rely on.
 */
export interface OrderRow {
  order_id: number;
  customer: string;
  city: string;
  channel: string | null;
  amount: number;
  quantity: number;
  paid: boolean;
  order_date: string;
}

export interface StaffRow {
  id: number;
  name: string;
  department: string;
  salary: number;
  hired: string;
  fullTime: boolean;
  rating: number | null;
}

/** mulberry32: a small seeded generator, so the data never changes between runs. */
export function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const customers = [
  "Acme, Inc.",
  "Blue Sky Ltd",
  "Chen Trading",
  "Delta Foods",
  "Evergreen, LLC",
  "Fuji Parts",
  "Golden Gate Co",
  "Harbor Tools",
];
const cities = ["北京", "上海", "深圳", "杭州", "成都"];
const channels = ["online", "store", "phone"];
const departments = ["销售", "研发", "财务", "市场"];
const surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const givenNames = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰", "娟", "涛"];

export function orderRows(): OrderRow[] {
  const random = generator(20_260_601);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  return Array.from({ length: 120 }, (_, i) => {
    const month = 1 + Math.floor(random() * 6);
    const day = 1 + Math.floor(random() * 28);
    return {
      order_id: 5001 + i,
      customer: pick(customers),
      city: pick(cities),
      channel: random() < 0.1 ? null : pick(channels),
      amount: Math.round((50 + random() * 2950) * 100) / 100,
      quantity: 1 + Math.floor(random() * 20),
      paid: random() < 0.7,
      order_date: `2025-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
    };
  });
}

export function staffRows(): StaffRow[] {
  const random = generator(20_260_602);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  return Array.from({ length: 48 }, (_, i) => {
    const year = 2019 + Math.floor(random() * 6);
    const month = 1 + Math.floor(random() * 12);
    return {
      id: 101 + i,
      name: pick(surnames) + pick(givenNames) + (i % 3 === 0 ? pick(givenNames) : ""),
      department: pick(departments),
      salary: 8000 + Math.floor(random() * 25) * 1000,
      hired: `${year}-${String(month).padStart(2, "0")}-${String(1 + Math.floor(random() * 28)).padStart(2, "0")}`,
      fullTime: random() < 0.75,
      rating: random() < 0.15 ? null : 1 + Math.floor(random() * 5),
    };
  });
}

const csvCell = (value: string | number | boolean | null): string => {
  if (value === null) return "";
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export const csv = (header: string[], rows: (string | number | boolean | null)[][]): string =>
  [header.join(","), ...rows.map((row) => row.map(csvCell).join(","))].join("\n") + "\n";

export const ordersDataset = {
  name: "eval_shop_orders",
  description:
    "Shop orders: one row per order, with the customer, city (城市), sales channel, amount, quantity, whether it was paid and its date",
  csv: (): string =>
    csv(
      ["order_id", "customer", "city", "channel", "amount", "quantity", "paid", "order_date"],
      orderRows().map((r) => [r.order_id, r.customer, r.city, r.channel, r.amount.toFixed(2), r.quantity, r.paid, r.order_date]),
    ),
};

export const staffDataset = {
  name: "eval_staff",
  description:
    "员工花名册 Staff list: one row per employee (员工), with department (部门), monthly salary (月薪), hire date (入职日期), full-time flag (全职) and rating (绩效)",
  csv: (): string =>
    csv(
      ["员工编号", "姓名", "部门", "月薪", "入职日期", "全职", "绩效"],
      staffRows().map((r) => [r.id, r.name, r.department, r.salary, r.hired, r.fullTime, r.rating]),
    ),
};

/** The glossary the questions about key customers, paid orders and high earners rely on. */
export const evalGlossary = {
  name: "eval_glossary",
  content: [
    "# 评测术语表 / Evaluation glossary",
    "",
    "## 已付款订单 / Paid order",
    "",
    "已付款订单：eval_shop_orders 中 paid 为 true 的订单。",
    "A paid order is an order in eval_shop_orders whose paid is true.",
    "",
    "## 重点客户 / Key account",
    "",
    "重点客户：已付款订单的 amount 之和（同一 customer）不少于 15000 的客户。",
    "A key account is a customer whose paid total (the sum of amount over paid orders with the same customer) is at least 15000.",
    "",
    "## 高薪员工 / High earner",
    "",
    "高薪员工：月薪不低于 20000 的员工。",
    "A high earner is an employee whose 月薪 is at least 20000.",
    "",
  ].join("\n"),
};

export const keyAccountMinPaidTotal = 15_000;
export const highEarnerMinSalary = 20_000;
