import type { Dataset, Ingest } from "@one-data/data-api-contract";
import { notFound, unprocessable, type Logger } from "@one-data/platform";
import { randomUUID } from "node:crypto";
import { apiObjectPrefixes, datasetTableName, formatDatasetId, parseDatasetId } from "./identifiers.js";
import { sqlTimestampToIso, type InferredColumn } from "./inference.js";
import { IngestCompensator } from "./ingest-compensation.js";
import { ProgressReporter } from "./ingest-progress.js";
import { fitRowSize, inferSchema, loadDataChunks, typedRowBatches, type TabularSchema } from "./ingest.js";
import {
  LocalInfileRefused,
  type DatabaseFaults,
  type DatabaseSession,
  type DatasetTablesPort,
  type ObjectStorePort,
  type RegistryPort,
  type SpoolPort,
  type VersionRecord,
} from "./ports.js";
import { parseStoragePath } from "./storage-path.js";
import { isTabularFormat } from "./tabular.js";
import { ReadCache } from "./read-cache.js";

export interface RegisterInput {
  name: string;
  storage_path: string;
  format: string;
  description?: string | undefined;
  /** Without a version, the parent's latest version. */
  derived_from?: { dataset_id: string; version?: number | undefined } | undefined;
}

export interface RegisterOptions {
  /** Remove the object when registration fails: the API stored it (an upload, a knowledge document's text). */
  removeObjectOnFailure: boolean;
  /**
   * Work that must be done before the version becomes visible (a knowledge
   * document's chunks); when it fails the registration is undone like any other failure.
   */
  beforeActivate?: (reserved: { dataset_id: string; version: number; name: string }) => Promise<void>;
}

function toView(record: VersionRecord): Dataset {
  return {
    dataset_id: formatDatasetId(record.seq),
    name: record.name,
    version: record.version,
    storage_path: record.storagePath,
    format: record.format,
    status: "active",
    description: record.description,
    derived_from: record.derivedFrom ? { dataset_id: formatDatasetId(record.derivedFrom.seq), version: record.derivedFrom.version } : null,
    row_count: record.rowCount,
    table: record.tableName,
    size_bytes: record.sizeBytes,
    created_at: record.createdAt,
  };
}

function storedSchema(record: VersionRecord): TabularSchema | undefined {
  return record.schemaJson ? (JSON.parse(record.schemaJson) as TabularSchema) : undefined;
}

/** A value read back from a materialized table, in the JSON shape of its inferred type. */
function typedCell(column: InferredColumn, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  switch (column.type) {
    case "boolean":
      return raw === 1 || raw === "1" || raw === true;
    case "timestamp":
      return sqlTimestampToIso(String(raw));
    case "integer":
      return typeof raw === "string" && Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
    default:
      return raw;
  }
}

export interface DatasetServiceDeps {
  registry: RegistryPort;
  tables: DatasetTablesPort;
  objects: ObjectStorePort;
  /** Deadlines and failures of the database behind the registry and the tables. */
  database: DatabaseFaults;
  /** A local copy of an object for the second pass over it. */
  spool: () => Promise<SpoolPort>;
  log: Logger;
  mysqlTimeoutMs: number;
  downloadTtlSeconds: number;
  /** How long registry reads may be served from memory; 0 disables. Writes through this instance clear it at once. */
  readCacheMs: number;
  /** The schema the typed tables live in (the compensation drops a failed attempt's table there). */
  datasetsDatabase: string;
  /** How long the compensation of a failed registration keeps trying while the database is away. */
  compensationGiveUpMs: number;
  /** How often a running registration records its progress. */
  progressEveryMs: number;
}

/**
 * Registration and reads of datasets. Registration never leaves half a
 * dataset behind: the version becomes visible only after its object and its
 * table exist, and a failure removes the table, the reservation and (for
 * uploads) the object, even when the database carries out statements after
 * the registration gave up on it (see ingest-compensation.ts). The typed rows
 * go to the server's bulk path (LOAD DATA LOCAL INFILE), streamed.
 */
export class DatasetService {
  private readonly readCache: ReadCache;

  private readonly compensator: IngestCompensator;

