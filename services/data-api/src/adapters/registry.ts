import type { IngestPhase } from "@one-data/data-api-contract";
import type { Pool, PoolConnection, RowDataPacket } from "mysql2/promise";
import { datasetTableName } from "../domain/identifiers.js";
import type { IngestRecord, NewVersion, RegistryPort, VersionRecord, VersionStatus } from "../domain/ports.js";
import { quoteIdentifier, mysqlErrorCode } from "./mysql.js";

const columns = `d.seq, d.name, v.version, v.status, v.storage_path, v.format, v.description, v.size_bytes,
  v.derived_from_seq, v.derived_from_version, v.row_count, v.table_name, v.schema_json, v.created_at`;

function toRecord(row: RowDataPacket): VersionRecord {
  return {
    seq: Number(row.seq),
    name: row.name as string,
    version: Number(row.version),
    status: row.status as VersionStatus,
    storagePath: row.storage_path as string,
    format: row.format as string,
    description: (row.description as string | null) ?? null,
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    derivedFrom: row.derived_from_seq === null ? null : { seq: Number(row.derived_from_seq), version: Number(row.derived_from_version) },
    rowCount: row.row_count === null ? null : Number(row.row_count),
    tableName: (row.table_name as string | null) ?? null,
    schemaJson: (row.schema_json as string | null) ?? null,
    createdAt: `${String(row.created_at).replace(" ", "T")}Z`,
  };
}

/**
 * The registry tables. A version is reserved as `ingesting` (invisible to
 * readers) before its object is read and its table built, and only becomes
 * `active` once both exist; on failure the reservation is deleted.
 */
export class RegistryStore implements RegistryPort {
  private readonly d: string;
  private readonly v: string;

