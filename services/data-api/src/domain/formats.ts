import type { DatasetFormat } from "@one-data/data-api-contract";

/** The media type of each format, for objects whose sender named none more precise than application/octet-stream. */
const formatContentTypes: Record<DatasetFormat, string> = {
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