  constructor(private readonly deps: DatasetServiceDeps) {
    this.readCache = new ReadCache(deps.readCacheMs);
    this.compensator = new IngestCompensator({
      registry: deps.registry,
      objects: deps.objects,
      database: deps.database,
      log: deps.log,
      datasetsDatabase: deps.datasetsDatabase,
      retryMs: Math.min(1000, deps.mysqlTimeoutMs),
      giveUpAfterMs: deps.compensationGiveUpMs,
    });
  }

  private short<T>(work: () => Promise<T>): Promise<T> {
    return this.deps.database.within(this.deps.mysqlTimeoutMs, work);
  }

  async register(input: RegisterInput, options: RegisterOptions = { removeObjectOnFailure: false }): Promise<Dataset> {
    const location = parseStoragePath(input.storage_path);
    if (!location) throw unprocessable(`storage_path must look like s3://bucket/key, got ${JSON.stringify(input.storage_path)}`);
    const ingestId = randomUUID();
    let session: DatabaseSession | undefined;
    const progress = new ProgressReporter(this.deps.registry, this.deps.mysqlTimeoutMs, this.deps.progressEveryMs);
    let spool: SpoolPort | undefined;
    // What the session was last asked to do, deadline or not: a compensation on that session must wait for all of it
    // (a reservation is several statements; cleaning between them would run inside its transaction).
    let inflight: Promise<unknown> = Promise.resolve();
    const onSession = <T>(work: () => Promise<T>): Promise<T> =>
      this.short(() => {
        const running = work();
        inflight = running;
        return running;
      });
    try {
      // A failed registration of this name may still be being undone: the next one must not see its leftovers.
      await this.short(() => this.compensator.settled(input.name));
      const derivedFrom = input.derived_from ? await this.resolveParent(input.derived_from) : null;
      const info = await this.deps.objects.stat(location);
      if (!info) throw unprocessable(`object ${input.storage_path} does not exist`, { storage_path: input.storage_path });
      const connecting = this.deps.registry.session();
      session = await this.short(() => connecting).catch((error: unknown) => {
        void connecting.then(
          (late) => late.release(),
          () => undefined,
        );
        throw error;
      });
      const own = session;
      const reserved = await onSession(() =>
        this.deps.registry.reserve(
          {
            name: input.name,
            storagePath: input.storage_path,
            format: input.format,
            description: input.description ?? null,
            sizeBytes: info.size,
            etag: info.etag ?? null,
            derivedFrom,
            ingestId,
          },
          own,
        ),
      );
      const { seq, version } = reserved;
      progress.start(seq, version);
      let schema: TabularSchema | undefined;
      let table: string | undefined;
      if (isTabularFormat(input.format)) {
        spool = await this.deps.spool();
        schema = await inferSchema(spool.tee(await this.deps.objects.open(location)), input.format, progress.phase("inferring"));
        schema.columns = fitRowSize(schema.columns);
        table = datasetTableName(seq, version);
        await this.materialize(spool, schema, table, `${formatDatasetId(seq)} v${version}: ${input.name}`, own, progress, (running) => {
          inflight = running;
        });
      }
      await options.beforeActivate?.({ dataset_id: formatDatasetId(seq), version, name: input.name });
      const result = { rowCount: schema?.row_count ?? null, tableName: table ?? null, schemaJson: schema ? JSON.stringify(schema) : null };
      await onSession(() => this.deps.registry.activate(seq, version, result, own));
      session = undefined;
      own.release();
      return toView((await this.short(() => this.deps.registry.get(seq, version)))!);
    } catch (error) {
      const undoing = this.compensator.compensate({
        ingestId,
        name: input.name,
        session,
        inflight,
        location,
        removeObject: options.removeObjectOnFailure,
      });
      // Usually the clean-up is done before the client hears of the failure; with the database hung it goes on after.
      await this.short(() => undoing).catch(() => undefined);
      throw this.deps.database.asAppError(error);
    } finally {
      progress.stop();
      this.readCache.clear();
      await spool?.remove().catch((error: unknown) => this.deps.log.warn({ err: error }, "could not remove an ingest spool file"));
    }
  }

