/**
 * Column type inference for tabular files. Values are observed one at a time
 * (the file is streamed), each column keeps a few counters, and the final type
 * is the narrowest one every non-null value fits:
 * integer ⊂ decimal, date ⊂ timestamp, boolean; anything else is a string.
 */
import type { ColumnType } from "@one-data/data-api-contract";

/** A cell as read from a file: CSV gives strings, JSON Lines gives JSON values. */
export type Cell = string | number | boolean | null | undefined | object;

export interface InferredColumn {
  /** SQL identifier of the materialized column. */
  name: string;
  /** The header as written in the file (kept as the column comment). */
  original: string;
  type: ColumnType;
  nullable: boolean;
  samples: unknown[];
  sql_type: string;
}

type ValueKind = "integer" | "decimal" | "double" | "boolean" | "date" | "timestamp" | "string";

interface Classified {
  kind: ValueKind;
  intDigits?: number;
  scale?: number;
  fraction?: boolean;
}

const integerPattern = /^[+-]?(0|[1-9]\d*)$/;
const decimalPattern = /^[+-]?(\d+)?\.(\d+)$|^[+-]?(\d+)\.$/;
const doublePattern = /^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const timestampPattern = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const bigintMax = 9223372036854775807n;

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// Plain arithmetic, not a Date: this runs for every date-like cell of a file.
function validDate(year: number, month: number, day: number): boolean {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  // A month outside 1–12 has no entry, so no day.
  const days = month === 2 && leap ? 29 : (daysInMonth[month - 1] ?? 0);
  return year >= 1000 && day >= 1 && day <= days;
}

function classifyDateLike(text: string): Classified | undefined {
  const date = datePattern.exec(text);
  if (date) {
    return validDate(Number(date[1]), Number(date[2]), Number(date[3])) ? { kind: "date" } : undefined;
  }
  const ts = timestampPattern.exec(text);
  if (!ts) return undefined;
  if (!validDate(Number(ts[1]), Number(ts[2]), Number(ts[3]))) return undefined;
  if (Number(ts[4]) > 23 || Number(ts[5]) > 59 || Number(ts[6] ?? 0) > 59) return undefined;
  return { kind: "timestamp", fraction: ts[7] !== undefined && !/^\.0+$/.test(ts[7]) };
}

/** Classifies text as written in a CSV cell. */
export function classifyText(text: string): Classified {
  if (integerPattern.test(text)) {
    const digits = text.replace(/^[+-]/, "").length;
    // Eighteen digits always fit BIGINT; only longer ones are worth a BigInt (this runs for every integer cell).
    if (digits < 19) return { kind: "integer", intDigits: digits };
    const big = BigInt(text);
    if (big <= bigintMax && big >= -bigintMax - 1n) return { kind: "integer", intDigits: digits };
    return { kind: "decimal", intDigits: digits, scale: 0 };
  }
  const decimal = decimalPattern.exec(text);
  if (decimal) {
    const [whole = "", fraction = ""] = text.replace(/^[+-]/, "").split(".");
    return { kind: "decimal", intDigits: whole.replace(/^0+/, "").length, scale: fraction.length };
  }
  if (doublePattern.test(text)) return { kind: "double" };
  const lower = text.toLowerCase();
  if (lower === "true" || lower === "false") return { kind: "boolean" };
  return classifyDateLike(text) ?? { kind: "string" };
}

/** `cell` is never empty: `observeRow` skips empty cells, JSON nulls and missing values before classifying. */
function classifyCell(cell: Cell): Classified {
  if (typeof cell === "string") return classifyText(cell);
  if (typeof cell === "boolean") return { kind: "boolean" };
  if (typeof cell === "number") {
    if (!Number.isFinite(cell)) return { kind: "string" };
    return Number.isSafeInteger(cell) ? { kind: "integer", intDigits: String(Math.abs(cell)).length } : { kind: "double" };
  }
  return { kind: "string" };
}

/** JSON Lines strings stay strings unless they are dates or timestamps. */
function classifyJsonCell(cell: Cell): Classified {
  if (typeof cell === "string") return classifyDateLike(cell) ?? { kind: "string" };
  return classifyCell(cell);
}

