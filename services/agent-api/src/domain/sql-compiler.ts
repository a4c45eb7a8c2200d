/**
 * Turns a structured query into one MySQL SELECT. Everything the model chose
 * is checked against the catalog again here (the schema is a hint to the
 * decoder, not a guarantee): identifiers are quoted, values become escaped
 * literals of the column's type, and nothing but a single read-only SELECT
 * can come out.
 */

import { findColumn, findTable, type Catalog, type ColumnMeta, type TableMeta } from "./catalog.js";
import { comparisons, maxQueryLimit, type Aggregate, type Literal, type StructuredQuery } from "./structured-query.js";

export class QueryCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QueryCompileError";
  }
}

export interface CompiledQuery {
  sql: string;
  table: TableMeta;
}

export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.length > 64 || name.includes("\u0000")) {
    throw new QueryCompileError(`invalid identifier ${JSON.stringify(name)}`);
  }
  return "`" + name.replaceAll("`", "``") + "`";
}

/** MySQL string literal; backslashes are escaped too because MySQL treats them as escapes by default. */
export function quoteString(value: string): string {
  // eslint-disable-next-line no-control-regex -- NUL and Ctrl-Z are the characters MySQL needs escaped
  const escaped = value.replace(/[\0\n\r\x1a\\']/g, (ch) => {
    switch (ch) {
      case "\0":
        return "\\0";
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\x1a":
        return "\\Z";
      case "\\":
        return "\\\\";
      default:
        return "''";
    }
  });
  return `'${escaped}'`;
}

function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new QueryCompileError(`${value} is not a finite number`);
  return String(value);
}

const numericPattern = /^-?\d+(\.\d+)?$/;
const datePattern = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?(?:Z|[+-]00:?00)?$/;

/** Renders a value as a literal of the column's type, refusing values that cannot be one. */
export function literalFor(column: Pick<ColumnMeta, "name" | "type">, value: Literal): string {
  const fail = (): never => {
    throw new QueryCompileError(`value ${JSON.stringify(value)} does not fit column ${column.name} of type ${column.type}`);
  };
  switch (column.type) {
    case "integer": {
      const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : fail();
      return Number.isInteger(n) ? numberLiteral(n) : fail();
    }
    case "decimal": {
      const n = typeof value === "number" ? value : typeof value === "string" && numericPattern.test(value.trim()) ? Number(value) : fail();
      return numberLiteral(n);
    }
    case "boolean": {
      if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
      if (value === 1 || value === "1" || value === "true") return "TRUE";
      if (value === 0 || value === "0" || value === "false") return "FALSE";
      return fail();
    }
    case "date":
    case "timestamp": {
      if (typeof value !== "string") return fail();
      const match = datePattern.exec(value.trim());
      if (!match) return fail();
      const [, day, time] = match;
      if (column.type === "date" || time === undefined) return quoteString(day!);
      return quoteString(`${day} ${time.length === 5 ? `${time}:00` : time}`);
    }
    case "string":
      return quoteString(String(value));
  }
}

const numericTypes = new Set(["integer", "decimal"]);

function columnOf(table: TableMeta, name: string): ColumnMeta {
  const column = findColumn(table, name);
  if (!column) {
    const known = table.columns.map((c) => c.name).join(", ");
    throw new QueryCompileError(`column ${JSON.stringify(name)} is not in table ${table.table} (columns: ${known})`);
  }
  return column;
}

function expression(table: TableMeta, column: string, aggregate: Aggregate): string {
  if (column === "*") {
    if (aggregate !== "count") throw new QueryCompileError(`"*" can only be counted, not used with ${aggregate}`);
    return "COUNT(*)";
  }
  const meta = columnOf(table, column);
  const id = quoteIdentifier(meta.name);
  switch (aggregate) {
    case "none":
      return id;
    case "count":
      return `COUNT(${id})`;
    case "count_distinct":
      return `COUNT(DISTINCT ${id})`;
    case "sum":
    case "avg":
      if (!numericTypes.has(meta.type)) {
        throw new QueryCompileError(`${aggregate} needs a numeric column; ${meta.name} is ${meta.type}`);
      }
      return `${aggregate.toUpperCase()}(${id})`;
    case "min":
    case "max":
      return `${aggregate.toUpperCase()}(${id})`;
  }
}

function aliasOf(column: string, aggregate: Aggregate): string {
  if (aggregate === "none") return column;
  return column === "*" ? "count_all" : `${aggregate}_${column}`;
}

function comparison(op: string): string {
  if (!(comparisons as readonly string[]).includes(op)) throw new QueryCompileError(`unknown comparison ${op}`);
  return op;
}

export function compileQuery(query: StructuredQuery, catalog: Catalog): CompiledQuery {
  const table = findTable(catalog, query.table);
  if (!table) {
    const known = catalog.tables.map((t) => t.table).join(", ");
    throw new QueryCompileError(`table ${JSON.stringify(query.table)} is unknown (tables: ${known})`);
  }
  if (query.select.length === 0) throw new QueryCompileError("select at least one column");

  const selected = new Map<string, string>();
  for (const item of query.select) {
    const alias = aliasOf(item.column, item.aggregate);
    if (!selected.has(alias)) {
      selected.set(alias, `${expression(table, item.column, item.aggregate)} AS ${quoteIdentifier(alias)}`);
    }
  }

  const groupBy = [...new Set(query.group_by)];
  for (const column of groupBy) columnOf(table, column);
  const aggregated = query.select.some((s) => s.aggregate !== "none") || query.having.length > 0;
  if (aggregated || groupBy.length > 0) {
    // A plain column next to an aggregate must be grouped by; doing it here
    // spares a weak model a round trip through the database error.
    for (const item of query.select) {
      if (item.aggregate === "none" && !groupBy.includes(item.column)) groupBy.push(item.column);
    }
  }

  const where = query.filters.map((f) => {
    const column = columnOf(table, f.column);
    return `${quoteIdentifier(column.name)} ${comparison(f.op)} ${literalFor(column, f.value)}`;
  });
  const having = query.having.map((h) => `${expression(table, h.column, h.aggregate)} ${comparison(h.op)} ${numberLiteral(h.value)}`);
  const orderBy = query.order_by.map((o) => {
    const alias = aliasOf(o.column, o.aggregate);
    const target = selected.has(alias) ? quoteIdentifier(alias) : expression(table, o.column, o.aggregate);
    return `${target} ${o.direction === "desc" ? "DESC" : "ASC"}`;
  });
  const limit = Math.max(1, Math.min(Math.trunc(query.limit), maxQueryLimit));

  const from = table.table.split(".").map(quoteIdentifier).join(".");
  const parts = [`SELECT ${[...selected.values()].join(", ")}`, `FROM ${from}`];
  if (where.length > 0) parts.push(`WHERE ${where.join(" AND ")}`);
  if (groupBy.length > 0) parts.push(`GROUP BY ${groupBy.map(quoteIdentifier).join(", ")}`);
  if (having.length > 0) parts.push(`HAVING ${having.join(" AND ")}`);
  if (query.count_result_rows) {
    return { sql: `SELECT COUNT(*) AS ${quoteIdentifier("row_count")} FROM (${parts.join(" ")}) AS ${quoteIdentifier("matched")}`, table };
  }
  if (orderBy.length > 0) parts.push(`ORDER BY ${orderBy.join(", ")}`);
  parts.push(`LIMIT ${limit}`);
  return { sql: parts.join(" "), table };
}
