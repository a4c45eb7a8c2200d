import { AppError, dependencyTimeout, dependencyUnavailable } from "@one-data/platform";
import mysql, { type Pool, type PoolOptions } from "mysql2/promise";
import type { DatabaseFaults } from "../domain/ports.js";

export interface MysqlSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
  timeoutMs: number;
  connectionLimit?: number;
}

/**
 * A pool whose connections fail fast when the server is gone: a short connect
 * timeout, and no queue of requests waiting forever for a connection.
 */
export function createMysqlPool(settings: MysqlSettings): Pool {
  const options: PoolOptions = {
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    connectTimeout: settings.timeoutMs,
    connectionLimit: settings.connectionLimit ?? 10,
    maxIdle: settings.connectionLimit ?? 10,
    idleTimeout: 60_000,
    queueLimit: 100,
    enableKeepAlive: true,
    charset: "utf8mb4_unicode_ci",
    timezone: "Z",
    multipleStatements: false,
    supportBigNumbers: true,
    decimalNumbers: true,
    dateStrings: ["DATE", "DATETIME", "TIMESTAMP"],
  };
  if (settings.database !== undefined) options.database = settings.database;
  return mysql.createPool(options);
}

const connectionErrorCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_BAD_DB_ERROR",
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_QUERY_INTERRUPTED",
  "POOL_CLOSED",
  "POOL_ENQUEUELIMIT",
]);

export function mysqlErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Connection-level failures mean the database is unavailable to us, not that the request was wrong. */
export function isMysqlConnectionError(error: unknown): boolean {
  const code = mysqlErrorCode(error);
  if (code !== undefined && connectionErrorCodes.has(code)) return true;
  // mysql2 raises these without a code while a pool shuts down or after a connection dropped.
  if (/Pool is closed|connection is in closed state/i.test((error as Error | null)?.message ?? "")) return true;
  return (error as { fatal?: unknown } | null)?.fatal === true;
}

/** Runs database work, turning connection failures and slowness into 503/504 for the client. */
async function withMysql<T>(timeoutMs: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(dependencyTimeout("mysql", timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([work(), deadline]);
  } catch (error) {
    throw toMysqlAppError(error);
  } finally {
    clearTimeout(timer);
  }
}

function toMysqlAppError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  if (isMysqlConnectionError(error)) return dependencyUnavailable("mysql", error);
  return error;
}

/** MySQL's failures as the domain sees them. */
export const mysqlFaults: DatabaseFaults = { within: withMysql, asAppError: toMysqlAppError, isConnectionLost: isMysqlConnectionError };

/** Backtick-quotes an identifier for MySQL (doubling embedded backticks). */
export function quoteIdentifier(name: string): string {
  return "`" + name.replaceAll("`", "``") + "`";
}
