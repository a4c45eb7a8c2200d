import type { QueryResult, VectorSearchHit } from "@one-data/data-api-contract";
import type { TableMeta } from "./catalog.js";
import { maxRowsInReply, type DocumentCitation, type SqlProvenance, type TableStructure } from "./sources.js";

export function sqlProvenance(table: TableMeta, sql: string, result: QueryResult, attempts: number): SqlProvenance {
  return {
    // The SQL the Data API reports having run is the one on record; ours if it does not echo it.
    sql: result.sql || sql,
    dataset_id: table.dataset_id,
    dataset_name: table.dataset_name,
    version: table.version,
    table: table.table,
    row_count: result.row_count,
    truncated: result.truncated,
    columns: result.columns,
    rows: result.rows.slice(0, maxRowsInReply),
    attempts,
  };
}

export function citationsOf(hits: VectorSearchHit[]): DocumentCitation[] {
  return hits.map((hit, index) => ({
    n: index + 1,
    document_id: hit.document_id,
    document_name: hit.document_name,
    chunk_id: hit.chunk_id,
    position: hit.position,
    score: hit.score,
    text: hit.text,
  }));
}

export function tableStructure(table: TableMeta): TableStructure {
  return {
    dataset_id: table.dataset_id,
    dataset_name: table.dataset_name,
    version: table.version,
    table: table.table,
    columns: table.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, comment: c.comment ?? null })),
  };
}
