import type { MetadataColumn, MetadataResult, MetadataTable } from "@one-data/data-api-contract";

/** A column as the Data API's metadata describes it, less the database's own type name, which the agent does not read. */
export type ColumnMeta = Omit<MetadataColumn, "sql_type">;

export type Row = Record<string, unknown>;

/** A table as the Data API's metadata describes it; its version as text, as the agent's replies cite it. */
export interface TableMeta extends Omit<MetadataTable, "version" | "columns"> {
  version: string;
  columns: ColumnMeta[];
}

export interface Catalog {
  tables: TableMeta[];
}

/** The Data API's metadata as the agent reads it. */
export function catalogOf(metadata: MetadataResult): Catalog {
  return { tables: metadata.tables.map((table) => ({ ...table, version: String(table.version) })) };
}

export function findTable(catalog: Catalog, table: string): TableMeta | undefined {
  return catalog.tables.find((t) => t.table === table);
}

export function findColumn(table: TableMeta, column: string): ColumnMeta | undefined {
  return table.columns.find((c) => c.name === column);
}

/**
 * Words a question may use to point at a table: identifiers split on `_`,
 * dataset names, column comments (often the original, possibly Chinese,
 * header). Lower-cased; used by the router and the keyword filter.
 */
export function vocabularyOf(catalog: Catalog): Set<string> {
  const words = new Set<string>();
  const add = (text: string | null | undefined): void => {
    if (!text) return;
    for (const token of tokenize(text)) words.add(token);
  };
  for (const table of catalog.tables) {
    add(table.table);
    add(table.dataset_name);
    for (const column of table.columns) {
      add(column.name);
      add(column.comment);
    }
  }
  return words;
}

const cjk = /^[\u3400-\u9fff]$/u;
const words = new Intl.Segmenter("zh", { granularity: "word" });
// One-character Chinese words that only carry grammar: in a schema comment or a question they name nothing.
const functionCharacters = new Set([..."的是了在有和与及或个每那呢吗吧把将被几"]);

/**
 * Words of a text, lower-cased: Unicode word boundaries with the built-in
 * Chinese dictionary (Intl.Segmenter), identifiers split on `_` and other
 * separators; Latin words of two letters or more, Chinese words of any
 * length but the grammatical one-character ones.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const { segment, isWordLike } of words.segment(text.toLowerCase())) {
    if (!isWordLike) continue;
    for (const part of segment.split(/[^\p{L}\p{N}]+/u)) {
      if (part.length >= 2 || (cjk.test(part) && !functionCharacters.has(part))) tokens.push(part);
    }
  }
  return tokens;
}
