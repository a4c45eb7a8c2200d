/**
 * The rows the registration benches generate: wide (a quoted 560-character
 * comment), so a large file's row count, and the database's load time, stay
 * modest. The same rows as CSV and as JSON Lines.
 */
const padding = "lorem ipsum dolor sit amet ".repeat(20);

export const csvHeader = "id,customer_id,amount,created_at,city,comment\n";

export interface BenchRow {
  id: number;
  customer_id: number;
  amount: number;
  created_at: string;
  city: string;
  comment: string;
}

export function benchRow(i: number): BenchRow {
  return {
    id: i,
    customer_id: 1000 + (i % 997),
    amount: (i % 100000) / 100,
    created_at: `2024-01-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z`,
    city: `city-${i % 50}`,
    comment: `row ${i} ${padding}`,
  };
}

export const csvLine = (row: BenchRow): string =>
  `${row.id},${row.customer_id},${row.amount},${row.created_at},${row.city},"${row.comment}"\n`;

export const jsonLine = (row: BenchRow): string => `${JSON.stringify(row)}\n`;
