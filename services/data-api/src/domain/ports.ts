/**
 * What the Data API's domain needs from MySQL, the object store, Milvus, the
 * embedding model and the local disk. Adapters implement these; the domain
 * imports no driver and no adapter.
 */
import type { IngestPhase, VectorSearchHit } from "@one-data/data-api-contract";
import type { Readable } from "node:stream";
import type { InferredColumn } from "./inference.js";
import type { ObjectLocation } from "./storage-path.js";

export type VersionStatus = "ingesting" | "active" | "deleted";

/** One stored version of a dataset, as the registry keeps it. */
export interface VersionRecord {
  seq: number;
  name: string;
  version: number;
  status: VersionStatus;
  storagePath: string;
  format: string;
  description: string | null;
  sizeBytes: number | null;
  derivedFrom: { seq: number; version: number } | null;
  rowCount: number | null;
  tableName: string | null;
  schemaJson: string | null;
  createdAt: string;
}

export interface NewVersion {
  name: string;
  storagePath: string;
  format: string;
  description: string | null;
  sizeBytes: number | null;
  etag: string | null;
  derivedFrom: { seq: number; version: number } | null;
  /** The registration attempt writing this version (a UUID), by which a failed attempt's rows are found. */
  ingestId?: string | undefined;
}

/** A registration still running, with how far it has got. */
export interface IngestRecord {
  seq: number;
  name: string;
  version: number;
  sizeBytes: number | null;
  phase: IngestPhase | null;
  rows: number;
  bytes: number;
  createdAt: string;
}

/** A database connection held for statements that must reach the server in order (a registration). */
export interface DatabaseSession {
  release(): void;
  destroy(): void;
}

/** How database failures reach the client: down is 503, slow is 504. */
export interface DatabaseFaults {
  /** Runs database work within `timeoutMs`, failures and slowness turned into 503/504. */
  within<T>(timeoutMs: number, work: () => Promise<T>): Promise<T>;
  /** A database failure as the error the client gets (503 when the connection is the problem). */
  asAppError(error: unknown): unknown;
  /** The database is unreachable or gone, not the statement wrong. */
  isConnectionLost(error: unknown): boolean;
}

export interface RegistryPort {
  ping(): Promise<void>;
  session(): Promise<DatabaseSession>;
  /** The server's thread of a session, by which a lost session is ended on the server. */
  serverThread(session: DatabaseSession): number | undefined;
  reserve(input: NewVersion, session?: DatabaseSession): Promise<{ seq: number; version: number }>;
  activate(
    seq: number,
    version: number,
    result: { rowCount: number | null; tableName: string | null; schemaJson: string | null },
    session?: DatabaseSession,
  ): Promise<void>;
  progress(seq: number, version: number, phase: IngestPhase, rows: number, bytes: number): Promise<void>;
  ingesting(name?: string): Promise<IngestRecord[]>;
  endServerSession(session: DatabaseSession, threadId: number, withinMs: number): Promise<boolean>;
  forgetAttempt(session: DatabaseSession, ingestId: string, datasetsDatabase: string): Promise<{ seq: number; version: number }[]>;
  staleReservations(olderThanSeconds: number): Promise<{ seq: number; version: number; storagePath: string }[]>;
  otherVersionsUse(storagePath: string, seq: number, version: number): Promise<boolean>;
  discard(seq: number, version: number): Promise<void>;
  withdraw(seq: number): Promise<VersionRecord[]>;
  get(seq: number, version?: number): Promise<VersionRecord | undefined>;
  versions(seq: number): Promise<VersionRecord[]>;
  latest(options: { name?: string | undefined; limit: number; offset: number }): Promise<VersionRecord[]>;
  tableNames(): Promise<Set<string>>;
}

/** The server refuses the bulk path (LOAD DATA LOCAL INFILE): the rows go in as INSERTs instead. */
export class LocalInfileRefused extends Error {}

/** The typed tables datasets are materialized into. */
export interface DatasetTablesPort {
  create(table: string, columns: readonly InferredColumn[], comment: string, session?: DatabaseSession): Promise<void>;
  /** Rows that do not fit their column types are a 422. */
  insert(
    table: string,
    columns: readonly InferredColumn[],
    rows: readonly (string | number | null)[][],
    session?: DatabaseSession,
  ): Promise<void>;
  /** Throws LocalInfileRefused when the server does not take the bulk path. */
  load(
    table: string,
    columns: readonly InferredColumn[],
    chunks: AsyncIterable<Buffer>,
    session: DatabaseSession,
    stallMs: number,
    track?: (running: Promise<unknown>) => void,
  ): Promise<{ rows: number }>;
  drop(table: string, session?: DatabaseSession): Promise<void>;
  firstRows(table: string, limit: number): Promise<Record<string, unknown>[]>;
}

interface QueryColumn {
  name: string;
  type: string;
}

export interface RawResult {
  columns: QueryColumn[];
  rows: Record<string, unknown>[];
  durationMs: number;
}

/** Runs a guarded statement as the read-only user. */
export interface QueryRunnerPort {
  run(sql: string, timeoutMs: number): Promise<RawResult>;
}

export interface ObjectInfo {
  size: number;
  etag: string | undefined;
  contentType: string | undefined;
}

export interface ObjectStorePort {
  stat(location: ObjectLocation): Promise<ObjectInfo | undefined>;
  open(location: ObjectLocation): Promise<Readable>;
  upload(location: ObjectLocation, body: Readable, contentType?: string): Promise<void>;
  remove(location: ObjectLocation): Promise<void>;
  presignGet(location: ObjectLocation, expiresInSeconds: number): Promise<string>;
}

/** A local copy of an object made while the first pass reads it, read again by the second pass. */
export interface SpoolPort {
  tee(source: Readable): Readable;
  read(): Readable;
  remove(): Promise<void>;
}

export interface ChunkRecord {
  id: string;
  document_id: string;
  document_name: string;
  position: number;
  text: string;
  metadata: Record<string, unknown>;
  vector: number[];
}

/** A chunk Milvus found, with the document version it belongs to (search answers only listed versions). */
export type VersionedHit = VectorSearchHit & { version: number };

export interface VectorStorePort {
  /** Resolves when Milvus answers: the readiness check. */
  ping(): Promise<void>;
  ensureCollection(name: string, dimension: number): Promise<void>;
  exists(name: string): Promise<boolean>;
  insertChunks(name: string, chunks: readonly ChunkRecord[]): Promise<void>;
  removeVersion(name: string, documentId: string, version: number, options?: { except?: boolean }): Promise<number>;
  countDocument(name: string, documentId: string): Promise<number>;
  removeDocument(name: string, documentId: string): Promise<number>;
  search(name: string, vector: number[], topK: number, documentIds?: readonly string[]): Promise<VersionedHit[]>;
}

export interface EmbeddingPort {
  modelName(): Promise<string>;
  embed(texts: readonly string[], batchSize?: number): Promise<number[][]>;
}
