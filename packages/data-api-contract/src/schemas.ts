/**
 * Request and response shapes of the Data API. Its routes validate input with
 * them and its OpenAPI document is generated from them; its clients parse its
 * answers with them, so none of the three can drift from the others.
 */
import { z } from "zod";
import { columnTypes, datasetFormats, knowledgeFormats, objectFormats } from "./formats.js";
import { datasetIdSchema, datasetListQuery, queryInt } from "./parameters.js";

export const datasetIdParam = datasetIdSchema;

// Limits on what the client sends come before trimming, so the document's maxLength is what is enforced.
const datasetName = z
  .string()
  .max(255)
  .trim()
  .min(1)
  // The control characters (Unicode category Cc) spelled as ranges: other regex engines (the fuzzer's) lack \p{Cc}.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  .regex(/^[^\u0000-\u001f\u007f-\u009f]+$/u, "must not contain control characters");

const formatField = z
  .string()
  // Blanks around the name are forgiven; the pattern (in the document too) names every format accepted.
  .regex(new RegExp(`^\\s*(?:${datasetFormats.join("|")})\\s*$`), `must be one of ${datasetFormats.join(", ")}`)
  .trim()
  .meta({
    description: `csv, tsv and jsonl are materialized as SQL tables; markdown and text are indexed as knowledge documents (searchable by /vector/search); ${objectFormats.join(", ")} are stored as objects only`,
  });

const storagePathField = z
  .string()
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/, "must look like s3://bucket/key")
  // Object stores refuse keys with dot segments (MinIO answers 400): say so here instead of failing later.
  .refine(
    (path) =>
      !path
        .slice(5)
        .split("/")
        .some((segment) => segment === "." || segment === ".."),
    "must not contain . or .. path segments",
  )
  .max(1100);

const derivedFromSchema = z.object({ dataset_id: datasetIdParam, version: z.number().int().min(1) }).strict();

export const registerBody = z
  .object({
    name: datasetName,
    storage_path: storagePathField,
    format: formatField,
    description: z.string().max(10_000).optional(),
    derived_from: derivedFromSchema.optional(),
  })
  .strict();

export const uploadFields = z.object({
  name: datasetName,
  format: formatField,
  description: z.string().max(10_000).optional(),
  derived_from_dataset_id: datasetIdParam.optional(),
  derived_from_version: z.coerce.number().int().min(1).optional(),
});

export const versionQuery = z.object({ version: queryInt(1).optional() });
export const listQuery = datasetListQuery;
export const ingestsQuery = z.object({ name: z.string().min(1).max(255).optional() });
export const previewQuery = z.object({
  limit: queryInt(1, 1000).default(20),
  version: queryInt(1).optional(),
});
export const downloadQuery = z.object({
  version: queryInt(1).optional(),
  redirect: z.enum(["true", "false"]).optional(),
});
export const metadataQuery = z.object({
  keywords: z
    .string()
    .max(1000)
    .optional()
    .meta({ description: "comma-separated; matches dataset names, descriptions and column names/comments" }),
  sample_rows: queryInt(0, 20).default(3),
});

export const queryBody = z
  .object({
    sql: z.string().min(1).max(100_000),
    limit: z.number().int().min(1).optional().meta({ description: "row limit, clamped to QUERY_MAX_LIMIT" }),
    timeout_ms: z.number().int().min(1).optional().meta({ description: "statement time budget, clamped to QUERY_MAX_TIMEOUT_MS" }),
  })
  .strict();

const columnType = z.enum(columnTypes);

export const datasetSchema = z.object({
  dataset_id: z.string(),
  name: z.string(),
  version: z.number().int().min(1),
  storage_path: z.string(),
  format: z.string(),
  status: z.literal("active"),
  description: z.string().nullable(),
  derived_from: z.object({ dataset_id: z.string(), version: z.number().int() }).nullable(),
  row_count: z.number().int().nullable(),
  table: z.string().nullable(),
  size_bytes: z.number().int().nullable(),
  created_at: z.string().meta({ format: "date-time" }),
});

export const ingestSchema = z.object({
  dataset_id: datasetIdParam,
  name: z.string(),
  version: z.number().int().min(1),
  phase: z.enum(["reserved", "inferring", "loading"]).meta({
    description:
      "reserved: version taken; inferring: first pass over the file (types, nullability); loading: second pass, typed rows into the table",
  }),
  rows_processed: z.number().int().min(0).meta({ description: "records read so far in the current phase" }),
  bytes_processed: z.number().int().min(0).meta({ description: "bytes of the file read so far in the current phase" }),
  bytes_total: z.number().int().min(0).nullable().meta({ description: "size of the file; each phase reads it once" }),
  started_at: z.string(),
});

