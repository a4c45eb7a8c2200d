import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { datasetListQuery, type MetadataTable, type QueryResult, type VectorSearchHit } from "@one-data/data-api-contract";

/**
 * A scripted Data API double for deterministic tests of its clients (the
 * Agent API). It speaks the Data API's contract (envelope, metadata, query,
 * vector search, datasets) but executes nothing: query results come from a
 * handler the test installs, search hits from the documents it is given.
 * Never shipped; the real Data API is tested against MySQL and Milvus.
 */
/** A chunk the double finds for a search; it scores it against the query itself. */
export type DoubleChunk = Omit<VectorSearchHit, "score">;

/** What a handler answers for a statement; the double adds what the Data API computes (counts, the statement). */
type DoubleQueryResult = Pick<QueryResult, "columns" | "rows"> & Partial<Pick<QueryResult, "truncated" | "tables">>;

/** What a handler may answer for a statement: a result, or a refusal like the real guard's. */
type QueryReply = DoubleQueryResult | { reject: { status?: number; code: number; message: string } };

interface Failure {
  status: number;
  code?: number;
  message?: string;
  /** Wait this long before answering (to exercise client deadlines). */
  delayMs?: number;
  /** Close the connection without answering. */
  hangUp?: boolean;
}

type Endpoint = "health" | "datasets" | "metadata" | "query" | "search";

export interface DataApiDoubleOptions {
  tables: MetadataTable[];
  chunks?: DoubleChunk[];
  datasets?: Record<string, unknown>[];
  onQuery?: (sql: string) => QueryReply;
}

export interface DataApiDouble {
  url: string;
  /** Every SQL statement received by the query endpoint, in order. */
  readonly queries: string[];
  readonly searches: { query: string; top_k: number }[];
  /** Count of requests per endpoint. */
  readonly calls: Record<Endpoint, number>;
  onQuery(handler: (sql: string) => QueryReply): void;
  /** Fail every request to an endpoint until cleared with `undefined`. */
  fail(endpoint: Endpoint, failure: Failure | undefined): void;
  close(): Promise<void>;
}

function tokens(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (!word) continue;
    out.add(word);
    const chars = [...word];
    for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
  }
  return out;
}

/** Deterministic lexical overlap, standing in for vector similarity. */
function score(query: string, text: string): number {
  const q = tokens(query);
  const t = tokens(text);
  if (q.size === 0) return 0;
  let shared = 0;
  for (const token of q) if (t.has(token)) shared++;
  return Math.round((shared / q.size) * 1000) / 1000;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startDataApiDouble(options: DataApiDoubleOptions): Promise<DataApiDouble> {
  const queries: string[] = [];
  const searches: { query: string; top_k: number }[] = [];
  const calls: Record<Endpoint, number> = { health: 0, datasets: 0, metadata: 0, query: 0, search: 0 };
  const failures = new Map<Endpoint, Failure>();
  let onQuery = options.onQuery ?? ((): QueryReply => ({ columns: [], rows: [] }));

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const endpointOf = (method: string, path: string): Endpoint | undefined => {
    if (method === "GET" && path === "/api/v1/health") return "health";
    if (method === "GET" && path === "/api/v1/datasets") return "datasets";
    if (method === "GET" && path === "/api/v1/metadata/tables") return "metadata";
    if (method === "POST" && path === "/api/v1/query") return "query";
    if (method === "POST" && path === "/api/v1/vector/search") return "search";
    return undefined;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://double");
      const endpoint = endpointOf(req.method ?? "GET", url.pathname);
      if (!endpoint) return send(res, 404, { code: 40401, message: "no such route in the double" });
      calls[endpoint]++;
      const body = req.method === "POST" ? await readJson(req) : {};
      const failure = failures.get(endpoint);
      if (failure) {
        if (failure.delayMs) await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
        if (failure.hangUp) return req.socket.destroy();
        return send(res, failure.status, {
          code: failure.code ?? failure.status * 100 + 1,
          message: failure.message ?? "scripted failure",
        });
      }
      switch (endpoint) {
        case "health":
          return send(res, 200, { code: 0, message: "healthy" });
        case "datasets": {
          // Paged as the Data API pages, by the contract it reads its query with, from the query the agent sent.
          const query = datasetListQuery.safeParse(Object.fromEntries(url.searchParams));
          if (!query.success) return send(res, 400, { code: 40001, message: `invalid query: ${query.error.issues[0]?.message ?? ""}` });
          const { limit, offset } = query.data;
          return send(res, 200, { code: 0, message: "success", data: (options.datasets ?? []).slice(offset, offset + limit) });
        }
        case "metadata": {
          const keywords = (url.searchParams.get("keywords") ?? "")
            .split(",")
            .filter(Boolean)
            .map((k) => k.toLowerCase());
          const tables =
            keywords.length === 0
              ? options.tables
              : options.tables.filter((t) => keywords.some((k) => JSON.stringify(t).toLowerCase().includes(k)));
          return send(res, 200, { code: 0, message: "success", data: { tables } });
        }
        case "query": {
          const sql = String(body.sql ?? "");
          queries.push(sql);
          const reply = onQuery(sql);
          if ("reject" in reply) {
            return send(res, reply.reject.status ?? 400, { code: reply.reject.code, message: reply.reject.message });
          }
          return send(res, 200, {
            code: 0,
            message: "success",
            data: {
              columns: reply.columns,
              rows: reply.rows,
              row_count: reply.rows.length,
              truncated: reply.truncated ?? false,
              limit: Number(body.limit ?? reply.rows.length),
              duration_ms: 1,
              sql,
              tables: reply.tables ?? [],
            } satisfies QueryResult,
          });
        }
        case "search": {
          const query = String(body.query ?? "");
          const topK = Number(body.top_k ?? 5);
          searches.push({ query, top_k: topK });
          const results = (options.chunks ?? [])
            .map((chunk): VectorSearchHit => ({ ...chunk, score: score(query, chunk.text) }))
            .filter((hit) => hit.score > 0)
            .sort((a, b) => b.score - a.score)
            .slice(0, topK);
          return send(res, 200, { code: 0, message: "success", data: { results } });
        }
      }
    })().catch((error: unknown) => send(res, 500, { code: 50001, message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    searches,
    calls,
    onQuery(handler) {
      onQuery = handler;
    },
    fail(endpoint, failure) {
      if (failure) failures.set(endpoint, failure);
      else failures.delete(endpoint);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
