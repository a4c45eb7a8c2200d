import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { dependencyUnavailable, withDeadline } from "@one-data/platform";
import type { Row } from "../domain/row-prompt.js";

export interface Table {
  headers: string[];
  rows: Row[];
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * Reads a dataset's rows over its presigned URL (plain HTTP: the Model layer
 * holds no object-store credentials). Cells stay text, as the file has them.
 */
export async function readRows(url: string, format: string, delimiter: string | undefined, timeoutMs: number): Promise<Table> {
  return withDeadline("object-store download", timeoutMs, async (signal) => {
    let response: Response;
    try {
      response = await fetch(url, { signal });
    } catch (error) {
      throw dependencyUnavailable("object-store download", error);
    }
    if (!response.ok || !response.body) throw dependencyUnavailable("object-store download", new Error(`HTTP ${response.status}`));
    if (format === "jsonl") {
      const rows: Row[] = [];
      const headers: string[] = [];
      for (const line of (await response.text()).split("\n")) {
        if (line.trim() === "") continue;
        const record = JSON.parse(line) as Record<string, unknown>;
        for (const key of Object.keys(record)) if (!headers.includes(key)) headers.push(key);
        rows.push(Object.fromEntries(Object.entries(record).map(([key, value]) => [key, cellText(value)])));
      }
      return { headers, rows };
    }

    let headers: string[] = [];
    const rows: Row[] = [];
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
    const parser = body.pipe(
      parse({
        delimiter: delimiter ?? (format === "tsv" ? "\t" : ","),
        bom: true,
        skip_empty_lines: true,
        columns: (header: string[]) => {
          headers = header;
          return header;
        },
      }),
    );
    for await (const record of parser) rows.push(record as Row);
    return { headers, rows };
  });
}
