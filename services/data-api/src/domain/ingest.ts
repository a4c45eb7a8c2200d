import type { Readable } from "node:stream";
import { columnIdentifiers } from "./identifiers.js";
import { SchemaInferrer, toSqlValue, type Cell, type InferredColumn } from "./inference.js";
import { maxColumns, readCsv, readJsonLines, type TabularFormat } from "./tabular.js";
import { unprocessable } from "@one-data/platform";

/** What registration learns about a tabular file; stored with the version and served by /schema. */
export interface TabularSchema {
  format: TabularFormat;
  delimiter?: string;
  has_header: boolean;
  row_count: number;
  columns: InferredColumn[];
}

/** First pass over the file: structure, types, nullability, samples, row count. */
export async function inferSchema(bytes: Readable, format: TabularFormat): Promise<TabularSchema> {
  if (format === "jsonl") {
    const inferrer = new SchemaInferrer([], "jsonl");
    for await (const record of readJsonLines(bytes)) {
      const cells: Cell[] = [];
      for (const [key, value] of Object.entries(record)) {
        const at = inferrer.addColumn(key);
        if (inferrer.columnCount > maxColumns) throw unprocessable(`too many distinct keys (more than ${maxColumns})`);
        cells[at] = value;
      }
      inferrer.observeRow(cells);
    }
    if (inferrer.rowCount === 0) throw unprocessable("the file has no JSON objects");
    const headers = inferrer.finish(new Array(inferrer.columnCount).fill("")).map((c) => c.original);
    return { format, has_header: false, row_count: inferrer.rowCount, columns: inferrer.finish(columnIdentifiers(headers)) };
  }
  const csv = await readCsv(bytes, format);
  const inferrer = new SchemaInferrer(csv.headers, "csv");
  for await (const row of csv.rows) inferrer.observeRow(row);
  return {
    format,
    delimiter: csv.delimiter,
    has_header: true,
    row_count: inferrer.rowCount,
    columns: inferrer.finish(columnIdentifiers(csv.headers)),
  };
}

/**
 * MySQL limits a row to 65,535 bytes; VARCHAR counts 4 bytes a character in
 * utf8mb4 while TEXT counts a few. Wide files get TEXT columns.
 */
export function fitRowSize(columns: InferredColumn[]): InferredColumn[] {
  const varcharBytes = columns.reduce((sum, c) => {
    const width = /^VARCHAR\((\d+)\)$/.exec(c.sql_type);
    return sum + (width ? Number(width[1]) * 4 + 2 : 16);
  }, 0);
  if (varcharBytes < 60_000) return columns;
  return columns.map((c) => (c.sql_type.startsWith("VARCHAR") ? { ...c, sql_type: "TEXT" } : c));
}

export type SqlRow = (string | number | null)[];

/** Second pass: typed rows in batches, ready to insert. */
export async function* typedRowBatches(bytes: Readable, schema: TabularSchema, batchRows = 500): AsyncGenerator<SqlRow[]> {
  const types = schema.columns.map((c) => c.type);
  let batch: SqlRow[] = [];
  const push = (cells: readonly Cell[]): SqlRow[] | undefined => {
    batch.push(types.map((type, i) => toSqlValue(type, cells[i])));
    if (batch.length < batchRows) return undefined;
    const full = batch;
    batch = [];
    return full;
  };
  if (schema.format === "jsonl") {
    const keys = schema.columns.map((c) => c.original);
    for await (const record of readJsonLines(bytes)) {
      const full = push(keys.map((k) => record[k]));
      if (full) yield full;
    }
  } else {
    const csv = await readCsv(bytes, schema.format, schema.delimiter);
    if (csv.headers.length !== schema.columns.length) throw unprocessable("the object changed while it was being registered");
    for await (const row of csv.rows) {
      const full = push(row);
      if (full) yield full;
    }
  }
  if (batch.length > 0) yield batch;
}
