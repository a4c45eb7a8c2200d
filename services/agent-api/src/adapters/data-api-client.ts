import { metadataResult, queryResult, vectorSearchResult, type QueryResult, type VectorSearchHit } from "@one-data/data-api-contract";
import { AppError, ErrorCode, dependencyTimeout, dependencyUnavailable, withDeadline } from "@one-data/platform";
import { Readable } from "node:stream";
import { z } from "zod";
import { catalogOf, type Catalog } from "../domain/catalog.js";
import { QueryRejectedError, type DataPort } from "../domain/ports.js";
import { cachedFor } from "../domain/ttl-cache.js";

const dependency = "data-api";
/** Milvus or the embedding model behind the Data API's knowledge search. */
const searchDependency = "knowledge-search";
const catalogTtlMs = 30_000;

const envelope = z.object({ code: z.number(), message: z.string().optional(), data: z.unknown().optional() });

/** A request the page makes of the Data API, passed through as it is (dataset detail, schema, preview, upload). */
export interface ForwardRequest {
  method: "GET" | "POST";
  /** Path and query string on the Data API, e.g. `/api/v1/datasets/ds-001/schema`. */
  path: string;
  headers?: Record<string, string>;
  body?: Readable;
  /** Longer than the default for uploads. */
  timeoutMs?: number;
}

export interface DataApiClient extends DataPort {
  /** Resolves when the Data API answers its liveness route: the readiness check. */
  ping(signal: AbortSignal): Promise<void>;
  /** The Data API's status and envelope, unchanged; 503/504 of our own when it is down or too slow. */
  forward(request: ForwardRequest): Promise<{ status: number; body: z.infer<typeof envelope> }>;
}

export interface DataApiClientOptions {
  url: string;
  timeoutMs: number;
}

interface Reply {
  status: number;
  code: number;
  message: string;
  data: unknown;
}

export function createDataApiClient(options: DataApiClientOptions): DataApiClient {
  async function call(path: string, init: RequestInit = {}, dep = dependency): Promise<Reply> {
    return withDeadline(dep, options.timeoutMs, async (signal) => {
      let response: Response;
      try {
        response = await fetch(`${options.url}${path}`, { ...init, signal });
      } catch (error) {
        if (signal.aborted) throw dependencyTimeout(dep, options.timeoutMs, error);
        throw dependencyUnavailable(dep, error);
      }
      let body: z.infer<typeof envelope>;
      try {
        body = envelope.parse(await response.json());
      } catch (error) {
        if (signal.aborted) throw dependencyTimeout(dep, options.timeoutMs, error);
        throw dependencyUnavailable(dep, error);
      }
      if (response.status === 504) throw dependencyTimeout(dep, options.timeoutMs);
      if (response.status >= 500) throw dependencyUnavailable(dep);
      return { status: response.status, code: body.code, message: body.message ?? "", data: body.data };
    });
  }

  function expectData<S extends z.ZodType>(reply: Reply, schema: S, dep = dependency): z.infer<S> {
    if (reply.status >= 400 || reply.code !== 0) {
      throw new AppError(503, ErrorCode.dependencyUnavailable, `${dep} refused the request: ${reply.message}`, {
        dependency: dep,
        code: reply.code,
      });
    }
    const parsed = schema.safeParse(reply.data);
    if (!parsed.success) throw dependencyUnavailable(dep, parsed.error);
    return parsed.data;
  }

  const catalog = cachedFor(catalogTtlMs, async (): Promise<Catalog> =>
    catalogOf(expectData(await call("/api/v1/metadata/tables"), metadataResult)),
  );

  return {
    catalog,
    async query(sql, limit): Promise<QueryResult> {
      const reply = await call("/api/v1/query", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sql, limit, timeout_ms: Math.max(1, options.timeoutMs - 500) }),
      });
      // A refused statement is the model's problem to fix, not a fault of the Data API.
      if (reply.status >= 400 && reply.status < 500) throw new QueryRejectedError(reply.code, reply.message || `HTTP ${reply.status}`);
      return expectData(reply, queryResult);
    },
    async search(query, topK): Promise<VectorSearchHit[]> {
      const reply = await call(
        "/api/v1/vector/search",
        { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, top_k: topK }) },
        searchDependency,
      );
      return expectData(reply, vectorSearchResult, searchDependency).results;
    },
    async forward(request) {
      const timeoutMs = request.timeoutMs ?? options.timeoutMs;
      return withDeadline(dependency, timeoutMs, async (signal) => {
        let response: Response;
        try {
          response = await fetch(`${options.url}${request.path}`, {
            method: request.method,
            headers: request.headers,
            body: request.body ? (Readable.toWeb(request.body) as ReadableStream) : undefined,
            // A streamed request body (the upload) needs half-duplex in Node's fetch.
            ...(request.body ? { duplex: "half" } : {}),
            signal,
          } as RequestInit);
        } catch (error) {
          if (signal.aborted) throw dependencyTimeout(dependency, timeoutMs, error);
          throw dependencyUnavailable(dependency, error);
        }
        // Its own 503/504 pass on; any other 5xx is the Data API failing, which this API answers as unavailable, never as a 500 of its own.
        if (response.status >= 500 && response.status !== 503 && response.status !== 504) {
          await response.arrayBuffer().catch(() => undefined);
          throw dependencyUnavailable(dependency, new Error(`HTTP ${response.status}`));
        }
        try {
          return { status: response.status, body: envelope.parse(await response.json()) };
        } catch (error) {
          if (signal.aborted) throw dependencyTimeout(dependency, timeoutMs, error);
          throw dependencyUnavailable(dependency, error);
        }
      });
    },
    async ping(signal) {
      let response: Response;
      try {
        response = await fetch(`${options.url}/api/v1/health`, { signal });
        await response.arrayBuffer();
      } catch (error) {
        throw dependencyUnavailable(dependency, error);
      }
      if (response.status !== 200) throw dependencyUnavailable(dependency);
    },
  };
}