class ColumnStats {
  kind: ValueKind | undefined;
  nonNull = 0;
  intDigits = 0;
  scale = 0;
  fraction = false;
  maxIntAbs = 0n;
  maxChars = 0;
  maxBytes = 0;
  readonly rawSamples: Cell[] = [];
  private readonly sampleKeys = new Set<string>();

  observe(cell: Cell, classified: Classified): void {
    this.nonNull += 1;
    this.kind = this.kind === undefined ? classified.kind : joinKinds(this.kind, classified.kind);
    this.intDigits = Math.max(this.intDigits, classified.intDigits ?? 0);
    this.scale = Math.max(this.scale, classified.scale ?? 0);
    this.fraction ||= classified.fraction === true;
    // Nine digits or fewer always fit INT; only longer integers decide between INT and BIGINT.
    if (classified.kind === "integer" && (classified.intDigits ?? 0) >= 10) {
      const abs = BigInt(String(cell).replace(/^[+-]/, ""));
      if (abs > this.maxIntAbs) this.maxIntAbs = abs;
    }
    this.measure(cell);
  }

  /** A value of a column already known to be a string: only its size and the samples can still change. */
  observeString(cell: Cell): void {
    this.nonNull += 1;
    this.measure(cell);
  }

  private measure(cell: Cell): void {
    const text = cellText(cell);
    if (text.length > this.maxChars) this.maxChars = text.length;
    // UTF-8 takes at most 3 bytes per UTF-16 unit, so a short text cannot raise the maximum.
    if (text.length * 3 > this.maxBytes) {
      const bytes = Buffer.byteLength(text);
      if (bytes > this.maxBytes) this.maxBytes = bytes;
    }
    if (this.rawSamples.length < 3 && !this.sampleKeys.has(text)) {
      this.sampleKeys.add(text);
      this.rawSamples.push(cell);
    }
  }
}

function joinKinds(a: ValueKind, b: ValueKind): ValueKind {
  if (a === b) return a;
  const numeric = new Set<ValueKind>(["integer", "decimal", "double"]);
  if (numeric.has(a) && numeric.has(b)) return a === "double" || b === "double" ? "double" : "decimal";
  const temporal = new Set<ValueKind>(["date", "timestamp"]);
  if (temporal.has(a) && temporal.has(b)) return "timestamp";
  return "string";
}

export function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "object") return JSON.stringify(cell);
  return String(cell);
}

function stringSqlType(maxChars: number, maxBytes: number): string {
  if (maxChars <= 255) {
    // Versions are immutable, so the width only needs to fit the data seen; round up to keep DDL tidy.
    const width = Math.min(255, Math.max(16, 2 ** Math.ceil(Math.log2(Math.max(maxChars, 1)))));
    return `VARCHAR(${width})`;
  }
  if (maxBytes <= 65_535) return "TEXT";
  if (maxBytes <= 16_777_215) return "MEDIUMTEXT";
  return "LONGTEXT";
}

function finalType(stats: ColumnStats): { type: ColumnType; sqlType: string } {
  switch (stats.kind) {
    case "integer":
      return { type: "integer", sqlType: stats.maxIntAbs <= 2147483647n ? "INT" : "BIGINT" };
    case "decimal": {
      const scale = stats.scale;
      const precision = Math.max(stats.intDigits + scale, 1);
      if (precision > 65 || scale > 30) return { type: "decimal", sqlType: "DOUBLE" };
      return { type: "decimal", sqlType: `DECIMAL(${precision},${scale})` };
    }
    case "double":
      return { type: "decimal", sqlType: "DOUBLE" };
    case "boolean":
      return { type: "boolean", sqlType: "BOOLEAN" };
    case "date":
      return { type: "date", sqlType: "DATE" };
    case "timestamp":
      return { type: "timestamp", sqlType: stats.fraction ? "DATETIME(3)" : "DATETIME" };
    default:
      return { type: "string", sqlType: stringSqlType(stats.maxChars, stats.maxBytes) };
  }
}

