import type { Readable } from "node:stream";
import { columnIdentifiers } from "./identifiers.js";
import { SchemaInferrer, toSqlValue, type Cell, type InferredColumn } from "./inference.js";
import { loadDataLines } from "./load-data.js";
import type { TabularFormat } from "@one-data/data-api-contract";
import { maxColumns, readCsv, readJsonLines, type ReadProgress } from "./tabular.js";
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
export async function inferSchema(bytes: Readable, format: TabularFormat, progress?: ReadProgress): Promise<TabularSchema> {
  if (format === "jsonl") {
    const inferrer = new SchemaInferrer([], "jsonl");
    for await (const records of readJsonLines(bytes, progress)) {
      for (const record of records) {
        const cells: Cell[] = [];
        // for…in rather than Object.entries: no array of pairs per record; JSON.parse gives plain objects.
        for (const key in record) {
          const at = inferrer.addColumn(key);
          if (inferrer.columnCount > maxColumns) throw unprocessable(`too many distinct keys (more than ${maxColumns})`);
          cells[at] = record[key];
        }
        inferrer.observeRow(cells);
      }
      if (progress) progress.rows += records.length;
    }
    if (inferrer.rowCount === 0) throw unprocessable("the file has no JSON objects");
    const headers = inferrer.finish(new Array(inferrer.columnCount).fill("")).map((c) => c.original);
    return { format, has_header: false, row_count: inferrer.rowCount, columns: inferrer.finish(columnIdentifiers(headers)) };
  }
  const csv = await readCsv(bytes, format, undefined, progress);
  const inferrer = new SchemaInferrer(csv.headers, "csv");
  for await (const batch of csv.batches) {
    for (const row of batch) inferrer.observeRow(row);
    if (progress) progress.rows += batch.length;
  }
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

/** Records of the file as cells in the schema's column order, a batch at a time. */
async function* cellBatches(bytes: Readable, schema: TabularSchema, progress?: ReadProgress): AsyncGenerator<readonly (readonly Cell[])[]> {
  if (schema.format === "jsonl") {
    const keys = schema.columns.map((c) => c.original);
    for await (const records of readJsonLines(bytes, progress)) {
      if (progress) progress.rows += records.length;
      yield records.map((record) => keys.map((k) => record[k]));
    }
    return;
  }
  const csv = await readCsv(bytes, schema.format, schema.delimiter, progress);
  if (csv.headers.length !== schema.columns.length) throw unprocessable("the object changed while it was being registered");
  for await (const batch of csv.batches) {
    if (progress) progress.rows += batch.length;
    yield batch;
  }
}

/** Second pass for the INSERT path: typed rows in batches of `batchRows`. */
export async function* typedRowBatches(bytes: Readable, schema: TabularSchema, batchRows = 500): AsyncGenerator<SqlRow[]> {
  const types = schema.columns.map((c) => c.type);
  let batch: SqlRow[] = [];
  for await (const cells of cellBatches(bytes, schema)) {
    for (const row of cells) {
      batch.push(types.map((type, i) => toSqlValue(type, row[i])));
      if (batch.length >= batchRows) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** Second pass for the bulk path: the typed rows as `LOAD DATA` text (see load-data.ts), a chunk at a time. */
export async function* loadDataChunks(bytes: Readable, schema: TabularSchema, progress?: ReadProgress): AsyncGenerator<Buffer> {
  const types = schema.columns.map((c) => c.type);
  for await (const cells of cellBatches(bytes, schema, progress)) {
    if (cells.length > 0) yield Buffer.from(loadDataLines(types, cells));
  }
}
