import { datasetIdPattern } from "@one-data/data-api-contract";

/** Dataset ids look like the seed's: `ds-001`, growing past three digits when needed. */
export function formatDatasetId(seq: number): string {
  return `ds-${String(seq).padStart(3, "0")}`;
}

/** The numeric sequence behind a canonical dataset id, or undefined for anything else. */
export function parseDatasetId(id: string): number | undefined {
  if (!datasetIdPattern.test(id)) return undefined;
  const seq = Number(id.slice("ds-".length));
  return Number.isSafeInteger(seq) && seq > 0 && formatDatasetId(seq) === id ? seq : undefined;
}

/** `ds_001_v1`: one typed table per tabular dataset version. */
export function datasetTableName(seq: number, version: number): string {
  return `${formatDatasetId(seq).replace("-", "_")}_v${version}`;
}

// Words an agent's unquoted SQL would trip over if used as column names.
const reservedWords = new Set([
  "add",
  "all",
  "alter",
  "and",
  "as",
  "asc",
  "between",
  "by",
  "case",
  "column",
  "create",
  "cross",
  "delete",
  "desc",
  "distinct",
  "drop",
  "else",
  "exists",
  "false",
  "for",
  "from",
  "group",
  "having",
  "in",
  "index",
  "inner",
  "insert",
  "interval",
  "into",
  "is",
  "join",
  "key",
  "left",
  "like",
  "limit",
  "not",
  "null",
  "on",
  "or",
  "order",
  "outer",
  "range",
  "rank",
  "right",
  "row",
  "rows",
  "select",
  "set",
  "table",
  "then",
  "to",
  "true",
  "union",
  "update",
  "use",
  "using",
  "values",
  "when",
  "where",
  "with",
]);

const maxIdentifierLength = 64;

/**
 * SQL column names derived from file headers: lowercase ASCII letters, digits
 * and underscores, unique, never reserved. Headers without any ASCII letters
 * (for instance Chinese ones) become `col_<n>`; the original header is kept as
 * the column comment.
 */
export function columnIdentifiers(headers: readonly string[]): string[] {
  const used = new Set<string>();
  return headers.map((header, index) => {
    let base = header
      .normalize("NFKD")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "");
    if (!/[a-z]/.test(base)) base = `col_${index + 1}${base ? `_${base}` : ""}`;
    if (/^[0-9]/.test(base)) base = `c_${base}`;
    if (reservedWords.has(base)) base = `${base}_`;
    base = base.slice(0, maxIdentifierLength - 4);
    let name = base;
    for (let n = 2; used.has(name); n += 1) name = `${base}_${n}`;
    used.add(name);
    return name;
  });
}

/** Key prefixes of objects the API writes itself (uploads, knowledge text); objects elsewhere belong to whoever put them there. */
export const apiObjectPrefixes = { upload: "uploads/", knowledge: "knowledge/" } as const;