/** Streams of rows feed this one row at a time; `finish` yields the schema. */
export class SchemaInferrer {
  private readonly stats: ColumnStats[] = [];
  private readonly headers: string[] = [];
  private readonly index = new Map<string, number>();
  rowCount = 0;

  constructor(
    headers: readonly string[],
    private readonly source: "csv" | "jsonl",
  ) {
    for (const header of headers) this.addColumn(header);
  }

  get columnCount(): number {
    return this.headers.length;
  }

  /** Position of a header, adding it (JSON Lines keys appear as they come). */
  addColumn(header: string): number {
    const existing = this.index.get(header);
    if (existing !== undefined) return existing;
    this.headers.push(header);
    this.stats.push(new ColumnStats());
    this.index.set(header, this.headers.length - 1);
    return this.headers.length - 1;
  }

  observeRow(cells: readonly Cell[]): void {
    this.rowCount += 1;
    const csv = this.source === "csv";
    for (let i = 0; i < cells.length; i += 1) {
      const cell = cells[i];
      const stats = this.stats[i];
      if (stats === undefined || cell === null || cell === undefined || cell === "") continue;
      // Once a column holds a string nothing widens it further, so its values need no classifying.
      if (stats.kind === "string") {
        stats.observeString(cell);
        continue;
      }
      stats.observe(cell, csv ? classifyCell(cell) : classifyJsonCell(cell));
    }
  }

  finish(names: readonly string[]): InferredColumn[] {
    return this.headers.map((original, i) => {
      const stats = this.stats[i]!;
      const { type, sqlType } = finalType(stats);
      return {
        name: names[i]!,
        original,
        type,
        nullable: stats.nonNull < this.rowCount,
        samples: stats.rawSamples.map((cell) => toJsonValue(type, cell)),
        sql_type: sqlType,
      };
    });
  }
}

/** Utc `YYYY-MM-DD HH:MM:SS[.fff]` from an ISO-like timestamp (no zone means UTC). */
export function timestampToSql(text: string): string {
  // A date in a column that also holds timestamps means midnight.
  if (datePattern.test(text)) return `${text} 00:00:00`;
  const match = timestampPattern.exec(text)!;
  const [, y, mo, d, h, mi, s = "00", fraction = "", zone = "Z"] = match;
  const ms = fraction ? fraction.slice(0, 4).padEnd(4, "0") : "";
  // Already UTC: written out as it is. Only an offset needs the calendar arithmetic of a Date (once a cell, so not for all).
  if (zone === "Z") return `${y}-${mo}-${d} ${h}:${mi}:${s}${ms}`;
  const offset = zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const iso = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${offset}`).toISOString();
  const sql = iso.replace("T", " ").replace("Z", "");
  return ms ? sql : sql.slice(0, 19);
}

/** The value stored in the materialized table for a cell of a column of this type. */
export function toSqlValue(type: ColumnType, cell: Cell): string | number | null {
  if (cell === null || cell === undefined || cell === "") return null;
  const text = cellText(cell);
  switch (type) {
    case "integer":
      return Number.isSafeInteger(Number(text)) ? Number(text) : text;
    case "decimal":
      return text;
    case "boolean":
      return text.toLowerCase() === "true" ? 1 : 0;
    case "date":
      return text;
    case "timestamp":
      return timestampToSql(text);
    default:
      return text;
  }
}

/** The JSON value clients see for a cell of this type. */
export function toJsonValue(type: ColumnType, cell: Cell): unknown {
  if (cell === null || cell === undefined || cell === "") return null;
  const text = cellText(cell);
  switch (type) {
    case "integer":
    case "decimal": {
      const n = Number(text);
      return Number.isFinite(n) && (type === "decimal" || Number.isSafeInteger(n)) ? n : text;
    }
    case "boolean":
      return text.toLowerCase() === "true";
    case "timestamp":
      return sqlTimestampToIso(timestampToSql(text));
    default:
      return text;
  }
}

/** `2024-01-01 10:00:00` (UTC, as stored) → `2024-01-01T10:00:00Z`. */
export function sqlTimestampToIso(value: string): string {
  return `${value.replace(" ", "T")}Z`;
}
