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

const common = { 400: "invalid request (40001) or malformed JSON (40002)", 503: "MySQL or MinIO unavailable (50301)", 504: "a dependency did not answer in time (50401)" };

/** Every route the API serves, with its shapes. A test checks the router against this list. */
export const operations: Operation[] = [
  { method: "get", path: "/health", summary: "Liveness: the process answers, no dependency is called (the Deployment's livenessProbe and startupProbe)", ok: { status: 200, schema: z.object({ code: z.literal(0), message: z.literal("healthy") }) }, errors: {} },
  {
    method: "get",
    path: "/ready",
    summary: "Readiness: MySQL and MinIO answer (the Deployment's readinessProbe)",
    ok: { status: 200, schema: z.object({ code: z.literal(0), message: z.literal("ready"), data: readyChecks }) },
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
      422: "object missing, derived_from unknown, or file not tabular / ragged / not UTF-8 (42201)",
    },
  },
  {
    method: "post",
    path: "/datasets/upload",
    summary: "Upload a file (streamed to MinIO) and register it",
    body: { multipart: uploadFields.extend({ file: z.string().meta({ format: "binary", description: "the file; send it after the text fields" }) }) },
    ok: { status: 200, schema: envelopeOf(datasetSchema) },
    errors: { ...common, 413: "file larger than UPLOAD_MAX_BYTES (41301)", 415: "not multipart/form-data (41501)", 422: "file not tabular, ragged or not UTF-8 (42201)" },
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
      400: "invalid body (40001), SQL refused by the guard (40003, message says why), or rejected by the database (40004)",
      408: "the query ran longer than its timeout_ms (40801); not a dependency fault",
    },
  },
  {
    method: "post",
    path: "/knowledge/documents",
    summary: "Register a knowledge document (Markdown or text): stored like a dataset, chunked, embedded and indexed in Milvus; re-registering a name replaces its chunks",
    body: { json: registerDocumentBody },
    ok: { status: 201, schema: envelopeOf(knowledgeDocumentSchema) },
    errors: {
      ...knowledgeCommon,
      413: "body or document too large (41301)",
      415: "not JSON (41501)",
      422: "object missing, not UTF-8 text, or nothing to index (42201)",
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
    summary: "Remove a document's chunks from search (its registry versions stay: the registry is append-only)",
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
    errors: { ...knowledgeCommon, 413: "body too large (41301)", 415: "not JSON (41501)" },
  },
  { method: "get", path: "/openapi.json", summary: "This document", ok: { status: 200, description: "OpenAPI 3.1 document" }, errors: {} },
];

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema, without a per-schema `$schema`. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

function openApiPath(path: string): string {
  return `/api/v1${path.replace(/:([a-z_]+)/g, "{$1}")}`;
}

function parameters(op: Operation): unknown[] {
  const list: unknown[] = [];
  if (op.pathId) list.push({ name: "id", in: "path", required: true, schema: jsonSchema(datasetIdParam, "input") });
  if (op.query) {
    const shape = op.query.shape as Record<string, z.ZodType>;
    const schema = jsonSchema(op.query, "input") as { properties?: Record<string, unknown>; required?: string[] };
    for (const name of Object.keys(shape)) {
      list.push({ name, in: "query", required: schema.required?.includes(name) ?? false, schema: schema.properties?.[name] ?? {} });
    }
  }
  return list;
}

export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorSchema = jsonSchema(errorBody, "output");
  for (const op of operations) {
    const responses: Record<string, unknown> = {
      [op.ok.status]: op.ok.schema
        ? { description: "success", content: { "application/json": { schema: jsonSchema(op.ok.schema, "output") } } }
        : { description: op.ok.description ?? "success" },
    };
    for (const [status, description] of Object.entries(op.errors)) {
      responses[status] =
        Number(status) >= 400
          ? { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }
          : { description };
    }
    const operation: Record<string, unknown> = {
      operationId: `${op.method}${op.path.replace(/[/:]+([a-z])/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z]/g, "")}`,
      summary: op.summary,
      parameters: parameters(op),
      responses,
    };
    if (op.body?.json) {
      operation.requestBody = { required: true, content: { "application/json": { schema: jsonSchema(op.body.json, "input") } } };
    }
    if (op.body?.multipart) {
      operation.requestBody = { required: true, content: { "multipart/form-data": { schema: jsonSchema(op.body.multipart, "input") } } };
    }
    (paths[openApiPath(op.path)] ??= {})[op.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "ONE-DATA-STUDIO Data API",
      version: "0.1.0",
      description:
        "L2 Data layer: dataset registry (MySQL + MinIO), schema inference, preview, presigned download, table metadata, guarded read-only SQL, and knowledge search (chunks in Milvus). Every response uses the {code, message, data} envelope; errors carry a numeric code (HTTP status followed by two digits).",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    paths,
    components: { schemas: { Error: errorSchema } },
  };
}
