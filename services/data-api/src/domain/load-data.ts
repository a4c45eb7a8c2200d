import type { ColumnType } from "@one-data/data-api-contract";
import { toSqlValue, type Cell } from "./inference.js";

/**
 * The text format typed rows are streamed in to MySQL's `LOAD DATA LOCAL
 * INFILE`: tab-separated fields, one row a line, `\N` for NULL, and the
 * server's own backslash escapes for the characters that would otherwise end
 * a field or a line. The clause and the encoder below must agree.
 */
export const loadDataClause = "CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'";

const needsEscape = /[\\\t\n\r\0]/;
const escapable = /[\\\t\n\r\0]/g;
const escapes: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0" };

/** One field: the value the INSERT path would bind, written as LOAD DATA reads it back. */
function loadDataField(value: string | number | null): string {
  if (value === null) return "\\N";
  if (typeof value === "number") return String(value);
  return needsEscape.test(value) ? value.replace(escapable, (c) => escapes[c]!) : value;
}

/** Lines for a batch of rows, each cell converted to its column's SQL value first. */
export function loadDataLines(types: readonly ColumnType[], rows: readonly (readonly Cell[])[]): string {
  let out = "";
  for (const row of rows) {
    for (let i = 0; i < types.length; i += 1) {
      if (i > 0) out += "\t";
      out += loadDataField(toSqlValue(types[i]!, row[i]));
    }
    out += "\n";
  }
  return out;
}
