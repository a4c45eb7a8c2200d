import { DatabaseSync } from "node:sqlite";
import { parse } from "csv-parse/sync";
import { csv as csvText, generator } from "./datasets.js";
import type { Truth } from "./new-set.js";

/**
 * The held-out evaluation set: written and committed before the planner was
 * changed for it, over two datasets whose headers appear nowhere in the
 * planner's code — shipments (English headers, NULL weights, a carrier name
 * with a quoted comma) and clinic visits (Chinese headers). Every expected
 * answer is computed by SQLite over the very CSV text the Data API is given,
 * a path that shares no code with the agent, the Data API or the other set.
 */
export interface HeldOutDataset {
  name: string;
  description: string;
  csv: string;
  /** SQLite column types, in header order, for the independent truth. */
  sqliteTypes: ("INTEGER" | "REAL" | "TEXT")[];
}

export interface HeldOutQuestion {
  question: string;
  dataset: string;
  kind: string;
  truth: Truth;
}

const day = (year: number, month: number, d: number): string => `${year}-${String(month).padStart(2, "0")}-${String(d).padStart(2, "0")}`;

function shipmentsCsv(): string {
  const random = generator(7_340_101);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const carriers = ["Nordic Post", "FastFreight", "Blue Line, Ltd.", "Kestrel Cargo"];
  const destinations = ["Lyon", "Oslo", "Porto", "Graz", "Turin", "Ghent"];
  const rows = Array.from({ length: 150 }, (_, i) => [
    9001 + i,
    pick(carriers),
    pick(destinations),
    random() < 0.06 ? null : (Math.round((0.5 + random() * 119.5) * 10) / 10).toFixed(1),
    1 + Math.floor(random() * 12),
    (Math.round((8 + random() * 492) * 100) / 100).toFixed(2),
    random() < 0.4,
    day(2025, 1 + Math.floor(random() * 8), 1 + Math.floor(random() * 28)),
  ]);
  return csvText(["shipment_no", "carrier", "destination", "weight_kg", "parcels", "freight_cost", "insured", "shipped_on"], rows);
}

function clinicCsv(): string {
  const random = generator(7_340_202);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const departments = ["内科", "外科", "儿科", "眼科"];
  const doctors = ["李明", "王芳", "张伟", "赵敏", "陈静", "刘洋"];
  const rows = Array.from({ length: 90 }, (_, i) => [
    30001 + i,
    pick(departments),
    pick(doctors),
    (Math.round((30 + random() * 770) * 100) / 100).toFixed(2),
    Math.floor(random() * 91),
    random() < 0.65,
    day(2025, 1 + Math.floor(random() * 6), 1 + Math.floor(random() * 28)),
    random() < 0.12 ? null : 1 + Math.floor(random() * 5),
  ]);
  return csvText(["就诊编号", "科室", "医生", "诊疗费", "候诊分钟", "医保", "就诊日期", "满意度"], rows);
}

export const shipments: HeldOutDataset = {
  name: "eval_shipments",
  description:
    "发货记录 Outbound shipments: one row per shipment, with carrier (承运商), destination (目的地), weight in kg (重量), parcels (包裹数), freight cost (运费), insured flag (保价) and ship date (发货日期)",
  csv: shipmentsCsv(),
  sqliteTypes: ["INTEGER", "TEXT", "TEXT", "REAL", "INTEGER", "REAL", "TEXT", "TEXT"],
};

export const clinicVisits: HeldOutDataset = {
  name: "eval_clinic_visits",
  description:
    "门诊就诊记录 Clinic visits: one row per visit (就诊), with department (科室), doctor (医生), fee (诊疗费), waiting minutes (候诊分钟), medical insurance (医保), visit date (就诊日期) and satisfaction score (满意度)",
  csv: clinicCsv(),
  sqliteTypes: ["INTEGER", "TEXT", "TEXT", "REAL", "INTEGER", "TEXT", "TEXT", "INTEGER"],
};

const mainCarrierMinInsuredFreight = 3900;
const busyDoctorMinVisits = 16;

export const heldOutGlossary = {
  name: "eval_heldout_glossary",
  content: [
    "# 物流与门诊术语 / Logistics and clinic terms",
    "",
    "## 保价货运 / Insured shipment",
    "",
    "保价货运：eval_shipments 中 insured 为 true 的货运。",
    "An insured shipment is a shipment in eval_shipments whose insured is true.",
    "",
    "## 重货 / Heavy shipment",
    "",
    "重货：weight_kg 不低于 50 的货运。",
    "A heavy shipment is a shipment whose weight_kg is at least 50.",
    "",
    "## 主力承运商 / Main carrier",
    "",
    `主力承运商：保价货运的 freight_cost 之和（同一 carrier）不少于 ${mainCarrierMinInsuredFreight} 的承运商。`,
    `A main carrier is a carrier whose insured freight total (the sum of freight_cost over insured shipments with the same carrier) is at least ${mainCarrierMinInsuredFreight}.`,
    "",
    "## 长时候诊 / Long wait",
    "",
    "长时候诊：候诊分钟 超过 60 的就诊。",
    "A long wait is a visit whose 候诊分钟 is greater than 60.",
    "",
    "## 繁忙医生 / Busy doctor",
    "",
    `繁忙医生：就诊次数（同一 医生）不少于 ${busyDoctorMinVisits} 的医生。`,
    `A busy doctor is a doctor with a number of visits (the count of visits with the same 医生) of at least ${busyDoctorMinVisits}.`,
    "",
  ].join("\n"),
};

