import { z } from "zod";

/**
 * OpenAPI 3.1 documents built from the zod schemas the routes validate with,
 * so a service's document and its behaviour cannot drift apart. A service
 * lists its operations; a test checks that list against its router and real
 * responses against the document.
 */
export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

export interface ApiResponse {
  description: string;
  /** The JSON body; omitted for responses without one (e.g. a redirect). */
  json?: z.ZodType;
  /** A schema of `components` by name, for bodies many operations share (errors). */
  ref?: string;
  /** The same status may answer as Server-Sent Events (a stream). */
  eventStream?: boolean;
}

export interface ApiOperation {
  method: HttpMethod;
  /** Koa path, e.g. /api/v1/conversations/:id */
  path: string;
  summary: string;
  pathParams?: z.ZodObject;
  query?: z.ZodObject;
  body?: { json?: z.ZodType; multipart?: z.ZodObject };
  responses: Record<number, ApiResponse>;
}

export interface ApiDescription {
  title: string;
  version: string;
  description: string;
  operations: ApiOperation[];
  components?: Record<string, z.ZodType>;
}

/** The error envelope every service answers failures with. */
export const errorBodySchema = z.object({ code: z.number().int(), message: z.string(), details: z.unknown().optional() });

/** A failure answered with the shared error body (`components.Error`). */
export function errorResponse(description: string): ApiResponse {
  return { description, ref: "Error" };
}

/** Responses by status besides success: failures (4xx, 5xx) with the shared error body, a redirect (3xx) without a body. */
export function errorResponses(descriptions: Record<number, string>): Record<number, ApiResponse> {
  return Object.fromEntries(
    Object.entries(descriptions).map(([status, description]) => [
      status,
      Number(status) >= 400 ? errorResponse(description) : { description },
    ]),
  );
}

/** A success envelope around `data`. */
export function envelopeOf<T extends z.ZodType>(data: T) {
  return z.object({ code: z.literal(0), message: z.string(), data });
}

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema, without a per-schema `$schema`. */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return rest;
}

/** `/api/v1/datasets/:id` → `/api/v1/datasets/{id}` */
export function openApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z_]+)/g, "{$1}");
}

function parameters(op: ApiOperation): unknown[] {
  const list: unknown[] = [];
  for (const [where, object] of [
    ["path", op.pathParams],
    ["query", op.query],
  ] as const) {
    if (!object) continue;
    const schema = jsonSchemaOf(object, "input") as { properties?: Record<string, unknown>; required?: string[] };
    for (const name of Object.keys(object.shape)) {
      list.push({
        name,
        in: where,
        required: where === "path" || (schema.required?.includes(name) ?? false),
        schema: schema.properties?.[name] ?? {},
      });
    }
  }
  return list;
}

/** One Server-Sent Event as tools parse it (data is JSON text or "[DONE]"; comments are not events). */
const sseEvent = {
  type: "object",
  properties: { event: { type: "string" }, data: { type: "string" }, id: { type: "string" }, retry: { type: "integer" } },
};

function response(r: ApiResponse): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  if (r.json) content["application/json"] = { schema: jsonSchemaOf(r.json, "output") };
  if (r.ref) content["application/json"] = { schema: { $ref: `#/components/schemas/${r.ref}` } };
  if (r.eventStream) content["text/event-stream"] = { schema: sseEvent };
  return Object.keys(content).length > 0 ? { description: r.description, content } : { description: r.description };
}

function operationId(op: ApiOperation): string {
  return `${op.method}${op.path.replace(/[/:]+([A-Za-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, "")}`;
}

export function buildOpenApi(api: ApiDescription): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of api.operations) {
    const operation: Record<string, unknown> = {
      operationId: operationId(op),
      summary: op.summary,
      parameters: parameters(op),
      responses: Object.fromEntries(Object.entries(op.responses).map(([status, r]) => [status, response(r)])),
    };
    if (op.body?.json)
      operation.requestBody = { required: true, content: { "application/json": { schema: jsonSchemaOf(op.body.json, "input") } } };
    if (op.body?.multipart)
      operation.requestBody = { required: true, content: { "multipart/form-data": { schema: jsonSchemaOf(op.body.multipart, "input") } } };
    (paths[openApiPath(op.path)] ??= {})[op.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: { title: api.title, version: api.version, description: api.description },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(api.components ?? {}).map(([name, schema]) => [name, jsonSchemaOf(schema, "output")])),
    },
  };
}
