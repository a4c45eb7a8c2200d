import { dependencyUnavailable, isAppError, queryFailed, queryTimeout } from "@one-data/platform";
import type { FieldPacket, Pool, PoolConnection, RowDataPacket } from "mysql2/promise";
import type { QueryRunnerPort, RawResult } from "../domain/ports.js";
import { isMysqlConnectionError, mysqlErrorCode } from "./mysql.js";

// mysql2 column type codes (the MySQL protocol's).
const typeNames: Record<number, string> = {
  0: "decimal",
  246: "decimal",
  4: "decimal",
  5: "decimal",
  1: "integer",
  2: "integer",
  3: "integer",
  8: "integer",
  9: "integer",
  13: "integer",
  10: "date",
  14: "date",
  7: "timestamp",
  12: "timestamp",
  11: "string",
  15: "string",
  247: "string",
  248: "string",
  249: "string",
  250: "string",
  251: "string",
  252: "string",
  253: "string",
  254: "string",
  245: "json",
  16: "integer",
};

function columnType(field: FieldPacket): string {
  const code = field.columnType ?? (field.type as number | undefined) ?? -1;
  // BOOLEAN is TINYINT(1) on the wire.
  if (code === 1 && field.columnLength === 1) return "boolean";
  return typeNames[code] ?? "string";
}

function convert(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type === "timestamp") return `${String(value).replace(" ", "T")}Z`;
  if (type === "boolean") return value === 1 || value === "1";
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return value;
}

// Warnings with which the server returns a result it knows is incomplete: MariaDB's recursive CTE stopped at
// max_recursive_iterations (1931), GROUP_CONCAT cut at group_concat_max_len (1260).
const incompleteResultWarnings = new Set([1931, 1260]);

/** A result the server itself says is incomplete is refused: a silently truncated answer is a wrong one. */
async function refuseIncomplete(connection: PoolConnection): Promise<void> {
  const [warnings] = await connection.query<RowDataPacket[]>("SHOW WARNINGS");
  const incomplete = warnings.find((w) => incompleteResultWarnings.has(Number(w.Code)));
  if (incomplete) {
    throw queryFailed(`the database stopped before the result was complete: ${String(incomplete.Message)}`, {
      errno: Number(incomplete.Code),
      incomplete: true,
    });
  }
}

/**
 * Executes already-guarded SQL as the read-only MySQL user, under a statement
 * time limit the server enforces: MariaDB's `max_statement_time` (seconds) or
 * MySQL's `max_execution_time` (milliseconds), chosen from the server version.
 */
export class QueryRunner implements QueryRunnerPort {
  private flavour: Promise<"mariadb" | "mysql"> | undefined;

  constructor(private readonly reader: Pool) {}

  private serverFlavour(connection: PoolConnection): Promise<"mariadb" | "mysql"> {
    this.flavour ??= connection
      .query<RowDataPacket[]>("SELECT VERSION() AS version")
      .then(([rows]) => (/mariadb/i.test(String(rows[0]?.version)) ? "mariadb" : "mysql"));
    this.flavour.catch(() => {
      this.flavour = undefined;
    });
    return this.flavour;
  }

  async run(sql: string, timeoutMs: number): Promise<RawResult> {
    let connection: PoolConnection;
    try {
      connection = await this.reader.getConnection();
    } catch (error) {
      throw isMysqlConnectionError(error) ? dependencyUnavailable("mysql", error) : error;
    }
    let destroy = false;
    try {
      const flavour = await this.serverFlavour(connection);
      if (flavour === "mariadb") {
        await connection.query(`SET SESSION max_statement_time = ${(timeoutMs / 1000).toFixed(3)}`);
      } else {
        await connection.query(`SET SESSION max_execution_time = ${Math.ceil(timeoutMs)}`);
      }
      const started = performance.now();
      // The client-side timeout is a backstop in case the server-side limit is not honoured.
      const [rows, fields] = await connection.query<unknown[][] & RowDataPacket[]>({ sql, timeout: timeoutMs + 2000, rowsAsArray: true });
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      await refuseIncomplete(connection);
      // Rows are read as arrays so that two columns with one name (a.id, b.id) both survive, renamed id, id_2.
      const seen = new Map<string, number>();
      const columns = (fields ?? []).map((f) => {
        const count = (seen.get(f.name) ?? 0) + 1;
        seen.set(f.name, count);
        return { name: count === 1 ? f.name : `${f.name}_${count}`, type: columnType(f) };
      });
      const converted = (rows as unknown[][]).map((row) => {
        const out: Record<string, unknown> = {};
        columns.forEach((column, i) => {
          out[column.name] = convert(column.type, row[i]);
        });
        return out;
      });
      return { columns, rows: converted, durationMs };
    } catch (error) {
      if (isAppError(error)) throw error;
      const code = mysqlErrorCode(error);
      const errno = (error as { errno?: number }).errno;
      // 1969: MariaDB max_statement_time; 3024: MySQL max_execution_time.
      if (errno === 1969 || errno === 3024 || code === "PROTOCOL_SEQUENCE_TIMEOUT") {
        destroy = code === "PROTOCOL_SEQUENCE_TIMEOUT";
        throw queryTimeout(`query exceeded timeout_ms (${timeoutMs} ms)`, { timeout_ms: timeoutMs }, error);
      }
      if (isMysqlConnectionError(error)) {
        destroy = true;
        throw dependencyUnavailable("mysql", error);
      }
      throw queryFailed(`the database rejected the query: ${(error as Error).message}`, { mysql_code: code, errno }, error);
    } finally {
      if (destroy) connection.destroy();
      else connection.release();
    }
  }
}