export const schemaResult = z.object({
  dataset_id: z.string(),
  version: z.number().int(),
  format: z.string(),
  delimiter: z.string().optional(),
  has_header: z.boolean(),
  row_count: z.number().int(),
  columns: z.array(
    z.object({
      name: z.string(),
      comment: z.string(),
      type: columnType,
      nullable: z.boolean(),
      samples: z.array(z.unknown()),
      sql_type: z.string(),
    }),
  ),
});

const rowSchema = z.record(z.string(), z.unknown());

export const previewResult = z.object({
  dataset_id: z.string(),
  version: z.number().int(),
  columns: z.array(z.object({ name: z.string(), type: columnType, nullable: z.boolean(), comment: z.string() })),
  rows: z.array(rowSchema),
});

export const downloadResult = z.object({
  url: z.string(),
  expires_in: z.number().int(),
  storage_path: z.string(),
  dataset_id: z.string(),
  version: z.number().int(),
});

const metadataColumn = z.object({ name: z.string(), type: columnType, sql_type: z.string(), nullable: z.boolean(), comment: z.string() });

export const metadataTable = z.object({
  dataset_id: z.string(),
  version: z.number().int(),
  dataset_name: z.string(),
  table: z.string(),
  description: z.string().nullable(),
  row_count: z.number().int(),
  columns: z.array(metadataColumn),
  sample_rows: z.array(rowSchema),
});

export const metadataResult = z.object({ tables: z.array(metadataTable) });

export const queryResult = z.object({
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  rows: z.array(rowSchema),
  row_count: z.number().int(),
  truncated: z.boolean(),
  limit: z.number().int(),
  duration_ms: z.number(),
  sql: z.string(),
  tables: z.array(z.string()),
});

export const registerDocumentBody = z
  .object({
    name: z.string().max(255).trim().min(1),
    format: z.enum(knowledgeFormats).optional().meta({ description: "default: text for names ending in .txt, else markdown" }),
    description: z.string().max(10_000).optional(),
    content: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "the document text (stored in MinIO by the API); give this or storage_path" }),
    storage_path: storagePathField.optional().meta({ description: "an object already in a bucket; give this or content" }),
  })
  .strict()
  .refine((body) => (body.content === undefined) !== (body.storage_path === undefined), "give exactly one of content or storage_path");

export const vectorSearchBody = z
  .object({
    query: z.string().max(4000).trim().min(1).meta({
      description: "embedded whole, never cut; a query over the embedding model's token limit is answered 422 with the model's reason",
    }),
    top_k: z.number().int().min(1).max(50).default(5),
    filters: z
      .object({ document_id: z.union([datasetIdParam, z.array(datasetIdParam).min(1).max(100)]).optional() })
      .strict()
      .optional()
      .meta({ description: "restrict the search to one or several documents" }),
  })
  .strict();

export const knowledgeDocumentSchema = z.object({
  document_id: z.string(),
  name: z.string(),
  version: z.number().int().min(1),
  format: z.string(),
  storage_path: z.string(),
  description: z.string().nullable(),
  created_at: z.string().meta({ format: "date-time" }),
  chunks: z.number().int().min(1).optional().meta({ description: "chunks indexed (registration only)" }),
  embedding_model: z.string().optional().meta({ description: "model that embedded the chunks (registration only)" }),
});

export const deletedDocumentResult = z.object({ document_id: z.string(), deleted_chunks: z.number().int().min(0) });

export const vectorSearchHit = z.object({
  chunk_id: z.string().meta({ description: "<document_id>:<position>" }),
  text: z.string(),
  document_id: z.string(),
  document_name: z.string(),
  position: z.number().int().min(0),
  score: z.number(),
});

export const vectorSearchResult = z.object({ results: z.array(vectorSearchHit) });

export const readyChecks = z.object({
  checks: z.record(z.string(), z.string()),
  degraded: z
    .array(z.string())
    .meta({ description: "dependencies down that only some routes need (milvus: knowledge search); the API stays ready" }),
});

/** A registered dataset (one version). */
export type Dataset = z.infer<typeof datasetSchema>;
export type SchemaResult = z.infer<typeof schemaResult>;
export type Ingest = z.infer<typeof ingestSchema>;
export type IngestPhase = Ingest["phase"];
export type SchemaColumn = SchemaResult["columns"][number];
export type DownloadResult = z.infer<typeof downloadResult>;
export type MetadataTable = z.infer<typeof metadataTable>;
export type MetadataColumn = z.infer<typeof metadataColumn>;
export type MetadataResult = z.infer<typeof metadataResult>;
export type QueryResult = z.infer<typeof queryResult>;
/** A chunk the knowledge search found, with its score. */
export type VectorSearchHit = z.infer<typeof vectorSearchHit>;
export type KnowledgeDocument = z.infer<typeof knowledgeDocumentSchema>;
