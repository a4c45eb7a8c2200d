/**
 * The one Chinese↔English dictionary of general business words: the router
 * widens a schema's vocabulary with it, the planner matches question words to
 * headers through it. Words a particular dataset uses belong in that
 * dataset's own metadata (its description and headers), not here.
 */
const englishToChinese: Record<string, string[]> = {
  customer: ["客户", "顾客"],
  amount: ["金额"],
  sales: ["销售", "销量"],
  sale: ["销售"],
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
  total: ["总额"],
  department: ["部门"],
  employee: ["员工"],
  salary: ["工资", "薪水"],
};

const chineseToEnglish = new Map<string, string[]>();
for (const [english, chinese] of Object.entries(englishToChinese))
  for (const word of chinese) chineseToEnglish.set(word, [...(chineseToEnglish.get(word) ?? []), english]);

/** The Chinese words for an English word (singular, lower-case). */
export function chineseFor(english: string): string[] {
  return englishToChinese[english] ?? [];
}

/** The English words for the dictionary's Chinese words a text contains. */
export function englishIn(text: string): string[] {
  return [...chineseToEnglish].filter(([chinese]) => text.includes(chinese)).flatMap(([, english]) => english);
}