  constructor(
    private readonly pool: Pool,
    database: string,
  ) {
    this.d = `${quoteIdentifier(database)}.datasets`;
    this.v = `${quoteIdentifier(database)}.dataset_versions`;
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  /** A connection of its own, for work whose statements must reach the server in order (a registration). */
  session(): Promise<PoolConnection> {
    return this.pool.getConnection();
  }

  serverThread(session: PoolConnection): number | undefined {
    return (session.connection as unknown as { threadId?: number }).threadId;
  }

  /** Reserves the next version of `name` (a new dataset id when the name is new), on `session` or a pooled connection. */
  async reserve(input: NewVersion, session?: PoolConnection): Promise<{ seq: number; version: number }> {
    for (let attempt = 0; ; attempt += 1) {
      const connection = session ?? (await this.pool.getConnection());
      try {
        return await this.reserveIn(connection, input);
      } catch (error) {
        // Two first registrations of one name raced on the unique name: the loser retries and becomes version 2.
        // A deadlock InnoDB still resolves by aborting one of them: retry that too, after a short random pause.
        if (!["ER_DUP_ENTRY", "ER_LOCK_DEADLOCK"].includes(mysqlErrorCode(error) ?? "") || attempt >= 4) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
      } finally {
        if (!session) connection.release();
      }
    }
  }

  private async reserveIn(connection: PoolConnection, input: NewVersion): Promise<{ seq: number; version: number }> {
    // READ COMMITTED: the name lookup locks the row if it exists and no gap if it does not, so first registrations
    // of different names do not deadlock on each other's gap locks; a race on one name ends in ER_DUP_ENTRY (retried).
    await connection.query("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
    await connection.beginTransaction();
    try {
      const [found] = await connection.query<RowDataPacket[]>(`SELECT seq FROM ${this.d} WHERE name = ? FOR UPDATE`, [input.name]);
      let seq: number;
      if (found[0]) {
        seq = Number(found[0].seq);
      } else {
        const [inserted] = await connection.query<import("mysql2").ResultSetHeader>(
          `INSERT INTO ${this.d} (name, created_at) VALUES (?, UTC_TIMESTAMP(3))`,
          [input.name],
        );
        seq = inserted.insertId;
      }
      const [[max]] = await connection.query<RowDataPacket[]>(
        `SELECT COALESCE(MAX(version), 0) AS version FROM ${this.v} WHERE dataset_seq = ?`,
        [seq],
      );
      const version = Number(max?.version ?? 0) + 1;
      await connection.query(
        `INSERT INTO ${this.v} (dataset_seq, version, status, storage_path, format, description, size_bytes, etag,
           derived_from_seq, derived_from_version, created_at, ingest_id, progress_phase, progress_rows, progress_bytes)
         VALUES (?, ?, 'ingesting', ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3), ?, 'reserved', 0, 0)`,
        [
          seq,
          version,
          input.storagePath,
          input.format,
          input.description,
          input.sizeBytes,
          input.etag,
          input.derivedFrom?.seq ?? null,
          input.derivedFrom?.version ?? null,
          input.ingestId ?? null,
        ],
      );
      await connection.commit();
      return { seq, version };
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      throw error;
    }
  }

  async activate(
    seq: number,
    version: number,
    result: { rowCount: number | null; tableName: string | null; schemaJson: string | null },
    session?: PoolConnection,
  ): Promise<void> {
    await (session ?? this.pool).query(
      `UPDATE ${this.v} SET status = 'active', row_count = ?, table_name = ?, schema_json = ?, progress_phase = NULL
       WHERE dataset_seq = ? AND version = ?`,
      [result.rowCount, result.tableName, result.schemaJson, seq, version],
    );
  }

  /** Records how far a running registration has got (read by `ingesting`). */
  async progress(seq: number, version: number, phase: IngestPhase, rows: number, bytes: number): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.v} SET progress_phase = ?, progress_rows = ?, progress_bytes = ? WHERE dataset_seq = ? AND version = ? AND status = 'ingesting'`,
      [phase, rows, bytes, seq, version],
    );
  }

  /** Registrations still running (all of them, or those of one dataset name). */
  async ingesting(name?: string): Promise<IngestRecord[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT d.seq, d.name, v.version, v.size_bytes, v.progress_phase, v.progress_rows, v.progress_bytes, v.created_at
       FROM ${this.d} d JOIN ${this.v} v ON v.dataset_seq = d.seq
       WHERE v.status = 'ingesting' ${name === undefined ? "" : "AND d.name = ?"} ORDER BY v.created_at, d.seq, v.version`,
      name === undefined ? [] : [name],
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      name: String(row.name),
      version: Number(row.version),
      sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
      phase: (row.progress_phase as IngestPhase | null) ?? null,
      rows: Number(row.progress_rows ?? 0),
      bytes: Number(row.progress_bytes ?? 0),
      createdAt: `${String(row.created_at).replace(" ", "T")}Z`,
    }));
  }

  /**
   * Ends a server session we lost the connection to and waits until the
   * server no longer runs it, so nothing it had been sent can still take
   * effect afterwards. Returns false if it was still there after `withinMs`.
   */
  async endServerSession(connection: PoolConnection, threadId: number, withinMs: number): Promise<boolean> {
    try {
      await connection.query("KILL CONNECTION ?", [threadId]);
    } catch (error) {
      if (mysqlErrorCode(error) !== "ER_NO_SUCH_THREAD") throw error;
    }
    const deadline = Date.now() + withinMs;
    for (;;) {
      const [rows] = await connection.query<RowDataPacket[]>("SELECT 1 FROM information_schema.processlist WHERE id = ?", [threadId]);
      if (rows.length === 0) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Removes everything a failed registration attempt wrote, whatever state the
   * database reached after the attempt was given up: its version row (even one
   * a late activation made active), its typed table, and the dataset identity
   * if nothing else holds it. Returns the versions removed.
   */
  async forgetAttempt(connection: PoolConnection, ingestId: string, datasetsDatabase: string): Promise<{ seq: number; version: number }[]> {
    const [rows] = await connection.query<RowDataPacket[]>(`SELECT dataset_seq, version FROM ${this.v} WHERE ingest_id = ?`, [ingestId]);
    const removed = rows.map((row) => ({ seq: Number(row.dataset_seq), version: Number(row.version) }));
    for (const { seq, version } of removed) {
      await connection.query(
        `DROP TABLE IF EXISTS ${quoteIdentifier(datasetsDatabase)}.${quoteIdentifier(datasetTableName(seq, version))}`,
      );
      await connection.beginTransaction();
      try {
        await connection.query(`SELECT seq FROM ${this.d} WHERE seq = ? FOR UPDATE`, [seq]);
        await connection.query(`DELETE FROM ${this.v} WHERE dataset_seq = ? AND version = ? AND ingest_id = ?`, [seq, version, ingestId]);
        await connection.query(`DELETE FROM ${this.d} WHERE seq = ? AND NOT EXISTS (SELECT 1 FROM ${this.v} WHERE dataset_seq = ?)`, [
          seq,
          seq,
        ]);
        await connection.commit();
      } catch (error) {
        await connection.rollback().catch(() => undefined);
        throw error;
      }
    }
    return removed;
  }

  /** Reservations still `ingesting` after `olderThanSeconds`: left by a process that died mid-registration. */
  async staleReservations(olderThanSeconds: number): Promise<{ seq: number; version: number; storagePath: string }[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT dataset_seq, version, storage_path FROM ${this.v}
       WHERE status = 'ingesting' AND created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND ORDER BY dataset_seq, version`,
      [olderThanSeconds],
    );
    return rows.map((row) => ({ seq: Number(row.dataset_seq), version: Number(row.version), storagePath: String(row.storage_path) }));
  }

  /** Whether any version other than the given one points at this object. */
  async otherVersionsUse(storagePath: string, seq: number, version: number): Promise<boolean> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT 1 FROM ${this.v} WHERE storage_path = ? AND NOT (dataset_seq = ? AND version = ?) LIMIT 1`,
      [storagePath, seq, version],
    );
    return rows.length > 0;
  }

  /** Deletes a reservation, and the dataset identity too if no other version holds it. */
  async discard(seq: number, version: number): Promise<void> {
    const connection = await this.pool.getConnection();
    try {
      await connection.beginTransaction();
      await connection.query(`SELECT seq FROM ${this.d} WHERE seq = ? FOR UPDATE`, [seq]);
      await connection.query(`DELETE FROM ${this.v} WHERE dataset_seq = ? AND version = ? AND status = 'ingesting'`, [seq, version]);
      await connection.query(`DELETE FROM ${this.d} WHERE seq = ? AND NOT EXISTS (SELECT 1 FROM ${this.v} WHERE dataset_seq = ?)`, [
        seq,
        seq,
      ]);
      await connection.commit();
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }

  /** Marks every active version of a dataset `deleted` (invisible to every read) and returns them as they were. */
  async withdraw(seq: number): Promise<VersionRecord[]> {
    const connection = await this.pool.getConnection();
    try {
      await connection.beginTransaction();
      const [rows] = await connection.query<RowDataPacket[]>(
        `SELECT ${columns} FROM ${this.d} d JOIN ${this.v} v ON v.dataset_seq = d.seq
         WHERE d.seq = ? AND v.status = 'active' ORDER BY v.version FOR UPDATE`,
        [seq],
      );
      await connection.query(`UPDATE ${this.v} SET status = 'deleted' WHERE dataset_seq = ? AND status = 'active'`, [seq]);
      await connection.commit();
      return rows.map(toRecord);
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }

  async get(seq: number, version?: number): Promise<VersionRecord | undefined> {
    const [rows] =
      version === undefined
        ? await this.pool.query<RowDataPacket[]>(
            `SELECT ${columns} FROM ${this.d} d JOIN ${this.v} v ON v.dataset_seq = d.seq
             WHERE d.seq = ? AND v.status = 'active' ORDER BY v.version DESC LIMIT 1`,
            [seq],
          )
        : await this.pool.query<RowDataPacket[]>(
            `SELECT ${columns} FROM ${this.d} d JOIN ${this.v} v ON v.dataset_seq = d.seq
             WHERE d.seq = ? AND v.version = ? AND v.status = 'active'`,
            [seq, version],
          );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async versions(seq: number): Promise<VersionRecord[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT ${columns} FROM ${this.d} d JOIN ${this.v} v ON v.dataset_seq = d.seq
       WHERE d.seq = ? AND v.status = 'active' ORDER BY v.version`,
      [seq],
    );
    return rows.map(toRecord);
  }

  /** The latest active version of every dataset (or of the one with this name). */
  async latest(options: { name?: string | undefined; limit: number; offset: number }): Promise<VersionRecord[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT ${columns} FROM ${this.d} d
       JOIN ${this.v} v ON v.dataset_seq = d.seq AND v.status = 'active'
       WHERE v.version = (SELECT MAX(m.version) FROM ${this.v} m WHERE m.dataset_seq = d.seq AND m.status = 'active')
       ${options.name === undefined ? "" : "AND d.name = ?"}
       ORDER BY d.seq LIMIT ? OFFSET ?`,
      options.name === undefined ? [options.limit, options.offset] : [options.name, options.limit, options.offset],
    );
    return rows.map(toRecord);
  }

  /** Every active version's table name: the only tables the query endpoint may read. */
  async tableNames(): Promise<Set<string>> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT table_name FROM ${this.v} WHERE status = 'active' AND table_name IS NOT NULL`,
    );
    return new Set(rows.map((r) => String(r.table_name)));
  }
}
