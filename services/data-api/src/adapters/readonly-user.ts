import type { Pool } from "mysql2/promise";
import { quoteIdentifier } from "./mysql.js";

/**
 * The account the query endpoint runs as: SELECT on the datasets schema and
 * nothing else. Its privileges are reset on every start, so a grant added by
 * hand cannot linger.
 */
export async function ensureReadonlyUser(owner: Pool, user: string, password: string, datasetsDatabase: string): Promise<void> {
  const account = `${quoteIdentifier(user)}@'%'`;
  const connection = await owner.getConnection();
  try {
    await connection.query(`CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ?`, [password]);
    await connection.query(`ALTER USER ${account} IDENTIFIED BY ?`, [password]);
    await connection.query(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${account}`);
    await connection.query(`GRANT SELECT ON ${quoteIdentifier(datasetsDatabase)}.* TO ${account}`);
  } finally {
    connection.release();
  }
}
