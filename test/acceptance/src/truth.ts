import { parse } from "csv-parse/sync";

/**
 * Ground truth the suite computes itself from the dataset file, never from
 * what a service returned.
 */

/** Threshold of the glossary's "大客户 / key customer" (services/data-api/bootstrap/glossary.md). */
export const keyCustomerMinTotal = 500;

export interface KeyCustomer {
  customer_id: number;
  total: number;
}

export function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
}

/** Customers whose summed order amount is at least the threshold, totals rounded to cents. */
export function keyCustomers(rows: Record<string, string>[], minTotal = keyCustomerMinTotal): KeyCustomer[] {
  const totals = new Map<number, number>();
  for (const row of rows) {
    const customer = Number(row.customer_id);
    totals.set(customer, (totals.get(customer) ?? 0) + Number(row.amount));
  }
  return [...totals]
    .filter(([, total]) => total >= minTotal)
    .map(([customer_id, total]) => ({ customer_id, total: Math.round(total * 100) / 100 }))
    .sort((a, b) => a.customer_id - b.customer_id);
}

/**
 * Rows the Data → Model check registers: short texts the model can process one
 * by one. Seven, not the seed sales data's five, so a count run on the wrong
 * table gives a wrong number.
 */
export const reviewsCsv = [
  "review_id,review",
  '1,"Fast delivery, the product works well."',
  '2,"包装破损，客服也不回复。"',
  '3,"Exactly as described, would buy again."',
  '4,"质量很好，价格合理。"',
  '5,"Stopped working after two days."',
  '6,"物流很快，但说明书只有英文。"',
  '7,"Good value for the price."',
  "",
].join("\n");
