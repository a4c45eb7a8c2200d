import type { Pool } from "mysql2/promise";
import { quoteIdentifier } from "./mysql.js";

/**
 * Versioned schema changes of the registry, applied in order at start-up and
 * recorded in `schema_migrations`. Never edit an applied migration; add one.
 */
const migrations: readonly { version: number; name: string; statements: readonly string[] }[] = [
  {
    version: 1,
    name: "dataset registry",
    statements: [
      `CREATE TABLE datasets (
        seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        name VARCHAR(255) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        UNIQUE KEY datasets_name (name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      `CREATE TABLE dataset_versions (
        dataset_seq BIGINT UNSIGNED NOT NULL,
        version INT UNSIGNED NOT NULL,
        status VARCHAR(16) NOT NULL,
        storage_path VARCHAR(1100) NOT NULL,
        format VARCHAR(32) NOT NULL,
        description TEXT NULL,
        size_bytes BIGINT UNSIGNED NULL,
        etag VARCHAR(128) NULL,
        derived_from_seq BIGINT UNSIGNED NULL,
        derived_from_version INT UNSIGNED NULL,
        row_count BIGINT UNSIGNED NULL,
        table_name VARCHAR(64) NULL,
        schema_json LONGTEXT NULL,
        created_at DATETIME(3) NOT NULL,
        PRIMARY KEY (dataset_seq, version),
        KEY dataset_versions_status (status),
        CONSTRAINT dataset_versions_dataset FOREIGN KEY (dataset_seq) REFERENCES datasets (seq)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    ],
  },
  {
    version: 2,
    name: "ingest attempts and progress",
    statements: [
      // ingest_id names the registration attempt that wrote a version, so a failed attempt's leftovers can be found
      // (and removed) even when the database answered after the client had been told it failed.
      `ALTER TABLE dataset_versions
        ADD COLUMN ingest_id CHAR(36) NULL,
        ADD COLUMN progress_phase VARCHAR(16) NULL,
        ADD COLUMN progress_rows BIGINT UNSIGNED NULL,
        ADD COLUMN progress_bytes BIGINT UNSIGNED NULL,
        ADD KEY dataset_versions_ingest (ingest_id)`,
    ],
  },
];

/** Creates both schemas if needed and applies pending migrations under a server-side lock (several replicas may start at once). */
export async function migrate(owner: Pool, registryDatabase: string, datasetsDatabase: string): Promise<number[]> {
  const connection = await owner.getConnection();
  const applied: number[] = [];
  try {
    for (const db of [registryDatabase, datasetsDatabase]) {
      await connection.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(db)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    }
    const [[lock]] = (await connection.query("SELECT GET_LOCK(?, 60) AS got", [`${registryDatabase}.migrations`])) as unknown as [
      { got: number | null }[],
    ];
    if (lock?.got !== 1) throw new Error("could not take the migration lock within 60 s");
    try {
      await connection.query(`USE ${quoteIdentifier(registryDatabase)}`);
      await connection.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
          version INT UNSIGNED NOT NULL PRIMARY KEY,
          name VARCHAR(255) NOT NULL,
          applied_at DATETIME(3) NOT NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      );
      const [rows] = (await connection.query("SELECT version FROM schema_migrations")) as unknown as [{ version: number }[]];
      const done = new Set(rows.map((r) => r.version));
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        // MySQL commits DDL implicitly, so each statement is applied on its own and the record written last.
        for (const statement of migration.statements) await connection.query(statement);
        await connection.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, UTC_TIMESTAMP(3))", [
          migration.version,
          migration.name,
        ]);
        applied.push(migration.version);
      }
    } finally {
      await connection.query("SELECT RELEASE_LOCK(?)", [`${registryDatabase}.migrations`]);
    }
  } finally {
    connection.release();
  }
  return applied;
}