  /**
   * Hides every version of a dataset from all reads (a deleted knowledge
   * document) and returns what they were; the rows stay as `deleted`, so ids
   * and version numbers are never reused.
   */
  async withdraw(datasetId: string): Promise<Dataset[]> {
    const seq = parseDatasetId(datasetId);
    if (seq === undefined) throw notFound(`dataset ${datasetId} not found`);
    try {
      return (await this.short(() => this.deps.registry.withdraw(seq))).map(toView);
    } finally {
      this.readCache.clear();
    }
  }

  /** Registrations still running, with their progress (rows and bytes of the pass they are in). */
  async ingesting(name?: string): Promise<Ingest[]> {
    const found = await this.short(() => this.deps.registry.ingesting(name));
    return found.map((record) => ({
      dataset_id: formatDatasetId(record.seq),
      name: record.name,
      version: record.version,
      phase: record.phase ?? "reserved",
      rows_processed: record.rows,
      bytes_processed: record.bytes,
      bytes_total: record.sizeBytes,
      started_at: record.createdAt,
    }));
  }

  /** Settles once failed registrations started so far have been undone (tests and shutdown wait on it). */
  compensationsSettled(): Promise<void> {
    return this.compensator.settled();
  }

  private async materialize(
    spool: SpoolPort,
    schema: TabularSchema,
    table: string,
    comment: string,
    session: DatabaseSession,
    progress: ProgressReporter,
    track: (running: Promise<unknown>) => void,
  ): Promise<void> {
    const onSession = <T>(work: () => Promise<T>): Promise<T> =>
      this.short(() => {
        const running = work();
        track(running);
        return running;
      });
    await onSession(() => this.deps.tables.drop(table, session));
    await onSession(() => this.deps.tables.create(table, schema.columns, comment, session));
    try {
      const chunks = loadDataChunks(spool.read(), schema, progress.phase("loading"));
      const { rows } = await this.deps.tables.load(table, schema.columns, chunks, session, this.deps.mysqlTimeoutMs, track);
      if (rows !== schema.row_count) throw unprocessable("the object changed while it was being registered");
      return;
    } catch (error) {
      if (!(error instanceof LocalInfileRefused)) throw error;
      this.deps.log.warn(
        { table, reason: error.message },
        "the server refuses LOAD DATA LOCAL INFILE (local_infile OFF); loading with INSERTs",
      );
    }
    for await (const batch of typedRowBatches(spool.read(), schema)) {
      await onSession(() => this.deps.tables.insert(table, schema.columns, batch, session));
    }
  }

  /**
   * Start-up sweep: a registration that died between reserving its version
   * and activating it (a crash, a killed pod) leaves an `ingesting` row,
   * maybe a half-loaded table and, for objects the API wrote itself
   * (uploads/, knowledge/), an object nothing else points at. Removes all
   * three. Only reservations older than `olderThanSeconds` are touched, so a
   * registration still running in another replica is left alone.
   */
  async sweepAbandoned(olderThanSeconds: number): Promise<{ dataset_id: string; version: number; object_removed: boolean }[]> {
    const stale = await this.deps.registry.staleReservations(olderThanSeconds);
    const swept: { dataset_id: string; version: number; object_removed: boolean }[] = [];
    for (const { seq, version, storagePath } of stale) {
      const location = parseStoragePath(storagePath);
      const apiOwned = location !== undefined && Object.values(apiObjectPrefixes).some((prefix) => location.key.startsWith(prefix));
      const removeObject = apiOwned && !(await this.deps.registry.otherVersionsUse(storagePath, seq, version));
      await this.deps.tables.drop(datasetTableName(seq, version));
      if (removeObject && location) await this.deps.objects.remove(location);
      await this.deps.registry.discard(seq, version);
      swept.push({ dataset_id: formatDatasetId(seq), version, object_removed: removeObject });
    }
    if (swept.length > 0) this.deps.log.warn({ swept }, "removed registrations abandoned mid-ingest");
    return swept;
  }

  private async resolveParent(parent: { dataset_id: string; version?: number | undefined }): Promise<{ seq: number; version: number }> {
    const seq = parseDatasetId(parent.dataset_id);
    const found = seq === undefined ? undefined : await this.short(() => this.deps.registry.get(seq, parent.version));
    if (!found) {
      throw unprocessable(`derived_from refers to ${parent.dataset_id} version ${parent.version ?? "(latest)"}, which does not exist`);
    }
    return { seq: found.seq, version: found.version };
  }

