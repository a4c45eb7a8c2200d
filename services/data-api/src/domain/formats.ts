import { knowledgeFormats } from "./knowledge.js";
import { tabularFormats } from "./tabular.js";

/** Formats stored and served as objects only: registered so that the Model layer can fetch them, never parsed here. */
export const objectFormats = ["parquet", "json", "avro", "orc", "xlsx", "pdf"] as const;

/** Every format a registration may name; anything else is refused rather than stored under a name nobody reads. */
export const datasetFormats = [...tabularFormats, ...knowledgeFormats, ...objectFormats] as const;

/** The media type of each format, for objects whose sender named none more precise than application/octet-stream. */
const formatContentTypes: Record<(typeof datasetFormats)[number], string> = {
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  jsonl: "application/jsonl",
  markdown: "text/markdown",
  text: "text/plain",
  parquet: "application/vnd.apache.parquet",
  json: "application/json",
  avro: "application/avro",
  orc: "application/octet-stream",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pdf: "application/pdf",
};

/**
 * The type an uploaded object is stored under: the one it was sent with, unless
 * that says nothing (curl -F sends application/octet-stream for a .csv), then its format's.
 */
export function storedContentType(format: string, sent: string | undefined): string {
  const generic = sent === undefined || sent === "" || sent.toLowerCase() === "application/octet-stream";
  if (!generic) return sent;
  return (formatContentTypes as Record<string, string | undefined>)[format] ?? "application/octet-stream";
}
