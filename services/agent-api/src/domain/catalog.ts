/** Table structure as the Data API's metadata endpoint describes it. */
export const columnTypes = ["integer", "decimal", "boolean", "date", "timestamp", "string"] as const;
export type ColumnType = (typeof columnTypes)[number];

export interface ColumnMeta {
  name: string;
  type: ColumnType;
  nullable: boolean;
  comment?: string | null;
}

export type Row = Record<string, unknown>;

export interface TableMeta {
  dataset_id: string;
  version: string;
  dataset_name: string;
  table: string;
  description?: string | null;
  row_count: number;
  columns: ColumnMeta[];
  sample_rows: Row[];
}

export interface Catalog {
  tables: TableMeta[];
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

const cjk = /[\u3400-\u9fff]/u;

/** Latin words (≥ 2 letters) and CJK bigrams: enough to match questions against names without a segmenter. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (word === "") continue;
    if (cjk.test(word)) {
      const chars = [...word].filter((ch) => cjk.test(ch));
      if (chars.length === 1) tokens.push(chars[0]!);
      for (let i = 0; i + 1 < chars.length; i++) tokens.push(chars[i]! + chars[i + 1]!);
      const latin = word.replace(/[\u3400-\u9fff]+/gu, " ").trim();
      for (const part of latin.split(/\s+/)) if (part.length >= 2) tokens.push(part);
    } else if (word.length >= 2) {
      tokens.push(word);
    }
  }
  return tokens;
}
