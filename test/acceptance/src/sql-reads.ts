import nodeSqlParser from "node-sql-parser";

const parser = new nodeSqlParser.Parser();
const dialect = { database: "MySQL" } as const;

export interface SqlReads {
  /** Tables the statement reads, without their schema. */
  tables: string[];
  /** Columns it names anywhere (select list, conditions, grouping, order). */
  columns: string[];
  groupBy: string[];
}

/**
 * What a SQL statement reads, taken from its parse tree — the suite's own
 * reading of the SQL the agent reports, not the agent's word for it.
 */
export function sqlReads(sql: string): SqlReads {
  const name = (entry: string) => entry.split("::").at(-1)!;
  const ast = parser.astify(sql, dialect);
  const statement = (Array.isArray(ast) ? ast[0] : ast) as { groupby?: { columns?: { column?: unknown }[] | null } | null };
  return {
    tables: [...new Set(parser.tableList(sql, dialect).map(name))],
    columns: [...new Set(parser.columnList(sql, dialect).map(name))].filter((c) => c !== "(.*)"),
    groupBy: (statement.groupby?.columns ?? []).map((c) => String(c.column)),
  };
}
