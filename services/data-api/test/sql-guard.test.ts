import { AppError } from "@one-data/platform";
import { expect } from "chai";
import { crossCheckTableList, guardSql, type GuardOptions } from "../src/domain/sql-guard.js";

const options: GuardOptions = { allowedTables: new Set(["ds_001_v1", "ds_002_v1"]), datasetsDatabase: "one_data_datasets", limit: 100 };

function rejects(sql: string, why: RegExp, guard: (sql: string) => unknown = (text) => guardSql(text, options)): void {
  let error: unknown;
  try {
    guard(sql);
  } catch (e) {
    error = e;
  }
  expect(error, `should refuse: ${sql}`).to.be.instanceOf(AppError);
  const appError = error as AppError;
  expect(appError.status, sql).to.equal(400);
  expect(appError.code, sql).to.equal(40003);
  expect(appError.message, sql).to.match(why);
}

describe("SQL guard", () => {
  it("accepts a single SELECT over registered tables and applies the limit", () => {
    const guarded = guardSql("select customer_id, sum(amount) as total from ds_001_v1 group by customer_id order by total desc", options);
    expect(guarded.sql).to.equal("SELECT `customer_id`, SUM(`amount`) AS `total` FROM `ds_001_v1` GROUP BY `customer_id` ORDER BY `total` DESC LIMIT 101");
    expect(guarded.tables).to.deep.equal(["ds_001_v1"]);
    expect(guarded.fetchLimit).to.equal(101);
  });

  it("keeps a smaller LIMIT of the query and clamps a larger one (both LIMIT forms)", () => {
    expect(guardSql("SELECT * FROM ds_001_v1 LIMIT 3", options).sql).to.match(/LIMIT 3$/);
    expect(guardSql("SELECT * FROM ds_001_v1 LIMIT 5000", options).sql).to.match(/LIMIT 101$/);
    expect(guardSql("SELECT * FROM ds_001_v1 LIMIT 10, 5000", options).sql).to.match(/LIMIT 10, ?101$/);
    expect(guardSql("SELECT * FROM ds_001_v1 LIMIT 5000 OFFSET 2", options).sql).to.match(/LIMIT 101 OFFSET 2$/);
  });

  it("accepts joins, subqueries, CTEs over dataset tables, qualified names in the datasets schema, window functions and CASE", () => {
    const sql = `WITH t AS (SELECT customer_id, amount FROM ds_001_v1)
      SELECT a.customer_id, ROW_NUMBER() OVER (ORDER BY a.amount) AS r,
             CASE WHEN a.amount > 300 THEN 'big' ELSE 'small' END AS size, DATE_FORMAT(NOW(), '%Y') AS y
      FROM t a JOIN one_data_datasets.ds_002_v1 b ON a.customer_id = b.col_1
      WHERE a.amount IN (SELECT amount FROM ds_001_v1 WHERE amount > 0) AND EXISTS (SELECT 1 FROM ds_002_v1)`;
    const guarded = guardSql(sql, options);
    expect(guarded.tables).to.deep.equal(["ds_001_v1", "ds_002_v1"]);
  });

  it("wraps a UNION so that the limit applies to the whole set", () => {
    const guarded = guardSql("SELECT id FROM ds_001_v1 UNION SELECT col_1 FROM ds_002_v1", options);
    expect(guarded.sql).to.equal("SELECT * FROM (SELECT `id` FROM `ds_001_v1` UNION SELECT `col_1` FROM `ds_002_v1`) AS `limited` LIMIT 101");
  });

  it("refuses several statements, however they are separated or hidden", () => {
    rejects("SELECT 1 FROM ds_001_v1; DROP TABLE ds_001_v1", /exactly one statement|only SELECT/);
    rejects("SELECT 1 FROM ds_001_v1;DELETE FROM ds_001_v1", /exactly one statement|only SELECT/);
    rejects("SELECT 1 FROM ds_001_v1 /* ; */; SELECT 2", /exactly one statement/);
    rejects("SELECT 1 FROM ds_001_v1 -- x\n; UPDATE ds_001_v1 SET id = 1", /exactly one statement|only SELECT/);
  });

  it("refuses anything that is not a SELECT", () => {
    for (const sql of [
      "DELETE FROM ds_001_v1",
      "UPDATE ds_001_v1 SET amount = 0",
      "INSERT INTO ds_001_v1 VALUES (1)",
      "INSERT INTO ds_001_v1 SELECT * FROM ds_001_v1",
      "DROP TABLE ds_001_v1",
      "CREATE TABLE x AS SELECT * FROM ds_001_v1",
      "TRUNCATE TABLE ds_001_v1",
      "ALTER TABLE ds_001_v1 ADD COLUMN x INT",
      "GRANT ALL ON *.* TO x",
      "SET @a = 1",
      "SHOW TABLES",
      "CALL p()",
      "LOAD DATA INFILE '/etc/passwd' INTO TABLE ds_001_v1",
    ]) {
      rejects(sql, /only SELECT|not a valid MySQL SELECT/);
    }
  });

  it("refuses SELECT ... INTO (OUTFILE, DUMPFILE, variables)", () => {
    rejects("SELECT * FROM ds_001_v1 INTO OUTFILE '/tmp/x'", /INTO is not allowed/);
    rejects("SELECT * FROM ds_001_v1 INTO DUMPFILE '/tmp/x'", /INTO is not allowed/);
    rejects("SELECT id FROM ds_001_v1 INTO @v", /INTO is not allowed|variables/);
  });

  it("refuses locking reads", () => {
    rejects("SELECT * FROM ds_001_v1 FOR UPDATE", /locking clauses/);
    rejects("SELECT * FROM ds_001_v1 LOCK IN SHARE MODE", /locking clauses|not a valid/);
    rejects("SELECT * FROM ds_001_v1 WHERE id IN (SELECT id FROM ds_002_v1 FOR UPDATE)", /locking clauses/);
  });

  it("refuses system schemas and unregistered tables, including through UNION, subqueries, joins and CTEs", () => {
    rejects("SELECT * FROM mysql.user", /schema mysql is not allowed/);
    rejects("SELECT id FROM ds_001_v1 UNION SELECT user FROM mysql.user", /schema mysql/);
    rejects("SELECT * FROM ds_001_v1 WHERE id IN (SELECT 1 UNION SELECT table_name FROM information_schema.tables)", /schema information_schema/);
    rejects("SELECT * FROM (SELECT * FROM performance_schema.threads) t", /schema performance_schema/);
    rejects("SELECT * FROM ds_001_v1 JOIN sys.version v ON 1 = 1", /schema sys/);
    rejects("SELECT * FROM one_data.datasets", /schema one_data is not allowed/);
    rejects("SELECT * FROM dataset_versions", /not a registered dataset table/);
    rejects("SELECT * FROM ds_003_v1", /not a registered dataset table/);
    rejects("WITH x AS (SELECT * FROM secrets) SELECT * FROM x", /secrets is not a registered/);
    rejects("SELECT (SELECT password FROM users LIMIT 1) FROM ds_001_v1", /users is not a registered/);
  });

  it("is not fooled by quoting tricks, comments or unicode look-alikes", () => {
    rejects("SELECT * FROM `mysql`.`user`", /schema mysql/);
    rejects("SELECT * FROM `ds_001_v1` JOIN `mysql` . `user` ON 1=1", /schema mysql/);
    rejects("SELECT * FROM `ds_001_v1``x`", /not a registered|not a valid/);
    rejects("SELECT * FROM ds_００1_v1", /not a registered|not a valid/);
    rejects("SELECT * FROM ｍysql.user", /not allowed|not a registered|not a valid/);
    // MySQL executes /*! ... */ comments; the guard executes only SQL regenerated from the tree, without them.
    const guarded = guardSql("SELECT id /*!50000 , SLEEP(10) */ FROM ds_001_v1", options);
    expect(guarded.sql).to.not.match(/SLEEP/i);
    expect(guarded.sql).to.equal("SELECT `id` FROM `ds_001_v1` LIMIT 101");
  });

  it("refuses table-reading and dangerous functions, schema-qualified functions and unknown ones", () => {
    rejects("SELECT LOAD_FILE('/etc/passwd')", /function LOAD_FILE is not allowed/);
    rejects("SELECT SLEEP(5) FROM ds_001_v1", /function SLEEP is not allowed/);
    rejects("SELECT BENCHMARK(1000000, MD5('a'))", /function BENCHMARK is not allowed/);
    rejects("SELECT GET_LOCK('x', 10)", /function GET_LOCK/);
    rejects("SELECT id FROM ds_001_v1 WHERE id = (SELECT SLEEP(3))", /function SLEEP/);
    rejects("SELECT mysql.sleep(1)", /function MYSQL.SLEEP is not allowed/);
    rejects("SELECT USER(), DATABASE()", /function (USER|DATABASE) is not allowed/);
    rejects("SELECT sys_exec('id')", /function SYS_EXEC/);
  });

  it("refuses user and system variables and assignments", () => {
    rejects("SELECT @@datadir", /variables/);
    rejects("SELECT @a := amount FROM ds_001_v1", /assignments|variables/);
    rejects("SELECT * FROM ds_001_v1 WHERE id = @x", /variables/);
  });

  it("refuses data-modifying CTEs and statements that do not parse", () => {
    rejects("WITH d AS (DELETE FROM ds_001_v1 RETURNING *) SELECT * FROM d", /not a valid|only SELECT/);
    rejects("SELEC * FROM ds_001_v1", /not a valid MySQL SELECT/);
    rejects("", /not a valid|exactly one/);
  });

  describe("the parser's table list, checked on its own (the second layer behind the tree walk)", () => {
    const crossCheck = (entries: string) => crossCheckTableList(entries.split(" "), options, new Set(["recent"]));

    it("accepts reads of registered tables, in the datasets schema or unqualified, and of named CTEs", () => {
      expect(() => crossCheck("select::null::ds_001_v1 select::one_data_datasets::DS_002_V1 select::null::recent")).to.not.throw();
      expect(() => crossCheckTableList([], options)).to.not.throw();
    });

    it("refuses any operation but select, even on a registered table", () => {
      for (const operation of ["insert", "update", "delete", "replace", "create", "drop", "alter", "truncate", "rename"]) {
        rejects(`${operation}::null::ds_001_v1`, new RegExp(`^only SELECT is allowed: found ${operation.toUpperCase()}$`), crossCheck);
      }
      rejects("select::null::ds_001_v1 delete::null::ds_002_v1", /found DELETE/, crossCheck);
    });

    it("refuses other schemas and unregistered tables", () => {
      rejects("select::mysql::user", /^schema mysql is not allowed/, crossCheck);
      rejects("select::null::ds_003_v1", /^table ds_003_v1 is not a registered dataset table$/, crossCheck);
      rejects("select::null::recent_orders", /^table recent_orders is not a registered/, crossCheck);
    });
  });
});