/** The two datasets loaded into an in-memory SQLite database, straight from their CSV text. */
function truthDatabase(): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  for (const dataset of [shipments, clinicVisits]) {
    const [header, ...records] = parse(dataset.csv) as string[][];
    const columns = header!.map((name, i) => `"${name}" ${dataset.sqliteTypes[i]}`).join(", ");
    db.exec(`CREATE TABLE "${dataset.name}" (${columns})`);
    const insert = db.prepare(`INSERT INTO "${dataset.name}" VALUES (${header!.map(() => "?").join(", ")})`);
    for (const record of records) insert.run(...record.map((cell) => (cell === "" ? null : cell)));
  }
  return db;
}

type Cell = number | string;

export function heldOutQuestions(): HeldOutQuestion[] {
  const db = truthDatabase();
  const all = (sql: string): Cell[][] =>
    db
      .prepare(sql)
      .all()
      .map((row) => Object.values(row) as Cell[]);
  const scalar = (sql: string): Truth => ({ kind: "scalar", value: all(sql)[0]![0]! });
  const rows = (sql: string): Truth => ({ kind: "rows", rows: all(sql) });
  const decline: Truth = { kind: "decline" };
  const s = shipments.name;
  const c = clinicVisits.name;
  const pair = (en: string, zh: string, dataset: string, kind: string, truth: Truth): HeldOutQuestion[] => [
    { question: en, dataset, kind, truth },
    { question: zh, dataset, kind, truth },
  ];
  const insuredTotals = `SELECT carrier FROM ${s} WHERE insured = 'true' GROUP BY carrier HAVING SUM(freight_cost) >= ${mainCarrierMinInsuredFreight}`;
  const busyDoctors = `SELECT 医生 FROM ${c} GROUP BY 医生 HAVING COUNT(*) >= ${busyDoctorMinVisits}`;
  const questions = [
    ...pair(
      "How many shipments are in eval_shipments?",
      "eval_shipments 一共有多少条发货记录？",
      s,
      "count",
      scalar(`SELECT COUNT(*) FROM ${s}`),
    ),
    ...pair(
      "What is the total freight cost of insured shipments in eval_shipments?",
      "eval_shipments 中保价货运的运费总额是多少？",
      s,
      "sum-filter",
      scalar(`SELECT ROUND(SUM(freight_cost), 2) FROM ${s} WHERE insured = 'true'`),
    ),
    ...pair(
      "What is the total weight shipped by the carrier Nordic Post in eval_shipments?",
      "eval_shipments 中承运商 Nordic Post 的总重量是多少？",
      s,
      "sum-filter",
      scalar(`SELECT ROUND(SUM(weight_kg), 1) FROM ${s} WHERE carrier = 'Nordic Post'`),
    ),
    ...pair(
      "Which 3 destinations have the highest total freight cost in eval_shipments?",
      "eval_shipments 运费总额最高的前 3 个目的地是哪些？",
      s,
      "top-n",
      rows(`SELECT destination, ROUND(SUM(freight_cost), 2) FROM ${s} GROUP BY destination ORDER BY SUM(freight_cost) DESC LIMIT 3`),
    ),
    ...pair(
      "How many shipments in eval_shipments were shipped in April 2025?",
      "eval_shipments 中 2025年4月发货的有多少条？",
      s,
      "month",
      scalar(`SELECT COUNT(*) FROM ${s} WHERE shipped_on LIKE '2025-04-%'`),
    ),
    ...pair(
      "What is the total freight cost in May 2025 in eval_shipments?",
      "eval_shipments 2025年5月的运费总额是多少？",
      s,
      "month",
      scalar(`SELECT ROUND(SUM(freight_cost), 2) FROM ${s} WHERE shipped_on LIKE '2025-05-%'`),
    ),
    ...pair(
      "Which carrier has the most shipments in eval_shipments?",
      "eval_shipments 中哪个承运商的发货最多？",
      s,
      "group-most",
      scalar(`SELECT carrier FROM ${s} GROUP BY carrier ORDER BY COUNT(*) DESC LIMIT 1`),
    ),
    ...pair(
      "How many heavy shipments are in eval_shipments?",
      "eval_shipments 中有多少条重货？",
      s,
      "glossary",
      scalar(`SELECT COUNT(*) FROM ${s} WHERE weight_kg >= 50`),
    ),
    ...pair(
      "How many main carriers are there in eval_shipments?",
      "eval_shipments 有多少个主力承运商？",
      s,
      "glossary",
      scalar(`SELECT COUNT(*) FROM (${insuredTotals})`),
    ),
    ...pair(
      "What is the average weight in eval_shipments?",
      "eval_shipments 的平均重量是多少？",
      s,
      "avg",
      scalar(`SELECT AVG(weight_kg) FROM ${s}`),
    ),
    ...pair(
      "How many shipments in eval_shipments have more than 8 parcels?",
      "eval_shipments 中包裹数超过 8 的有多少条？",
      s,
      "threshold",
      scalar(`SELECT COUNT(*) FROM ${s} WHERE parcels > 8`),
    ),
    ...pair(
      "How many different destinations are in eval_shipments?",
      "eval_shipments 有多少个不同的目的地？",
      s,
      "distinct",
      scalar(`SELECT COUNT(DISTINCT destination) FROM ${s}`),
    ),
    ...pair("How many shipments in eval_shipments were delayed?", "eval_shipments 中有多少条发货被延误了？", s, "unanswerable", decline),
    ...pair(
      "What will the freight cost of eval_shipments be next month?",
      "eval_shipments 下个月的运费会是多少？",
      s,
      "unanswerable",
      decline,
    ),
    ...pair(
      "How many visits are in eval_clinic_visits?",
      "eval_clinic_visits 一共有多少次就诊？",
      c,
      "count",
      scalar(`SELECT COUNT(*) FROM ${c}`),
    ),
    ...pair(
      "What is the total fee of the department 儿科 in eval_clinic_visits?",
      "eval_clinic_visits 中儿科的诊疗费总额是多少？",
      c,
      "sum-filter",
      scalar(`SELECT ROUND(SUM(诊疗费), 2) FROM ${c} WHERE 科室 = '儿科'`),
    ),
    ...pair(
      "Which 2 doctors have the highest total fee in eval_clinic_visits?",
      "eval_clinic_visits 诊疗费总额最高的前 2 位医生是谁？",
      c,
      "top-n",
      rows(`SELECT 医生, ROUND(SUM(诊疗费), 2) FROM ${c} GROUP BY 医生 ORDER BY SUM(诊疗费) DESC LIMIT 2`),
    ),
    ...pair(
      "How many visits in eval_clinic_visits were in March 2025?",
      "eval_clinic_visits 中 2025年3月的就诊有多少次？",
      c,
      "month",
      scalar(`SELECT COUNT(*) FROM ${c} WHERE 就诊日期 LIKE '2025-03-%'`),
    ),
    ...pair(
      "Which department has the most visits in eval_clinic_visits?",
      "eval_clinic_visits 中哪个科室的就诊最多？",
      c,
      "group-most",
      scalar(`SELECT 科室 FROM ${c} GROUP BY 科室 ORDER BY COUNT(*) DESC LIMIT 1`),
    ),
    ...pair(
      "How many long waits are in eval_clinic_visits?",
      "eval_clinic_visits 中长时候诊有多少次？",
      c,
      "glossary",
      scalar(`SELECT COUNT(*) FROM ${c} WHERE 候诊分钟 > 60`),
    ),
    ...pair(
      "How many visits in eval_clinic_visits used medical insurance?",
      "eval_clinic_visits 中使用医保的就诊有多少次？",
      c,
      "boolean",
      scalar(`SELECT COUNT(*) FROM ${c} WHERE 医保 = 'true'`),
    ),
    ...pair(
      "What is the average waiting minutes in eval_clinic_visits?",
      "eval_clinic_visits 的平均候诊分钟是多少？",
      c,
      "avg",
      scalar(`SELECT AVG(候诊分钟) FROM ${c}`),
    ),
    ...pair(
      "What is the highest fee in eval_clinic_visits?",
      "eval_clinic_visits 最高的诊疗费是多少？",
      c,
      "max",
      scalar(`SELECT MAX(诊疗费) FROM ${c}`),
    ),
    ...pair(
      "What is the average satisfaction score per department in eval_clinic_visits?",
      "eval_clinic_visits 每个科室的平均满意度是多少？",
      c,
      "group-list",
      rows(`SELECT 科室, AVG(满意度) FROM ${c} GROUP BY 科室`),
    ),
    ...pair(
      "What is the total fee for the doctor 王芳 in eval_clinic_visits?",
      "eval_clinic_visits 中医生王芳的诊疗费总额是多少？",
      c,
      "sum-filter",
      scalar(`SELECT ROUND(SUM(诊疗费), 2) FROM ${c} WHERE 医生 = '王芳'`),
    ),
    ...pair(
      "How many busy doctors are there in eval_clinic_visits?",
      "eval_clinic_visits 有多少位繁忙医生？",
      c,
      "glossary",
      scalar(`SELECT COUNT(*) FROM (${busyDoctors})`),
    ),
    ...pair(
      "What is the average age of the patients in eval_clinic_visits?",
      "eval_clinic_visits 中患者的平均年龄是多少？",
      c,
      "unanswerable",
      decline,
    ),
    ...pair(
      "How many visits in eval_clinic_visits were cancelled?",
      "eval_clinic_visits 中有多少次就诊被取消了？",
      c,
      "unanswerable",
      decline,
    ),
  ];
  db.close();
  return questions;
}
