/** Formats materialized as tables; anything else is stored and served as an opaque object. */
export const tabularFormats = ["csv", "tsv", "jsonl"] as const;
export type TabularFormat = (typeof tabularFormats)[number];

/** Knowledge documents are datasets of these formats; their chunks live in Milvus. */
export const knowledgeFormats = ["markdown", "text"] as const;
export type KnowledgeFormat = (typeof knowledgeFormats)[number];

/** Formats stored and served as objects only: registered so that the Model layer can fetch them, never parsed by the Data API. */
export const objectFormats = ["parquet", "json", "avro", "orc", "xlsx", "pdf"] as const;

/** Every format a registration may name; anything else is refused rather than stored under a name nobody reads. */
export const datasetFormats = [...tabularFormats, ...knowledgeFormats, ...objectFormats] as const;
export type DatasetFormat = (typeof datasetFormats)[number];

/** The types the Data API infers for a table's columns, narrowest first within each family. */
export const columnTypes = ["integer", "decimal", "boolean", "date", "timestamp", "string"] as const;
export type ColumnType = (typeof columnTypes)[number];
