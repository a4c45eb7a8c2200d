import { notFound, unprocessable, type Logger } from "@one-data/platform";
import type { RowDataPacket } from "mysql2/promise";
import type { DatasetTables } from "../adapters/dataset-tables.js";
import { toMysqlAppError, withMysql } from "../adapters/mysql.js";
import type { RegistryStore, VersionRecord } from "../adapters/registry.js";
import { parseStoragePath, type ObjectLocation, type ObjectStore } from "../adapters/s3.js";
import { apiObjectPrefixes, datasetTableName, formatDatasetId, parseDatasetId } from "./identifiers.js";
import { sqlTimestampToIso, type InferredColumn } from "./inference.js";
import { fitRowSize, inferSchema, typedRowBatches, type TabularSchema } from "./ingest.js";
import { isTabularFormat } from "./tabular.js";

/** The dataset object of the API contract (one version of a dataset). */
export interface DatasetView {
  dataset_id: string;
  name: string;
  version: number;
  storage_path: string;
  format: string;
  status: "active";
  description: string | null;
  derived_from: { dataset_id: string; version: number } | null;
  row_count: number | null;
  table: string | null;
  size_bytes: number | null;
  created_at: string;
}

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

export function toView(record: VersionRecord): DatasetView {
  return {
    dataset_id: formatDatasetId(record.seq),
    name: record.name,
    version: record.version,
    storage_path: record.storagePath,
    format: record.format,
    status: "active",
    description: record.description,
    derived_from: record.derivedFrom
      ? { dataset_id: formatDatasetId(record.derivedFrom.seq), version: record.derivedFrom.version }
      : null,
    row_count: record.rowCount,
    table: record.tableName,
    size_bytes: record.sizeBytes,
    created_at: record.createdAt,
  };
}

export function storedSchema(record: VersionRecord): TabularSchema | undefined {
  return record.schemaJson ? (JSON.parse(record.schemaJson) as TabularSchema) : undefined;
}

/** A value read back from a materialized table, in the JSON shape of its inferred type. */
export function typedCell(column: InferredColumn, raw: unknown): unknown {
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
  registry: RegistryStore;
  tables: DatasetTables;
  objects: ObjectStore;
  log: Logger;
  mysqlTimeoutMs: number;
  downloadTtlSeconds: number;
  /** How long registry reads may be served from memory; 0 disables. Writes through this instance clear it at once. */
  readCacheMs: number;
}

/**
 * Registration and reads of datasets. Registration never leaves half a
 * dataset behind: the version becomes visible only after its object and its
 * table exist, and a failure removes the table, the reservation and (for
 * uploads) the object.
 */
export class DatasetService {
  // Registry reads are hot (agents list and fetch datasets constantly) and change rarely; other replicas'
  // registrations become visible here after at most `readCacheMs`.
  private readonly readCache = new Map<string, { expires: number; value: Promise<unknown> }>();

