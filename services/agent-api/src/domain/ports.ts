import type { QueryResult, VectorSearchHit } from "@one-data/data-api-contract";
import type { Catalog } from "./catalog.js";
import type { ChatTurn, ModelMessage } from "./conversation.js";

/** What the agent needs from the model, the Data API and memory; adapters implement these. */
export interface CompletionRequest {
  messages: ModelMessage[];
  maxTokens?: number;
  /** This call's deadline when shorter than the model client's own (what is left of the route's). */
  timeoutMs?: number;
  temperature?: number;
  /** Constrains the reply to this JSON schema (`response_format: json_schema`). */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
}

export interface ModelPort {
  readonly endpoint: string;
  modelName(): Promise<string>;
  complete(request: CompletionRequest): Promise<string>;
  /** Streams the reply through `onDelta` and resolves with the whole text. */
  stream(request: CompletionRequest, onDelta: (text: string) => void): Promise<string>;
  /** Resolves when the model server answers its model list: the readiness check. */
  ping(signal: AbortSignal): Promise<void>;
}

export interface DataPort {
  catalog(): Promise<Catalog>;
  query(sql: string, limit: number): Promise<QueryResult>;
  search(query: string, topK: number): Promise<VectorSearchHit[]>;
}

export interface MemoryPort {
  load(conversationId: string): Promise<ChatTurn[]>;
  append(conversationId: string, turns: ChatTurn[]): Promise<void>;
  clear(conversationId: string): Promise<void>;
  /** Resolves when Redis answers a PING: the connection being open is not enough (a hung Redis keeps it open). */
  ping(): Promise<void>;
}

/** The Data API refused a statement (code 40003 or another 4xx): a reason worth feeding back to the model. */
export class QueryRejectedError extends Error {
  readonly code: number;

  constructor(code: number, reason: string) {
    super(reason);
    this.name = "QueryRejectedError";
    this.code = code;
  }
}
