import { z } from "zod";
import type { Catalog, TableMeta } from "./catalog.js";

/**
 * The query the model is asked for instead of SQL. Its JSON schema is built
 * from the live catalog, so table and column names are enums: under
 * constrained decoding the model cannot name a column that does not exist.
 */
const aggregates = ["none", "count", "count_distinct", "sum", "avg", "min", "max"] as const;
export const comparisons = ["=", "!=", ">", ">=", "<", "<="] as const;
export const maxQueryLimit = 1000;

export type Aggregate = (typeof aggregates)[number];
export type Comparison = (typeof comparisons)[number];
export type Literal = number | string | boolean;

export interface SelectItem {
  column: string;
  aggregate: Aggregate;
}
export interface Filter {
  column: string;
  op: Comparison;
  value: Literal;
}
interface HavingItem {
  column: string;
  aggregate: Exclude<Aggregate, "none">;
  op: Comparison;
  value: number;
}
interface OrderItem {
  column: string;
  aggregate: Aggregate;
  direction: "asc" | "desc";
}
export interface StructuredQuery {
  table: string;
  select: SelectItem[];
  filters: Filter[];
  group_by: string[];
  having: HavingItem[];
  order_by: OrderItem[];
  limit: number;
  /** Answer "how many groups/rows match" by counting the rows of the query instead of listing them. */
  count_result_rows: boolean;
}

const allColumns = "*";

function tableQuerySchema(table: TableMeta) {
  const names = table.columns.map((c) => c.name);
  if (names.length === 0) throw new Error(`table ${table.table} has no columns`);
  const [first, ...rest] = names as [string, ...string[]];
  const column = z.enum([first, ...rest]);
  const columnOrAll = z.enum([first, ...rest, allColumns]);
  const op = z.enum(comparisons);
  return z.strictObject({
    table: z.literal(table.table),
    select: z
      .array(z.strictObject({ column: columnOrAll, aggregate: z.enum(aggregates) }))
      .min(1)
      .max(8),
    filters: z.array(z.strictObject({ column, op, value: z.union([z.number(), z.string().max(200), z.boolean()]) })).max(8),
    group_by: z.array(column).max(4),
    having: z
      .array(
        z.strictObject({
          column: columnOrAll,
          aggregate: z.enum(aggregates.filter((a) => a !== "none") as [Exclude<Aggregate, "none">]),
          op,
          value: z.number(),
        }),
      )
      .max(4),
    order_by: z.array(z.strictObject({ column: columnOrAll, aggregate: z.enum(aggregates), direction: z.enum(["asc", "desc"]) })).max(4),
    limit: z.number().int().min(1).max(maxQueryLimit),
    count_result_rows: z.boolean(),
  });
}

export interface QuerySchema {
  /** Validates what the model returned (never trusted, even under constrained decoding). */
  parser: z.ZodType<StructuredQuery>;
  /** The JSON schema sent as `response_format.json_schema.schema`. */
  jsonSchema: Record<string, unknown>;
}

export function buildQuerySchema(catalog: Catalog): QuerySchema {
  if (catalog.tables.length === 0) throw new Error("no tables to query");
  const perTable = catalog.tables.map(tableQuerySchema);
  type Branches = [(typeof perTable)[0], ...(typeof perTable)[0][]];
  const branches = perTable as unknown as Branches;
  // The model is offered a plain anyOf, which every grammar engine supports; replies are parsed
  // discriminated by table, so a problem is reported at its path (e.g. "limit"), not as "Invalid input".
  const offered = perTable.length === 1 ? perTable[0]! : z.union(branches);
  const parser = (perTable.length === 1 ? perTable[0]! : z.discriminatedUnion("table", branches)) as unknown as z.ZodType<StructuredQuery>;
  const jsonSchema = z.toJSONSchema(offered, { target: "draft-7" }) as Record<string, unknown>;
  delete jsonSchema.$schema;
  return { parser, jsonSchema };
}

export type ParsedQuery = { ok: true; query: StructuredQuery } | { ok: false; problem: string };

/** Parses the model's JSON text into a query, explaining the first problem so it can be fed back. */
export function parseStructuredQuery(schema: QuerySchema, text: string): ParsedQuery {
  let value: unknown;
  try {
    value = JSON.parse(extractJson(text));
  } catch {
    return { ok: false, problem: "the reply was not valid JSON" };
  }
  const result = schema.parser.safeParse(clampLimit(value));
  if (result.success) return { ok: true, query: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join(".") : "query";
  return { ok: false, problem: `${where}: ${issue?.message ?? "does not match the schema"}` };
}

/**
 * Grammar-constrained decoders (llama.cpp among them) enforce the JSON shape
 * but not numeric bounds, so an oversized limit is clamped rather than
 * spending a retry on it; every other field is still validated strictly.
 */
function clampLimit(value: unknown): unknown {
  if (typeof value !== "object" || value === null || !("limit" in value)) return value;
  const { limit } = value as { limit: unknown };
  return typeof limit === "number" && limit > maxQueryLimit ? { ...value, limit: maxQueryLimit } : value;
}

/** Servers without constrained decoding may wrap the JSON in prose or a code fence. */
function extractJson(text: string): string {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  return start >= 0 && end > start ? text.slice(start, end + 1) : text;
}
