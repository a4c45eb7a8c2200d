import type { Pool, RowDataPacket } from "mysql2/promise";
import type { InferredColumn } from "../domain/inference.js";
import { quoteIdentifier } from "./mysql.js";

/** The typed tables datasets are materialized into, one per tabular version, in the datasets schema. */
export class DatasetTables {
  private readonly db: string;

  constructor(
    private readonly pool: Pool,
    readonly database: string,
  ) {
    this.db = quoteIdentifier(database);
  }

  private qualified(table: string): string {
    return `${this.db}.${quoteIdentifier(table)}`;
  }

  async create(table: string, columns: readonly InferredColumn[], comment: string): Promise<void> {
    const definitions = columns.map(
      (c) =>
        `${quoteIdentifier(c.name)} ${c.sql_type} ${c.nullable ? "NULL" : "NOT NULL"} COMMENT ${this.pool.escape(c.original.slice(0, 1024))}`,
    );
    await this.pool.query(
      `CREATE TABLE ${this.qualified(table)} (${definitions.join(", ")})
       ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT=${this.pool.escape(comment.slice(0, 2048))}`,
    );
  }

  async insert(table: string, columns: readonly InferredColumn[], rows: readonly (string | number | null)[][]): Promise<void> {
    if (rows.length === 0) return;
    const names = columns.map((c) => quoteIdentifier(c.name)).join(", ");
    await this.pool.query(`INSERT INTO ${this.qualified(table)} (${names}) VALUES ?`, [rows]);
  }

  async drop(table: string): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.qualified(table)}`);
  }

  async exists(table: string): Promise<boolean> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
      [this.database, table],
    );
    return rows.length > 0;
  }

  /** The first rows in load order (InnoDB keeps a table without a primary key in insertion order). */
  async firstRows(table: string, limit: number): Promise<RowDataPacket[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(`SELECT * FROM ${this.qualified(table)} LIMIT ?`, [limit]);
    return rows;
  }
}
