import type { Row } from "./catalog.js";

/** A chunk returned by the Data API's knowledge search. */
export interface SearchHit {
  chunk_id: string;
  text: string;
  document_id: string;
  document_name: string;
  position: number;
  score: number;
}

/** What the Data API's query endpoint returned for one SQL statement. */
export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Row[];
  row_count: number;
  truncated: boolean;
  duration_ms: number;
  sql: string;
}

/** The SQL behind every figure in a reply. */
export interface SqlProvenance {
  sql: string;
  dataset_id: string;
  dataset_name: string;
  version: string;
  table: string;
  row_count: number;
  truncated: boolean;
  columns: { name: string; type: string }[];
  /** The rows the reply was written from (all of them, or the first `maxRowsInReply`). */
  rows: Row[];
  attempts: number;
}

/** A numbered citation `[n]` in a reply, mapped to the chunk it stands for. */
export interface DocumentCitation {
  n: number;
  document_id: string;
  document_name: string;
  chunk_id: string;
  position: number;
  score: number;
  text: string;
}

export interface Sources {
  sql?: SqlProvenance;
  documents?: DocumentCitation[];
}

export const maxRowsInReply = 20;
