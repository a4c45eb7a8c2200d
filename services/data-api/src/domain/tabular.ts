import { unprocessable } from "@one-data/platform";
import { CsvError, parse, type Options as CsvOptions } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import { Readable, pipeline } from "node:stream";
import type { Cell } from "./inference.js";

/** Formats materialized as tables; anything else is stored and served as an opaque object. */
export const tabularFormats = ["csv", "tsv", "jsonl"] as const;
export type TabularFormat = (typeof tabularFormats)[number];

export function isTabularFormat(format: string): format is TabularFormat {
  return (tabularFormats as readonly string[]).includes(format);
}

export const maxColumns = 1000;
const sniffBytes = 64 * 1024;
const maxLineLength = 16 * 1024 * 1024;

/**
 * Decodes bytes as UTF-8, refusing binary files and invalid UTF-8 instead of
 * silently replacing characters (a BOM is dropped).
 */
async function* utf8Text(source: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for await (const chunk of source) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (bytes.includes(0)) throw unprocessable("the file is binary (it contains NUL bytes), not tabular text");
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: true });
    } catch {
      throw unprocessable("the file is not valid UTF-8 text");
    }
    if (text) yield text;
  }
  try {
    const tail = decoder.decode();
    if (tail) yield tail;
  } catch {
    throw unprocessable("the file is not valid UTF-8 text (it ends inside a character)");
  }
}

/** Reads text until `bytes` characters are buffered, returning them and the rest of the stream. */
async function peek(text: AsyncGenerator<string>, bytes: number): Promise<{ head: string; rest: AsyncGenerator<string> }> {
  let head = "";
  while (head.length < bytes) {
    const next = await text.next();
    if (next.done) break;
    head += next.value;
  }
  async function* rest(): AsyncGenerator<string> {
    if (head) yield head;
    yield* text;
  }
  return { head, rest: rest() };
}

const delimiterCandidates = [",", ";", "\t", "|"] as const;

/**
 * Picks the delimiter that splits the first lines into the same number of
 * fields (more than one), preferring the one giving the most fields.
 */
export function sniffDelimiter(sample: string): string {
  const lastNewline = sample.lastIndexOf("\n");
  const complete = lastNewline > 0 ? sample.slice(0, lastNewline) : sample;
  let best = { delimiter: ",", fields: 1 };
  for (const delimiter of delimiterCandidates) {
    let records: string[][];
    try {
      records = parseSync(complete, { delimiter, relax_column_count: true, skip_empty_lines: true, to_line: 50 }) as string[][];
    } catch {
      continue;
    }
    const first = records[0];
    if (!first || first.length < 2) continue;
    if (!records.every((r) => r.length === first.length)) continue;
    if (first.length > best.fields) best = { delimiter, fields: first.length };
  }
  return best.delimiter;
}

interface CsvProblem {
  code?: string;
  lines?: number;
  message?: string;
  record?: unknown[];
}

function csvProblem(error: unknown, headerLength: number): unknown {
  // Every parser error is a fault of the file (some codes, e.g. INVALID_OPENING_QUOTE, lack the CSV_ prefix).
  if (!(error instanceof CsvError)) return error;
  const e = error as CsvProblem;
  if (e.code === "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH") {
    // The parser may fail before the header reaches us, so take the expected width from its own message.
    const expected = /expect (\d+)/.exec(e.message ?? "")?.[1] ?? String(headerLength);
    return unprocessable(
      `ragged CSV: line ${e.lines ?? "?"} has ${e.record?.length ?? "a different number of"} fields, the header has ${expected}`,
      { line: e.lines },
    );
  }
  return unprocessable(`the file is not valid CSV (line ${e.lines ?? "?"}): ${e.message ?? e.code}`, { line: e.lines });
}

/** A file declared tsv whose header has no tab but splits evenly on another delimiter was sent with the wrong format. */
function refuseOtherDelimiter(head: string): void {
  const header = head.split("\n", 1)[0] ?? "";
  if (header.includes("\t")) return;
  const sniffed = sniffDelimiter(head);
  let fields = 1;
  try {
    fields = (parseSync(header, { delimiter: sniffed, relax_quotes: true }) as string[][])[0]?.length ?? 1;
  } catch {
    return;
  }
  if (fields > 1) {
    throw unprocessable(`the file is declared tsv but is ${JSON.stringify(sniffed)}-separated (its header has no tab): register it as csv`, { delimiter: sniffed });
  }
}

export interface CsvSource {
  delimiter: string;
  headers: string[];
  rows: AsyncGenerator<Cell[]>;
}

/** Streams a CSV/TSV file: detects the delimiter, reads the header, then yields rows one by one. */
export async function readCsv(bytes: Readable, format: "csv" | "tsv", knownDelimiter?: string): Promise<CsvSource> {
  const { head, rest } = await peek(utf8Text(bytes), sniffBytes);
  const delimiter = knownDelimiter ?? (format === "tsv" ? "\t" : sniffDelimiter(head));
  if (format === "tsv" && knownDelimiter === undefined) refuseOtherDelimiter(head);
  const options: CsvOptions = {
    delimiter,
    bom: true,
    skip_empty_lines: true,
    relax_column_count: false,
    max_record_size: 16 * 1024 * 1024,
  };
  const parser = parse(options);
  pipeline(Readable.from(rest), parser, () => undefined);
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  let first: IteratorResult<string[]>;
  try {
    first = await records.next();
  } catch (error) {
    throw csvProblem(error, 0);
  }
  if (first.done || first.value.length === 0) throw unprocessable("the file is empty: no header row");
  const headers = first.value.map((h) => h.trim());
  if (headers.length > maxColumns) throw unprocessable(`too many columns: ${headers.length} (at most ${maxColumns})`);
  async function* rows(): AsyncGenerator<Cell[]> {
    try {
      for (;;) {
        const next = await records.next();
        if (next.done) return;
        yield next.value;
      }
    } catch (error) {
      throw csvProblem(error, headers.length);
    } finally {
      parser.destroy();
    }
  }
  return { delimiter, headers, rows: rows() };
}

/** Splits streamed text into lines without holding more than one line in memory. */
async function* textLines(text: AsyncIterable<string>): AsyncGenerator<string> {
  let pending = "";
  for await (const chunk of text) {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      yield pending.slice(0, newline).replace(/\r$/, "");
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
    if (pending.length > maxLineLength) throw unprocessable("a line is longer than 16 MiB; not a JSON Lines file");
  }
  if (pending) yield pending.replace(/\r$/, "");
}

/** Streams a JSON Lines file: one JSON object per non-blank line. */
export async function* readJsonLines(bytes: Readable): AsyncGenerator<Record<string, Cell>> {
  let lineNumber = 0;
  for await (const line of textLines(utf8Text(bytes))) {
    lineNumber += 1;
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw unprocessable(`the file is not valid JSON Lines: line ${lineNumber} is not JSON`, { line: lineNumber });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw unprocessable(`the file is not valid JSON Lines: line ${lineNumber} is not a JSON object`, { line: lineNumber });
    }
    yield value as Record<string, Cell>;
  }
}