  /** A version record, or a 404 that names what was missing. */
  async record(datasetId: string, version?: number): Promise<VersionRecord> {
    const seq = parseDatasetId(datasetId);
    const found =
      seq === undefined
        ? undefined
        : await this.readCache.get(`get:${seq}:${version ?? "latest"}`, () => this.short(() => this.deps.registry.get(seq, version)));
    if (!found) {
      throw notFound(version === undefined ? `dataset ${datasetId} not found` : `dataset ${datasetId} version ${version} not found`);
    }
    return found;
  }

  async get(datasetId: string, version?: number): Promise<Dataset> {
    return toView(await this.record(datasetId, version));
  }

  async list(options: { name?: string | undefined; limit: number; offset: number }): Promise<Dataset[]> {
    const key = `list:${options.name ?? ""}:${options.limit}:${options.offset}`;
    return (await this.readCache.get(key, () => this.short(() => this.deps.registry.latest(options)))).map(toView);
  }

  async versions(datasetId: string): Promise<Dataset[]> {
    const seq = parseDatasetId(datasetId);
    const found = seq === undefined ? [] : await this.short(() => this.deps.registry.versions(seq));
    if (found.length === 0) throw notFound(`dataset ${datasetId} not found`);
    return found.map(toView);
  }

  async tabular(datasetId: string, version?: number): Promise<{ record: VersionRecord; schema: TabularSchema; table: string }> {
    const record = await this.record(datasetId, version);
    const schema = storedSchema(record);
    if (!schema || !record.tableName) {
      throw unprocessable(`dataset ${datasetId} version ${record.version} is not tabular (format ${record.format})`);
    }
    return { record, schema, table: record.tableName };
  }

  async preview(datasetId: string, limit: number, version?: number) {
    const { record, schema, table } = await this.tabular(datasetId, version);
    const rows = await this.short(() => this.deps.tables.firstRows(table, limit));
    return {
      dataset_id: datasetId,
      version: record.version,
      columns: schema.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, comment: c.original })),
      rows: rows.map((row) => typedRow(schema.columns, row)),
    };
  }

  async download(
    datasetId: string,
    version?: number,
  ): Promise<{ url: string; expires_in: number; storage_path: string; dataset_id: string; version: number }> {
    const record = await this.record(datasetId, version);
    const location = parseStoragePath(record.storagePath)!;
    const url = await this.deps.objects.presignGet(location, this.deps.downloadTtlSeconds);
    return {
      url,
      expires_in: this.deps.downloadTtlSeconds,
      storage_path: record.storagePath,
      dataset_id: datasetId,
      version: record.version,
    };
  }

  /** Latest tabular versions whose name, description or columns match any keyword (all of them without keywords). */
  async metadataTables(keywords: readonly string[], sampleRows: number) {
    const latest = await this.short(() => this.deps.registry.latest({ limit: 10_000, offset: 0 }));
    const wanted = keywords.map((k) => k.toLowerCase());
    const tables = [];
    for (const record of latest) {
      const schema = storedSchema(record);
      if (!schema || !record.tableName) continue;
      const haystack = [record.name, record.description ?? "", record.tableName, ...schema.columns.flatMap((c) => [c.name, c.original])]
        .join("\n")
        .toLowerCase();
      if (wanted.length > 0 && !wanted.some((k) => haystack.includes(k))) continue;
      const table = record.tableName;
      const rows = await this.short(() => this.deps.tables.firstRows(table, sampleRows));
      tables.push({
        dataset_id: formatDatasetId(record.seq),
        version: record.version,
        dataset_name: record.name,
        table,
        description: record.description,
        row_count: record.rowCount ?? 0,
        columns: schema.columns.map((c) => ({
          name: c.name,
          type: c.type,
          sql_type: c.sql_type,
          nullable: c.nullable,
          comment: c.original,
        })),
        sample_rows: rows.map((row) => typedRow(schema.columns, row)),
      });
    }
    return { tables };
  }
}

function typedRow(columns: readonly InferredColumn[], row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of columns) out[column.name] = typedCell(column, row[column.name]);
  return out;
}