  constructor(private readonly deps: DatasetServiceDeps) {}

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.deps.readCacheMs <= 0) return load();
    const now = Date.now();
    const hit = this.readCache.get(key);
    if (hit && hit.expires > now) return hit.value as Promise<T>;
    if (this.readCache.size > 10_000) this.readCache.clear();
    const value = load();
    this.readCache.set(key, { expires: now + this.deps.readCacheMs, value });
    value.catch(() => this.readCache.delete(key));
    return value;
  }

  private short<T>(work: () => Promise<T>): Promise<T> {
    return withMysql(this.deps.mysqlTimeoutMs, work);
  }

  async register(input: RegisterInput, options: RegisterOptions = { removeObjectOnFailure: false }): Promise<DatasetView> {
    const location = parseStoragePath(input.storage_path);
    if (!location) throw unprocessable(`storage_path must look like s3://bucket/key, got ${JSON.stringify(input.storage_path)}`);
    let reserved: { seq: number; version: number } | undefined;
    let table: string | undefined;
    try {
      const derivedFrom = input.derived_from ? await this.resolveParent(input.derived_from) : null;
      const info = await this.deps.objects.stat(location);
      if (!info) throw unprocessable(`object ${input.storage_path} does not exist`, { storage_path: input.storage_path });
      reserved = await this.short(() =>
        this.deps.registry.reserve({
          name: input.name,
          storagePath: input.storage_path,
          format: input.format,
          description: input.description ?? null,
          sizeBytes: info.size,
          etag: info.etag ?? null,
          derivedFrom,
        }),
      );
      let schema: TabularSchema | undefined;
      if (isTabularFormat(input.format)) {
        schema = await inferSchema(await this.deps.objects.open(location), input.format);
        schema.columns = fitRowSize(schema.columns);
        table = datasetTableName(reserved.seq, reserved.version);
        await this.materialize(location, schema, table, `${formatDatasetId(reserved.seq)} v${reserved.version}: ${input.name}`);
      }
      const { seq, version } = reserved;
      await options.beforeActivate?.({ dataset_id: formatDatasetId(seq), version, name: input.name });
      await this.short(() =>
        this.deps.registry.activate(seq, version, {
          rowCount: schema?.row_count ?? null,
          tableName: table ?? null,
          schemaJson: schema ? JSON.stringify(schema) : null,
        }),
      );
      return toView((await this.short(() => this.deps.registry.get(seq, version)))!);
    } catch (error) {
      await this.undo(location, reserved, table, options.removeObjectOnFailure);
      throw toMysqlAppError(error);
    } finally {
      this.readCache.clear();
    }
  }

  /**
   * Hides every version of a dataset from all reads (a deleted knowledge
   * document) and returns what they were; the rows stay as `deleted`, so ids
   * and version numbers are never reused.
   */
  async withdraw(datasetId: string): Promise<DatasetView[]> {
    const seq = parseDatasetId(datasetId);
    if (seq === undefined) throw notFound(`dataset ${datasetId} not found`);
    try {
      return (await this.short(() => this.deps.registry.withdraw(seq))).map(toView);
    } finally {
      this.readCache.clear();
    }
  }

  private async materialize(location: ObjectLocation, schema: TabularSchema, table: string, comment: string): Promise<void> {
    await this.deps.tables.drop(table);
    await this.deps.tables.create(table, schema.columns, comment);
    for await (const batch of typedRowBatches(await this.deps.objects.open(location), schema)) {
      try {
        await this.deps.tables.insert(table, schema.columns, batch);
      } catch (error) {
        const errno = (error as { errno?: number }).errno;
        // 1264 out of range, 1265/1292/1366 truncated or incorrect value, 1406 too long.
        if (errno !== undefined && [1264, 1265, 1292, 1366, 1406].includes(errno)) {
          throw unprocessable(`a value does not fit its inferred column type: ${(error as Error).message}`);
        }
        throw error;
      }
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

  private async undo(location: ObjectLocation, reserved: { seq: number; version: number } | undefined, table: string | undefined, removeObject: boolean): Promise<void> {
    const steps: [string, () => Promise<void>][] = [];
    if (table) steps.push(["drop table", () => this.deps.tables.drop(table)]);
    if (reserved) steps.push(["discard reservation", () => this.deps.registry.discard(reserved.seq, reserved.version)]);
    if (removeObject) steps.push(["remove object", () => this.deps.objects.remove(location)]);
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (error) {
        this.deps.log.error({ err: error, step: what, location }, "clean-up after a failed registration failed");
      }
    }
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
        : await this.cached(`get:${seq}:${version ?? "latest"}`, () => this.short(() => this.deps.registry.get(seq, version)));
    if (!found) {
      throw notFound(version === undefined ? `dataset ${datasetId} not found` : `dataset ${datasetId} version ${version} not found`);
    }
    return found;
  }

  async get(datasetId: string, version?: number): Promise<DatasetView> {
    return toView(await this.record(datasetId, version));
  }

  async list(options: { name?: string | undefined; limit: number; offset: number }): Promise<DatasetView[]> {
    const key = `list:${options.name ?? ""}:${options.limit}:${options.offset}`;
    return (await this.cached(key, () => this.short(() => this.deps.registry.latest(options)))).map(toView);
  }

  async versions(datasetId: string): Promise<DatasetView[]> {
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

  async download(datasetId: string, version?: number): Promise<{ url: string; expires_in: number; storage_path: string; dataset_id: string; version: number }> {
    const record = await this.record(datasetId, version);
    const location = parseStoragePath(record.storagePath)!;
    const url = await this.deps.objects.presignGet(location, this.deps.downloadTtlSeconds);
    return { url, expires_in: this.deps.downloadTtlSeconds, storage_path: record.storagePath, dataset_id: datasetId, version: record.version };
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
        columns: schema.columns.map((c) => ({ name: c.name, type: c.type, sql_type: c.sql_type, nullable: c.nullable, comment: c.original })),
        sample_rows: rows.map((row) => typedRow(schema.columns, row)),
      });
    }
    return { tables };
  }
}

export function typedRow(columns: readonly InferredColumn[], row: RowDataPacket): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of columns) out[column.name] = typedCell(column, row[column.name]);
  return out;
}
