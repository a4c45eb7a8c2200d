import { buildOpenApi, type ApiOperation, type ApiResponse } from "@one-data/platform";
import { z } from "zod";
import {
  datasetIdParam,
  datasetSchema,
  deletedDocumentResult,
  downloadQuery,
  downloadResult,
  envelopeOf,
  errorBody,
  knowledgeDocumentSchema,
  listQuery,
  metadataQuery,
  metadataResult,
  ingestSchema,
  ingestsQuery,
  previewQuery,
  previewResult,
  queryBody,
  queryResult,
  readyChecks,
  registerBody,
  registerDocumentBody,
  schemaResult,
  uploadFields,
  vectorSearchBody,
  vectorSearchResult,
  versionQuery,
} from "./api-schemas.js";

type Method = "get" | "post" | "delete";

interface Operation {
  method: Method;
  /** Koa path relative to /api/v1, e.g. /datasets/:id */
  path: string;
  summary: string;
  query?: z.ZodObject;
  pathId?: boolean;
  body?: { json?: z.ZodType; multipart?: z.ZodObject };
  ok: { status: number; schema?: z.ZodType; description?: string };
  errors: Record<number, string>;
}

/** Knowledge routes also depend on Milvus and the embedding model; the registry does not. */
const knowledgeCommon = {
  400: "invalid request (40001) or malformed JSON (40002)",
  503: "Milvus, the embedding model, MySQL or MinIO unavailable or not configured (50301; details.dependency says which)",
  504: "a dependency did not answer in time (50401)",
};

const common = {
  400: "invalid request (40001) or malformed JSON (40002)",
  503: "MySQL or MinIO unavailable (50301)",
  504: "a dependency did not answer in time (50401)",
};

