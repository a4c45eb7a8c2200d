import {
  datasetIdParam,
  datasetSchema,
  deletedDocumentResult,
  downloadQuery,
  downloadResult,
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
} from "@one-data/data-api-contract";
import { buildOpenApi, envelopeOf, errorBodySchema, errorResponses, type ApiOperation } from "@one-data/platform";
import { z } from "zod";

const idParam = z.object({ id: datasetIdParam });

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
const operations: ApiOperation[] = [
  {
    method: "get",
    path: "/api/v1/health",
    summary: "Liveness: the process answers, no dependency is called (the Deployment's livenessProbe and startupProbe)",
    responses: { 200: { description: "success", json: z.object({ code: z.literal(0), message: z.literal("healthy") }) } },
  },
  {
    method: "get",
    path: "/api/v1/ready",
    summary: "Readiness: MySQL and MinIO answer (the Deployment's readinessProbe); Milvus down leaves it ready, listed under degraded",
    responses: {
      200: { description: "success", json: z.object({ code: z.literal(0), message: z.string().startsWith("ready"), data: readyChecks }) },
      ...errorResponses({ 503: "a dependency is unavailable (50301); details.checks says which" }),
    },
  },
  {
    method: "get",
    path: "/api/v1/datasets",
    summary: "Latest version of every dataset",
    query: listQuery,
    responses: { 200: { description: "success", json: envelopeOf(z.array(datasetSchema)) }, ...errorResponses(common) },
  },
  {
    method: "post",
    path: "/api/v1/datasets",
    summary: "Register an object already in a bucket (a new version when the name exists)",
    body: { json: registerBody },
    responses: {
      200: { description: "success", json: envelopeOf(datasetSchema) },
      ...errorResponses({
        ...common,
        413: "body too large (41301)",
        415: "not JSON (41501)",
        422: "object missing, derived_from unknown, or file not tabular / ragged / not UTF-8 / not in its declared format (42201)",
        503: "MySQL or MinIO unavailable; for markdown and text, which are indexed as knowledge documents, also Milvus or the embedding model (50301)",
      }),
    },
  },
  {
    method: "post",
    path: "/api/v1/datasets/upload",
    summary: "Upload a file (streamed to MinIO) and register it",
    body: {
      multipart: uploadFields.extend({
        file: z.string().meta({ format: "binary", description: "the file; send it after the text fields" }),
      }),
    },
    responses: {
      200: { description: "success", json: envelopeOf(datasetSchema) },
      ...errorResponses({
        ...common,
        413: "file larger than UPLOAD_MAX_BYTES (41301)",
        415: "not multipart/form-data (41501)",
        422: "file not tabular, ragged, not UTF-8 or not in its declared format (42201)",
        503: "MySQL or MinIO unavailable; for markdown and text, which are indexed as knowledge documents, also Milvus or the embedding model (50301)",
        504: "a dependency did not answer in time, or the upload to MinIO made no progress for S3_TIMEOUT_MS (50401)",
      }),
    },
  },
  {
    method: "get",
    path: "/api/v1/ingests",
    summary:
      "Registrations still running (optionally of one dataset name), with their progress: rows and bytes of the file processed in the current phase, written about once a second",
    query: ingestsQuery,
    responses: { 200: { description: "success", json: envelopeOf(z.array(ingestSchema)) }, ...errorResponses(common) },
  },
  {
    method: "get",
    path: "/api/v1/datasets/:id",
    summary: "A dataset (latest version, or ?version=N)",
    pathParams: idParam,
    query: versionQuery,
    responses: {
      200: { description: "success", json: envelopeOf(datasetSchema) },
      ...errorResponses({ ...common, 404: "unknown dataset or version (40401)" }),
    },
  },
  {
    method: "get",
    path: "/api/v1/datasets/:id/versions",
    summary: "Every version of a dataset, oldest first",
    pathParams: idParam,
    responses: {
      200: { description: "success", json: envelopeOf(z.array(datasetSchema)) },
      ...errorResponses({ ...common, 404: "unknown dataset (40401)" }),
    },
  },
  {
    method: "get",
    path: "/api/v1/datasets/:id/schema",
    summary: "Inferred schema of a tabular dataset",
    pathParams: idParam,
    query: versionQuery,
    responses: {
      200: { description: "success", json: envelopeOf(schemaResult) },
      ...errorResponses({ ...common, 404: "unknown dataset or version (40401)", 422: "dataset is not tabular (42201)" }),
    },
  },
  {
    method: "get",
    path: "/api/v1/datasets/:id/preview",
    summary: "First rows, typed",
    pathParams: idParam,
    query: previewQuery,
    responses: {
      200: { description: "success", json: envelopeOf(previewResult) },
      ...errorResponses({ ...common, 404: "unknown dataset or version (40401)", 422: "dataset is not tabular (42201)" }),
    },
  },
  {
    method: "get",
    path: "/api/v1/datasets/:id/download",
    summary: "Presigned GET URL of the dataset's object (?redirect=true answers 302)",
    pathParams: idParam,
    query: downloadQuery,
    responses: {
      200: { description: "success", json: envelopeOf(downloadResult) },
      ...errorResponses({ ...common, 302: "redirect to the presigned URL when redirect=true", 404: "unknown dataset or version (40401)" }),
    },
  },
  {
    method: "get",
    path: "/api/v1/metadata/tables",
    summary: "Tables for the Agent: columns (SQL name, type, comment = original header), row count, sample rows",
    query: metadataQuery,
    responses: { 200: { description: "success", json: envelopeOf(metadataResult) }, ...errorResponses(common) },
  },
  {
    method: "post",
    path: "/api/v1/query",
    summary: "One read-only SELECT over registered dataset tables, executed as the read-only user",
    body: { json: queryBody },
    responses: {
      200: { description: "success", json: envelopeOf(queryResult) },
      ...errorResponses({
        ...common,
        400: "invalid body (40001), SQL refused by the guard (40003, message says why), or rejected by the database (40004, also when it stopped before the result was complete)",
        413: "body too large (41301)",
        415: "not JSON (41501)",
        408: "the query ran longer than its timeout_ms (40801); not a dependency fault",
      }),
    },
  },
  {
    method: "post",
    path: "/api/v1/knowledge/documents",
    summary:
      "Register a knowledge document (Markdown or text): stored like a dataset, chunked, embedded and indexed in Milvus; re-registering a name replaces its chunks",
    body: { json: registerDocumentBody },
    responses: {
      201: { description: "success", json: envelopeOf(knowledgeDocumentSchema) },
      ...errorResponses({
        ...knowledgeCommon,
        413: "body or document too large (41301)",
        415: "not JSON (41501)",
        422: "object missing, not UTF-8 text, nothing to index, or a chunk the embedding model refused (42201)",
      }),
    },
  },
  {
    method: "get",
    path: "/api/v1/knowledge/documents",
    summary: "Latest version of every knowledge document (answers from the registry even when Milvus is down)",
    responses: { 200: { description: "success", json: envelopeOf(z.array(knowledgeDocumentSchema)) }, ...errorResponses(common) },
  },
  {
    method: "delete",
    path: "/api/v1/knowledge/documents/:id",
    summary:
      "Delete a document: its chunks, the text the API stored, and every version from lists, gets and search (ids are not reused); repeat a DELETE that failed half-way",
    pathParams: idParam,
    responses: {
      200: { description: "success", json: envelopeOf(deletedDocumentResult) },
      ...errorResponses({ ...knowledgeCommon, 404: "unknown document (40401)", 422: "the dataset is not a knowledge document (42201)" }),
    },
  },
  {
    method: "post",
    path: "/api/v1/vector/search",
    summary: "Chunks nearest to the query (embedded by the Model layer, searched in Milvus, re-ranked), best first",
    body: { json: vectorSearchBody },
    responses: {
      200: { description: "success", json: envelopeOf(vectorSearchResult) },
      ...errorResponses({
        ...knowledgeCommon,
        413: "body too large (41301)",
        415: "not JSON (41501)",
        422: "the embedding model refused the query, with its reason (over its token limit: shorten the query) (42201)",
      }),
    },
  },
  { method: "get", path: "/api/v1/openapi.json", summary: "This document", responses: { 200: { description: "OpenAPI 3.1 document" } } },
];

export function buildOpenApiDocument(): Record<string, unknown> {
  return buildOpenApi({
    title: "ONE-DATA-STUDIO Data API",
    version: "0.1.0",
    description:
      "L2 Data layer: dataset registry (MySQL + MinIO), schema inference, preview, presigned download, table metadata, guarded read-only SQL, and knowledge search (chunks in Milvus). Every response uses the {code, message, data} envelope; errors carry a numeric code (HTTP status followed by two digits).",
    operations,
    components: { Error: errorBodySchema },
  });
}
