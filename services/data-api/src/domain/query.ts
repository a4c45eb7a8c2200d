import type { QueryResult } from "@one-data/data-api-contract";
import type { DatabaseFaults, QueryRunnerPort, RegistryPort } from "./ports.js";
import { guardSql } from "./sql-guard.js";

export interface QueryLimits {
  datasetsDatabase: string;
  defaultLimit: number;
  maxLimit: number;
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  mysqlTimeoutMs: number;
}

/** Read-only SQL over registered dataset tables: guard, then run as the read-only user. */
export class QueryService {
  constructor(
    private readonly registry: RegistryPort,
    private readonly runner: QueryRunnerPort,
    private readonly limits: QueryLimits,
    private readonly database: DatabaseFaults,
  ) {}

  async run(request: { sql: string; limit?: number | undefined; timeout_ms?: number | undefined }): Promise<QueryResult> {
    const limit = Math.min(request.limit ?? this.limits.defaultLimit, this.limits.maxLimit);
    const timeoutMs = Math.min(request.timeout_ms ?? this.limits.defaultTimeoutMs, this.limits.maxTimeoutMs);
    const allowedTables = await this.database.within(this.limits.mysqlTimeoutMs, () => this.registry.tableNames());
    const guarded = guardSql(request.sql, { allowedTables, datasetsDatabase: this.limits.datasetsDatabase, limit });
    const raw = await this.runner.run(guarded.sql, timeoutMs);
    const truncated = raw.rows.length > limit;
    const rows = truncated ? raw.rows.slice(0, limit) : raw.rows;
    return {
      columns: raw.columns,
      rows,
      row_count: rows.length,
      truncated,
      limit,
      duration_ms: raw.durationMs,
      sql: guarded.sql,
      tables: guarded.tables,
    };
  }
}
