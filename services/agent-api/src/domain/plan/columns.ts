import type { ColumnMeta, TableMeta } from "../catalog.js";

/**
 * Which columns a question names: by identifier, by a part of it ("customer"
 * in customer_id), by its comment (the original header, often Chinese), or by
 * a common translation. Matching is lexical, so it needs no model.
 */
const translations: Record<string, string[]> = {
  customer: ["客户", "顾客"],
  amount: ["金额", "总额"],
  sales: ["销售"],
  order: ["订单"],
  price: ["价格", "单价"],
  quantity: ["数量", "件数"],
  product: ["产品", "商品"],
  date: ["日期"],
  created: ["创建", "下单"],
  time: ["时间"],
  revenue: ["收入", "营收"],
  user: ["用户"],
  region: ["地区", "区域"],
  city: ["城市"],
  category: ["类别", "分类"],
  status: ["状态"],
  name: ["名称", "姓名", "名字"],
  channel: ["渠道"],
  paid: ["付款", "已付"],
  department: ["部门"],
  salary: ["薪", "工资", "薪水"],
  employee: ["员工"],
  hired: ["入职"],
  rating: ["绩效", "评分"],
};
/** English words a Chinese header stands for, so an English question finds it. */
const headerWords: Record<string, string[]> = {
  部门: ["department", "dept"],
  月薪: ["salary", "monthly salary", "pay"],
  入职日期: ["hired", "hire date", "joined"],
  全职: ["full-time", "full time", "fulltime"],
  绩效: ["rating", "performance"],
  姓名: ["name", "employee name"],
  员工编号: ["employee id", "employee number"],
  城市: ["city"],
  金额: ["amount"],
  客户: ["customer"],
};

const idLike = (column: ColumnMeta): boolean =>
  /(^|_)(id|no|number|code)$/i.test(column.name) || /编号|代码|id$/i.test(column.comment ?? "");

export function isIdLike(column: ColumnMeta): boolean {
  return idLike(column);
}

export function isNumeric(column: ColumnMeta): boolean {
  return column.type === "integer" || column.type === "decimal";
}

/** The phrases that name a column, lower-cased, most specific first. */
export function phrasesOf(column: ColumnMeta): string[] {
  const phrases = new Set<string>([column.name.toLowerCase()]);
  const comment = column.comment?.trim();
  if (comment) {
    phrases.add(comment.toLowerCase());
    for (const [header, words] of Object.entries(headerWords)) if (comment.includes(header)) for (const w of words) phrases.add(w);
  }
  for (const part of column.name.toLowerCase().split(/[^a-z0-9]+/)) {
    if (part.length <= 2 || part === "col" || /^\d+$/.test(part)) continue;
    phrases.add(part);
    for (const t of translations[part] ?? []) phrases.add(t);
  }
  return [...phrases].sort((a, b) => b.length - a.length);
}

function contains(question: string, phrase: string): number {
  if (/[\u3400-\u9fff]/u.test(phrase)) return question.indexOf(phrase);
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`(^|[^a-z0-9])${escaped}(s|es)?($|[^a-z0-9])`, "i").exec(question);
  return match ? match.index + match[1]!.length : -1;
}

export interface Mention {
  column: ColumnMeta;
  /** Where in the question (lower-cased) the column is named. */
  at: number;
  phrase: string;
}

/** The columns the question names, each once, in the order they are named. */
export function mentionedColumns(question: string, table: TableMeta): Mention[] {
  const lower = question.toLowerCase();
  const mentions: Mention[] = [];
  for (const column of table.columns) {
    for (const phrase of phrasesOf(column)) {
      const at = contains(lower, phrase);
      if (at >= 0) {
        mentions.push({ column, at, phrase });
        break;
      }
    }
  }
  return mentions.sort((a, b) => a.at - b.at);
}