/** Every route the API serves, with its shapes. A test checks the router against this list. */
const operations: Operation[] = [
  {
    method: "get",
    path: "/health",
    summary: "Liveness: the process answers, no dependency is called (the Deployment's livenessProbe and startupProbe)",
    ok: { status: 200, schema: z.object({ code: z.literal(0), message: z.literal("healthy") }) },
    errors: {},
  },
  {
    method: "get",
    path: "/ready",
    summary: "Readiness: MySQL and MinIO answer (the Deployment's readinessProbe); Milvus down leaves it ready, listed under degraded",
    ok: { status: 200, schema: z.object({ code: z.literal(0), message: z.string().startsWith("ready"), data: readyChecks }) },
    errors: { 503: "a dependency is unavailable (50301); details.checks says which" },
  },
  {
    method: "get",
    path: "/datasets",
    summary: "Latest version of every dataset",
    query: listQuery,
    ok: { status: 200, schema: envelopeOf(z.array(datasetSchema)) },
    errors: common,
  },
  {
    method: "post",
    path: "/datasets",
    summary: "Register an object already in a bucket (a new version when the name exists)",
    body: { json: registerBody },
    ok: { status: 200, schema: envelopeOf(datasetSchema) },
    errors: {
      ...common,
      413: "body too large (41301)",
      415: "not JSON (41501)",
      422: "object missing, derived_from unknown, or file not tabular / ragged / not UTF-8 / not in its declared format (42201)",
      503: "MySQL or MinIO unavailable; for markdown and text, which are indexed as knowledge documents, also Milvus or the embedding model (50301)",
    },
  },
  {
    method: "post",
    path: "/datasets/upload",
    summary: "Upload a file (streamed to MinIO) and register it",
    body: {
      multipart: uploadFields.extend({
        file: z.string().meta({ format: "binary", description: "the file; send it after the text fields" }),
      }),
    },
    ok: { status: 200, schema: envelopeOf(datasetSchema) },
    errors: {
      ...common,
      413: "file larger than UPLOAD_MAX_BYTES (41301)",
      415: "not multipart/form-data (41501)",
      422: "file not tabular, ragged, not UTF-8 or not in its declared format (42201)",
      503: "MySQL or MinIO unavailable; for markdown and text, which are indexed as knowledge documents, also Milvus or the embedding model (50301)",
      504: "a dependency did not answer in time, or the upload to MinIO made no progress for S3_TIMEOUT_MS (50401)",
    },
  },
  {
    method: "get",
    path: "/ingests",
    summary:
      "Registrations still running (optionally of one dataset name), with their progress: rows and bytes of the file processed in the current phase, written about once a second",
    query: ingestsQuery,
    ok: { status: 200, schema: envelopeOf(z.array(ingestSchema)) },
    errors: common,
  },
  {
    method: "get",
    path: "/datasets/:id",
    summary: "A dataset (latest version, or ?version=N)",
    pathId: true,
    query: versionQuery,
    ok: { status: 200, schema: envelopeOf(datasetSchema) },
    errors: { ...common, 404: "unknown dataset or version (40401)" },
  },
  {
    method: "get",
    path: "/datasets/:id/versions",
    summary: "Every version of a dataset, oldest first",
    pathId: true,
    ok: { status: 200, schema: envelopeOf(z.array(datasetSchema)) },
    errors: { ...common, 404: "unknown dataset (40401)" },
  },
  {
    method: "get",
    path: "/datasets/:id/schema",
    summary: "Inferred schema of a tabular dataset",
    pathId: true,
    query: versionQuery,
    ok: { status: 200, schema: envelopeOf(schemaResult) },
    errors: { ...common, 404: "unknown dataset or version (40401)", 422: "dataset is not tabular (42201)" },
  },
  {
    method: "get",
    path: "/datasets/:id/preview",
    summary: "First rows, typed",
    pathId: true,
    query: previewQuery,
    ok: { status: 200, schema: envelopeOf(previewResult) },
    errors: { ...common, 404: "unknown dataset or version (40401)", 422: "dataset is not tabular (42201)" },
  },
  {
    method: "get",
    path: "/datasets/:id/download",
    summary: "Presigned GET URL of the dataset's object (?redirect=true answers 302)",
    pathId: true,
    query: downloadQuery,
    ok: { status: 200, schema: envelopeOf(downloadResult) },
    errors: { ...common, 302: "redirect to the presigned URL when redirect=true", 404: "unknown dataset or version (40401)" },
  },
  {
    method: "get",
    path: "/metadata/tables",
    summary: "Tables for the Agent: columns (SQL name, type, comment = original header), row count, sample rows",
    query: metadataQuery,
    ok: { status: 200, schema: envelopeOf(metadataResult) },
    errors: common,
  },
  {
    method: "post",
    path: "/query",
    summary: "One read-only SELECT over registered dataset tables, executed as the read-only user",
    body: { json: queryBody },
    ok: { status: 200, schema: envelopeOf(queryResult) },
    errors: {
      ...common,
      400: "invalid body (40001), SQL refused by the guard (40003, message says why), or rejected by the database (40004, also when it stopped before the result was complete)",
      413: "body too large (41301)",
      415: "not JSON (41501)",
      408: "the query ran longer than its timeout_ms (40801); not a dependency fault",
    },
  },
  {
    method: "post",
    path: "/knowledge/documents",
    summary:
      "Register a knowledge document (Markdown or text): stored like a dataset, chunked, embedded and indexed in Milvus; re-registering a name replaces its chunks",
    body: { json: registerDocumentBody },
    ok: { status: 201, schema: envelopeOf(knowledgeDocumentSchema) },
    errors: {
      ...knowledgeCommon,
      413: "body or document too large (41301)",
      415: "not JSON (41501)",
      422: "object missing, not UTF-8 text, nothing to index, or a chunk the embedding model refused (42201)",
    },
  },
  {
    method: "get",
    path: "/knowledge/documents",
    summary: "Latest version of every knowledge document (answers from the registry even when Milvus is down)",
    ok: { status: 200, schema: envelopeOf(z.array(knowledgeDocumentSchema)) },
    errors: common,
  },
  {
    method: "delete",
    path: "/knowledge/documents/:id",
    summary:
      "Delete a document: its chunks, the text the API stored, and every version from lists, gets and search (ids are not reused); repeat a DELETE that failed half-way",
    pathId: true,
    ok: { status: 200, schema: envelopeOf(deletedDocumentResult) },
    errors: { ...knowledgeCommon, 404: "unknown document (40401)", 422: "the dataset is not a knowledge document (42201)" },
  },
  {
    method: "post",
    path: "/vector/search",
    summary: "Chunks nearest to the query (embedded by the Model layer, searched in Milvus, re-ranked), best first",
    body: { json: vectorSearchBody },
    ok: { status: 200, schema: envelopeOf(vectorSearchResult) },
    errors: {
      ...knowledgeCommon,
      413: "body too large (41301)",
      415: "not JSON (41501)",
      422: "the embedding model refused the query, with its reason (over its token limit: shorten the query) (42201)",
    },
  },
  { method: "get", path: "/openapi.json", summary: "This document", ok: { status: 200, description: "OpenAPI 3.1 document" }, errors: {} },
];

/** The operation in the shape platform's builder takes: paths under /api/v1, errors as the shared error body. */
function toApiOperation(op: Operation): ApiOperation {
  const responses: Record<number, ApiResponse> = {
    [op.ok.status]: op.ok.schema ? { description: "success", json: op.ok.schema } : { description: op.ok.description ?? "success" },
  };
  for (const [status, description] of Object.entries(op.errors)) {
    responses[Number(status)] = Number(status) >= 400 ? { description, ref: "Error" } : { description };
  }
  return {
    method: op.method,
    path: `/api/v1${op.path}`,
    summary: op.summary,
    ...(op.pathId ? { pathParams: z.object({ id: datasetIdParam }) } : {}),
    ...(op.query ? { query: op.query } : {}),
    ...(op.body ? { body: op.body } : {}),
    responses,
  };
}

export function buildOpenApiDocument(): Record<string, unknown> {
  return buildOpenApi({
    title: "ONE-DATA-STUDIO Data API",
    version: "0.1.0",
    description:
      "L2 Data layer: dataset registry (MySQL + MinIO), schema inference, preview, presigned download, table metadata, guarded read-only SQL, and knowledge search (chunks in Milvus). Every response uses the {code, message, data} envelope; errors carry a numeric code (HTTP status followed by two digits).",
    operations: operations.map(toApiOperation),
    components: { Error: errorBody },
  });
}
