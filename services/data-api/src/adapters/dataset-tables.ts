import { dependencyTimeout, unprocessable } from "@one-data/platform";
import type { ResultSetHeader } from "mysql2";
import type { Pool, PoolConnection, RowDataPacket } from "mysql2/promise";
import { LocalInfileRefused, type DatasetTablesPort } from "../domain/ports.js";
import { Readable, type Writable } from "node:stream";
import type { InferredColumn } from "../domain/inference.js";
import { loadDataClause } from "../domain/load-data.js";
import { quoteIdentifier } from "./mysql.js";

/** Server errors that mean this server does not accept LOAD DATA LOCAL INFILE (local_infile is OFF). */
const localInfileRefused = new Set([1148, 3948, 4166]);

/** A value does not fit its column: 1264 out of range, 1265/1292/1366 truncated or incorrect, 1406 too long. */
const valueDoesNotFitErrnos = new Set([1264, 1265, 1292, 1366, 1406]);

/** Whether the load is waiting on the database (for the socket to drain, or for its answer), and since when. */
interface LoadWait {
  onDatabase: boolean;
  since: number;
}

/**
 * The load's bytes as a stream mysql2 can pipe into the connection, made to
 * wait while the socket's write buffer is full: mysql2 forwards the stream's
 * data without waiting for the socket to drain, which would buffer the whole
 * file in memory whenever the server reads more slowly than the file arrives.
 */
function pacedBy(socket: Writable, chunks: AsyncIterator<Buffer>, wait: LoadWait): Readable {
  const waitOn = (onDatabase: boolean) => {
    wait.onDatabase = onDatabase;
    wait.since = Date.now();
  };
  const drained = () =>
    new Promise<void>((resolve, reject) => {
      const done = () => {
        socket.off("drain", done);
        socket.off("close", closed);
        resolve();
      };
      const closed = () => {
        socket.off("drain", done);
        reject(new Error("the database connection closed during the load"));
      };
      socket.on("drain", done);
      socket.once("close", closed);
    });
  return new Readable({
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- read() catches every failure and destroys the stream with it
    async read() {
      try {
        if (socket.writableNeedDrain) {
          waitOn(true);
          await drained();
        }
        waitOn(false);
        const next = await chunks.next();
        // After the last byte the server still has to store what it was sent and answer.
        if (next.done) waitOn(true);
        this.push(next.done ? null : next.value);
      } catch (error) {
        this.destroy(error as Error);
      }
    },
  });
}

/** The typed tables datasets are materialized into, one per tabular version, in the datasets schema. */
export class DatasetTables implements DatasetTablesPort {
  private readonly db: string;

  constructor(
    private readonly pool: Pool,
    readonly database: string,
  ) {
    this.db = quoteIdentifier(database);
  }

  private qualified(table: string): string {
    return `${this.db}.${quoteIdentifier(table)}`;
  }

  async create(table: string, columns: readonly InferredColumn[], comment: string, session?: PoolConnection): Promise<void> {
    const definitions = columns.map(
      (c) =>
        `${quoteIdentifier(c.name)} ${c.sql_type} ${c.nullable ? "NULL" : "NOT NULL"} COMMENT ${this.pool.escape(c.original.slice(0, 1024))}`,
    );
    await (session ?? this.pool).query(
      `CREATE TABLE ${this.qualified(table)} (${definitions.join(", ")})
       ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT=${this.pool.escape(comment.slice(0, 2048))}`,
    );
  }

  async insert(
    table: string,
    columns: readonly InferredColumn[],
    rows: readonly (string | number | null)[][],
    session?: PoolConnection,
  ): Promise<void> {
    if (rows.length === 0) return;
    const names = columns.map((c) => quoteIdentifier(c.name)).join(", ");
    try {
      await (session ?? this.pool).query(`INSERT INTO ${this.qualified(table)} (${names}) VALUES ?`, [rows]);
    } catch (error) {
      const errno = (error as { errno?: number }).errno;
      if (errno !== undefined && valueDoesNotFitErrnos.has(errno)) {
        throw unprocessable(`a value does not fit its inferred column type: ${(error as Error).message}`);
      }
      throw error;
    }
  }

  /**
   * Streams rows (LOAD DATA text, see load-data.ts) into the table in one
   * statement on a connection of its own. With LOCAL the server turns values
   * that do not fit into warnings instead of errors, so any warning fails
   * the load as a strict INSERT would. `onConnection` learns the server
   * thread, so a caller can make sure a load it gave up on is gone.
   */
  async load(
    table: string,
    columns: readonly InferredColumn[],
    chunks: AsyncIterable<Buffer>,
    session: PoolConnection,
    stallMs: number,
    track: (running: Promise<unknown>) => void = () => undefined,
  ): Promise<{ rows: number }> {
    const names = columns.map((c) => quoteIdentifier(c.name)).join(", ");
    const source = chunks[Symbol.asyncIterator]();
    const socket = (session.connection as unknown as { stream: Writable }).stream;
    const wait: LoadWait = { onDatabase: true, since: Date.now() };
    let watchdog: NodeJS.Timeout | undefined;
    // A server that stops taking bytes (or answering) for stallMs is hung: give up on it, as every other call's deadline does.
    const stalled = new Promise<never>((_, reject) => {
      watchdog = setInterval(
        () => {
          if (wait.onDatabase && Date.now() - wait.since > stallMs) reject(dependencyTimeout("mysql", stallMs));
        },
        Math.max(50, Math.min(1000, stallMs / 4)),
      );
    });
    stalled.catch(() => undefined);
    try {
      let result: ResultSetHeader;
      try {
        const loading = session.query<ResultSetHeader>({
          sql: `LOAD DATA LOCAL INFILE 'registration' INTO TABLE ${this.qualified(table)} ${loadDataClause} (${names})`,
          infileStreamFactory: () => pacedBy(socket, source, wait),
        });
        track(loading);
        [result] = await Promise.race([loading, stalled]);
      } catch (error) {
        const errno = (error as { errno?: number }).errno;
        if (errno !== undefined && localInfileRefused.has(errno)) throw new LocalInfileRefused((error as Error).message);
        throw error;
      }
      if (result.warningStatus > 0) {
        const [warnings] = await session.query<RowDataPacket[]>("SHOW WARNINGS LIMIT 5");
        const serious = warnings.filter((w) => w.Level !== "Note");
        if (serious.length > 0 || warnings.length < Math.min(result.warningStatus, 5)) {
          throw unprocessable(
            `a value does not fit its inferred column type: ${String(serious[0]?.Message ?? "the server reported warnings")}`,
          );
        }
      }
      return { rows: result.affectedRows };
    } finally {
      clearInterval(watchdog);
      void source.return?.(undefined)?.catch(() => undefined);
    }
  }

  async drop(table: string, session?: PoolConnection): Promise<void> {
    await (session ?? this.pool).query(`DROP TABLE IF EXISTS ${this.qualified(table)}`);
  }

  async exists(table: string): Promise<boolean> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
      [this.database, table],
    );
    return rows.length > 0;
  }

  /** The first rows in load order (InnoDB keeps a table without a primary key in insertion order). */
  async firstRows(table: string, limit: number): Promise<RowDataPacket[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(`SELECT * FROM ${this.qualified(table)} LIMIT ?`, [limit]);
    return rows;
  }
}
