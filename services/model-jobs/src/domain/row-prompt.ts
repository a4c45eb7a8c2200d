import type { JobSpec } from "./job-spec.js";

export type Row = Record<string, string>;

export interface ChatTurn {
  role: "system" | "user";
  content: string;
}

/** The job's prompt is the instruction; the row (or one of its cells) is the input. */
export function messagesFor(spec: JobSpec, row: Row): ChatTurn[] {
  const input = spec.column === undefined ? JSON.stringify(row) : (row[spec.column] ?? "");
  return [
    { role: "system", content: spec.prompt },
    { role: "user", content: input },
  ];
}
