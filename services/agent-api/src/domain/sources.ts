import type { Row } from "./catalog.js";

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

/** The structure of a table as the agent read it from the Data API's metadata and gave it to the model. */
export interface TableStructure {
  dataset_id: string;
  dataset_name: string;
  version: string;
  table: string;
  columns: { name: string; type: string; nullable: boolean; comment: string | null }[];
}

export interface Sources {
  sql?: SqlProvenance;
  documents?: DocumentCitation[];
  /** Tables offered to the model for a data question. */
  tables?: TableStructure[];
  /** Why no query could be run, when the model gave none that was usable. */
  query_failures?: string[];
}

export const maxRowsInReply = 20;
