import { AppError } from "@one-data/platform";
import { expect } from "chai";
import nodeSqlParser from "node-sql-parser";
import { applyLimit, crossCheckTableList, guardSql, walkTree, type GuardOptions } from "../src/domain/sql-guard.js";

const options: GuardOptions = { allowedTables: new Set(["ds_001_v1", "ds_002_v1"]), datasetsDatabase: "one_data_datasets", limit: 100 };

type Tree = Record<string, any>;
const parser = new nodeSqlParser.Parser();
/** The tree node-sql-parser builds for `sql`, for tests that edit it into shapes the parser refuses to build. */
const tree = (sql: string): Tree => parser.astify(sql, { database: "MySQL" }) as unknown as Tree;
const walk = (ast: unknown) => walkTree(ast, options);
/** "an INSERT", "an UPDATE", "a DELETE": the article the reason must read with. */
const article = (word: string) => (["insert", "update", "alter", "unknown"].includes(word.toLowerCase()) ? "an" : "a");

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
    expect(guarded.sql).to.equal(
      "SELECT `customer_id`, SUM(`amount`) AS `total` FROM `ds_001_v1` GROUP BY `customer_id` ORDER BY `total` DESC LIMIT 101",
    );
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
    expect(guarded.sql).to.equal(
      "SELECT * FROM (SELECT `id` FROM `ds_001_v1` UNION SELECT `col_1` FROM `ds_002_v1`) AS `limited` LIMIT 101",
    );
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
    rejects(
      "SELECT * FROM ds_001_v1 WHERE id IN (SELECT 1 UNION SELECT table_name FROM information_schema.tables)",
      /schema information_schema/,
    );
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

  it("refuses data-modifying CTEs as what they are, not with the parser's message", () => {
    rejects(
      "WITH d AS (DELETE FROM ds_001_v1 RETURNING *) SELECT * FROM d",
      /^only SELECT is allowed: found a DELETE statement in a common table expression$/,
    );
    rejects(
      "with d as (update ds_001_v1 set amount = 0 returning id) select * from d",
      /^only SELECT is allowed: found an UPDATE statement in a common table expression$/,
    );
    rejects(
      "WITH a AS (SELECT 1), d AS (INSERT INTO ds_001_v1 (id) VALUES (9) RETURNING id) SELECT * FROM d",
      /^only SELECT is allowed: found an INSERT statement in a common table expression$/,
    );
  });

  it("refuses settings, files written by SELECT and other write-like statements with the reason", () => {
    rejects("SET GLOBAL wait_timeout = 5", /^only SELECT is allowed: found a SET statement$/);
    rejects("set session sql_mode = ''", /^only SELECT is allowed: found a SET statement$/);
    rejects("SELECT * FROM ds_001_v1 INTO DUMPFILE '/tmp/x'", /^SELECT \.\.\. INTO is not allowed$/);
    rejects("SELECT * FROM ds_001_v1 INTO OUTFILE '/tmp/x'", /^SELECT \.\.\. INTO is not allowed$/);
    rejects("SELECT id INTO @v FROM ds_001_v1", /INTO is not allowed|variables/);
    rejects("INSERT INTO ds_001_v1 (id) VALUES (1)", /^only SELECT is allowed: found an INSERT statement$/);
    rejects("ALTER TABLE ds_001_v1 ADD COLUMN x INT", /^only SELECT is allowed: found an ALTER statement$/);
  });

  it("refuses statements that do not parse", () => {
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
  it("pins the reasons given for SQL that does not parse or is not one SELECT", () => {
    rejects(
      "SELEC * FROM ds_001_v1",
      /^not a valid MySQL SELECT statement: Expected "#", "--", "\/\*", ":=", "=", or \[ \\t\\n\\r\] but "\*" found\.$/,
    );
    rejects("", /^exactly one statement is allowed, found 0$/);
    rejects(" ; SELECT 1", /^exactly one statement is allowed, found 2$/);
    rejects(";", /^only SELECT is allowed: found an unknown statement$/);
    rejects("SHOW TABLES", /^only SELECT is allowed: found a SHOW statement$/);
    rejects("DELETE FROM ds_001_v1", /^only SELECT is allowed: found a DELETE statement$/);
    rejects("SELECT @a := amount FROM ds_001_v1", /^assignments \(:=\) are not allowed$/);
    expect(guardSql("SELECT 1 FROM ds_001_v1;", options).sql).to.equal("SELECT 1 FROM `ds_001_v1` LIMIT 101");
  });

  it("keeps only the first 200 characters of the first line of the parser's complaint", () => {
    const prefix = "not a valid MySQL SELECT statement: ";
    let message = "";
    try {
      guardSql("SELECT ;", options);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.startsWith(`${prefix}Expected "!", "#", "$", "'", "(", "*", "+", "-"`), message).to.equal(true);
    expect(message).to.have.length(prefix.length + 200);
  });

  it("reports the tables read sorted, and pins the row limit at the boundary", () => {
    const guarded = guardSql("SELECT * FROM ds_002_v1 b JOIN ds_001_v1 a ON a.id = b.col_1", options);
    expect(guarded.tables).to.deep.equal(["ds_001_v1", "ds_002_v1"]);
    for (const [sql, rewritten, fetchLimit] of [
      ["SELECT * FROM ds_001_v1 LIMIT 100", "SELECT * FROM `ds_001_v1` LIMIT 100", 100],
      ["SELECT * FROM ds_001_v1 LIMIT 101", "SELECT * FROM `ds_001_v1` LIMIT 101", 101],
      ["SELECT * FROM ds_001_v1 LIMIT 3", "SELECT * FROM `ds_001_v1` LIMIT 3", 3],
      ["SELECT * FROM ds_001_v1 LIMIT 0", "SELECT * FROM `ds_001_v1` LIMIT 0", 0],
      ["SELECT * FROM ds_001_v1 LIMIT 5000", "SELECT * FROM `ds_001_v1` LIMIT 101", 101],
    ] as const) {
      expect(guardSql(sql, options), sql).to.deep.equal({ sql: rewritten, tables: ["ds_001_v1"], fetchLimit });
    }
  });

  it("refuses a LIMIT or OFFSET that is not a plain integer literal", () => {
    for (const sql of [
      "SELECT * FROM ds_001_v1 LIMIT ?",
      "SELECT * FROM ds_001_v1 LIMIT 10 OFFSET ?",
      "SELECT * FROM ds_001_v1 LIMIT ?, 10",
      "SELECT * FROM ds_001_v1 LIMIT 1.5",
      "SELECT * FROM ds_001_v1 LIMIT 1e3",
      "SELECT * FROM ds_001_v1 LIMIT 9007199254740993",
    ]) {
      rejects(sql, /^LIMIT must be a plain integer$/);
    }
  });

  it("rewrites a tree's LIMIT: adds one where the tree has none, refuses counts that are not number literals", () => {
    const empty = tree("SELECT * FROM ds_001_v1");
    empty.limit = { seperator: "", value: [] };
    expect(applyLimit(empty, 100)).to.deep.equal({ sql: "SELECT * FROM `ds_001_v1` LIMIT 101", fetchLimit: 101 });
    for (const count of [
      { type: "origin", value: 5 },
      { type: "bigint", value: 5 },
      { type: "number", value: 2 ** 60 },
      { type: "number", value: "5" },
      5,
      null,
    ]) {
      const ast = tree("SELECT * FROM ds_001_v1 LIMIT 5");
      ast.limit.value[0] = count;
      rejects(JSON.stringify(count), /^LIMIT must be a plain integer$/, () => applyLimit(ast, 100));
    }
  });

  it("walks join conditions, derived tables, parenthesised FROM lists and CTE bodies for functions", () => {
    for (const sql of [
      "SELECT * FROM ds_001_v1 a JOIN ds_002_v1 b ON SLEEP(1) = 0",
      "SELECT * FROM (SELECT SLEEP(1) FROM ds_001_v1) t",
      "SELECT * FROM (ds_001_v1 JOIN ds_002_v1 ON SLEEP(1) = 0)",
      "WITH t AS (SELECT SLEEP(1) FROM ds_001_v1) SELECT * FROM t",
    ]) {
      rejects(sql, /^function SLEEP is not allowed$/);
    }
  });

  it("refuses a CTE name used as a table of the datasets schema", () => {
    rejects("WITH t AS (SELECT * FROM ds_001_v1) SELECT * FROM one_data_datasets.t", /^table t is not a registered dataset table$/);
  });

  it("lets the parser's table list catch what the walk does not see (tables inside a parenthesised FROM list)", () => {
    rejects("SELECT * FROM (ds_001_v1, secrets)", /^table secrets is not a registered dataset table$/);
    rejects("SELECT * FROM (ds_001_v1, mysql.user)", /^schema mysql is not allowed: only registered dataset tables can be queried$/);
  });

  describe("the scope of CTE names (MySQL's: a WITH clause's names are visible in its SELECT, its subqueries and the CTEs after them)", () => {
    it("refuses a table named like a CTE of a derived table, read next to it (the leak: the real table would be read)", () => {
      rejects(
        "SELECT * FROM (WITH secrets AS (SELECT 1 AS a) SELECT a FROM secrets) x JOIN secrets s ON 1 = 1",
        /^table secrets is not a registered dataset table$/,
      );
    });

    it("does not let a CTE of a derived table or subquery reach a sibling or the outer query", () => {
      for (const sql of [
        "SELECT * FROM (WITH c AS (SELECT 1 AS a) SELECT a FROM c) x JOIN (SELECT a FROM c) y ON 1 = 1",
        "SELECT * FROM ds_001_v1 WHERE id IN (WITH c AS (SELECT 1) SELECT * FROM c) AND id IN (SELECT * FROM c)",
        "SELECT (WITH c AS (SELECT 1 AS a) SELECT a FROM c) AS v FROM c",
        "SELECT * FROM ds_001_v1 WHERE EXISTS (SELECT * FROM (WITH c AS (SELECT 1) SELECT * FROM c) x) AND EXISTS (SELECT * FROM c)",
        "WITH a AS (WITH c AS (SELECT 1) SELECT * FROM c), b AS (SELECT * FROM c) SELECT * FROM a, b",
        "SELECT * FROM (ds_001_v1, c) WHERE EXISTS (WITH c AS (SELECT 1) SELECT * FROM c)",
        "(WITH c AS (SELECT 1) SELECT * FROM c) UNION SELECT * FROM c",
        "SELECT 1 UNION WITH c AS (SELECT 1) SELECT * FROM c UNION SELECT * FROM c",
      ]) {
        rejects(sql, /^table c is not a registered dataset table$/);
      }
    });

    it("does not let a CTE reach its own body (unless RECURSIVE) or the CTEs before it", () => {
      for (const sql of [
        "WITH c AS (SELECT * FROM c) SELECT * FROM c",
        "WITH a AS (SELECT * FROM c), c AS (SELECT 1) SELECT * FROM a",
        "WITH RECURSIVE a AS (SELECT * FROM c), c AS (SELECT 1) SELECT * FROM a",
      ]) {
        rejects(sql, /^table c is not a registered dataset table$/);
      }
    });

    it("lets a CTE be read in its query, its subqueries, the CTEs after it, the rest of its UNION and, if RECURSIVE, its own body", () => {
      for (const [sql, tables] of [
        ["WITH c AS (SELECT id FROM ds_001_v1) SELECT * FROM (SELECT * FROM c) x WHERE x.id IN (SELECT id FROM c)", ["ds_001_v1"]],
        ["WITH a AS (SELECT id FROM ds_001_v1), b AS (SELECT * FROM a) SELECT * FROM b", ["ds_001_v1"]],
        ["WITH a AS (SELECT id FROM ds_001_v1) SELECT * FROM (WITH b AS (SELECT * FROM a) SELECT * FROM b) t", ["ds_001_v1"]],
        ["WITH a AS (SELECT id FROM ds_001_v1) SELECT * FROM a UNION SELECT * FROM a", ["ds_001_v1"]],
        ["WITH c AS (SELECT 1) SELECT * FROM (ds_002_v1, c)", ["ds_002_v1"]],
        ["WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r", []],
        ["WITH RECURSIVE a AS (SELECT 1 AS n), b AS (SELECT n FROM a UNION ALL SELECT n + 1 FROM b WHERE n < 3) SELECT * FROM b", []],
      ] as const) {
        expect(guardSql(sql, options).tables, sql).to.deep.equal(tables);
      }
    });

    it("lets a CTE shadow a registered table, and reports the table read where the CTE is not in scope", () => {
      expect(guardSql("WITH ds_001_v1 AS (SELECT * FROM ds_002_v1) SELECT * FROM ds_001_v1", options).tables).to.deep.equal(["ds_002_v1"]);
      expect(
        guardSql("WITH ds_001_v1 AS (SELECT * FROM ds_001_v1 WHERE amount > 0) SELECT * FROM ds_001_v1", options).tables,
      ).to.deep.equal(["ds_001_v1"]);
      const sql = "SELECT * FROM (WITH ds_001_v1 AS (SELECT 1 AS a) SELECT a FROM ds_001_v1) x JOIN ds_001_v1 ON 1 = 1";
      expect(guardSql(sql, options).tables).to.deep.equal(["ds_001_v1"]);
      // Read as a real table somewhere, the name is not one the table list may take for a CTE.
      expect(walk(tree(sql))).to.deep.equal({ tables: ["ds_001_v1"], cteNames: new Set() });
    });

    it("reports the tables of a parenthesised FROM list, and refuses the unregistered ones in the walk itself", () => {
      expect(guardSql("SELECT * FROM (ds_001_v1, ds_002_v1)", options).tables).to.deep.equal(["ds_001_v1", "ds_002_v1"]);
      expect(guardSql("SELECT * FROM (ds_002_v1 JOIN ds_001_v1 ON 1 = 1)", options).tables).to.deep.equal(["ds_001_v1", "ds_002_v1"]);
      rejects("SELECT * FROM (ds_001_v1, secrets)", /^table secrets is not a registered dataset table$/, (sql) => walk(tree(sql)));
      rejects("SELECT * FROM (ds_001_v1, mysql.user)", /^schema mysql is not allowed/, (sql) => walk(tree(sql)));
    });
  });

  describe("the tree walk, on trees the parser builds and on edited ones (the first layer)", () => {
    it("returns the dataset tables read, sorted, and the CTE names", () => {
      const walked = walk(tree("WITH Recent AS (SELECT * FROM ds_002_v1) SELECT * FROM recent JOIN DS_001_V1 ON 1 = 1"));
      expect(walked.tables).to.deep.equal(["ds_001_v1", "ds_002_v1"]);
      expect([...walked.cteNames]).to.deep.equal(["recent"]);
      expect(walk(tree("SELECT 1 FROM dual"))).to.deep.equal({ tables: [], cteNames: new Set() });
    });

    it("refuses tables that are not registered, and schemas but the datasets one, on its own", () => {
      rejects("SELECT * FROM Secrets", /^table Secrets is not a registered dataset table$/, (sql) => walk(tree(sql)));
      rejects("SELECT * FROM mysql.user", /^schema mysql is not allowed/, (sql) => walk(tree(sql)));
      const single = tree("SELECT 1");
      single.from = { db: null, table: "secrets", as: null };
      rejects("FROM as one node", /^table secrets is not a registered dataset table$/, () => walk(single));
    });

    it("takes a FROM item without a schema, or with an empty one, as unqualified, and skips items that are not nodes", () => {
      for (const item of [{ table: "ds_001_v1" }, { db: "", table: "ds_001_v1" }, { db: "ONE_DATA_DATASETS", table: "ds_001_v1" }]) {
        const ast = tree("SELECT 1");
        ast.from = [item, null, "x"];
        expect(walk(ast).tables, JSON.stringify(item)).to.deep.equal(["ds_001_v1"]);
      }
    });

    it("refuses statements nested anywhere in the tree, naming them", () => {
      for (const nested of [
        "DELETE FROM ds_001_v1",
        "UPDATE ds_001_v1 SET amount = 0",
        "INSERT INTO ds_001_v1 VALUES (1)",
        "DROP TABLE ds_001_v1",
      ]) {
        const ast = tree("SELECT * FROM ds_001_v1");
        ast.where = tree(nested);
        const type = String(ast.where.type).toUpperCase();
        rejects(nested, new RegExp(`^only SELECT is allowed: found ${article(type)} ${type} statement$`), () => walk(ast));
      }
      for (const type of [
        "insert",
        "Update",
        "delete",
        "replace",
        "create",
        "drop",
        "alter",
        "truncate",
        "rename",
        "call",
        "grant",
        "revoke",
        "load_data",
      ]) {
        const ast = tree("SELECT * FROM ds_001_v1");
        ast.columns[0].expr = { type };
        rejects(type, new RegExp(`^only SELECT is allowed: found ${article(type)} ${type.toUpperCase()} statement$`), () => walk(ast));
      }
    });

    it("refuses subqueries and CTE bodies that are not a SELECT tree", () => {
      for (const body of [{ type: "show", keyword: "tables" }, tree("UPDATE ds_001_v1 SET amount = 0"), null, "SELECT 1"]) {
        const ast = tree("SELECT * FROM ds_001_v1 WHERE id IN (SELECT id FROM ds_001_v1)");
        ast.where.right.ast = body;
        rejects(JSON.stringify(body), /^only SELECT is allowed in subqueries and common table expressions$/, () => walk(ast));
      }
      const cte = tree("WITH t AS (SELECT 1) SELECT * FROM t");
      cte.with[0].stmt.ast = { type: "show", keyword: "tables" };
      rejects("CTE", /^only SELECT is allowed in subqueries and common table expressions$/, () => walk(cte));
    });

    it("checks the body of a CTE that has no name, and registers no name for it", () => {
      const ast = tree("WITH t AS (SELECT * FROM ds_002_v1) SELECT * FROM ds_001_v1");
      delete ast.with[0].name;
      expect(walk(ast)).to.deep.equal({ tables: ["ds_001_v1", "ds_002_v1"], cteNames: new Set() });
      ast.with[0].stmt = tree("SELECT SLEEP(1)");
      rejects("nameless CTE", /^function SLEEP is not allowed$/, () => walk(ast));
    });

    it("refuses any part of an INTO clause", () => {
      for (const into of [{ position: "from" }, { keyword: "OUTFILE" }, { expr: { type: "single_quote_string", value: "/tmp/x" } }]) {
        const ast = tree("SELECT * FROM ds_001_v1");
        ast.into = into;
        rejects(JSON.stringify(into), /^SELECT \.\.\. INTO is not allowed$/, () => walk(ast));
      }
    });

    it("checks function names however the tree spells them", () => {
      const withName = (name: unknown) => {
        const ast = tree("SELECT ABS(1)");
        ast.columns[0].expr.name = name;
        return ast;
      };
      expect(walk(withName("abs")).tables).to.deep.equal([]);
      expect(walk(withName({ name: [{ type: "default", value: "Round" }] })).tables).to.deep.equal([]);
      for (const [name, message] of [
        ["sleep", "function SLEEP is not allowed"],
        [undefined, "function ? is not allowed"],
        [{ name: [{ type: "default" }] }, "function ? is not allowed"],
        [{ schema: { type: "default", value: "mysql" } }, "function MYSQL is not allowed"],
        [{ name: [{ type: "default", value: "abs" }], schema: { type: "default", value: "mysql" } }, "function MYSQL.ABS is not allowed"],
      ] as const) {
        rejects(JSON.stringify(name) ?? "undefined", new RegExp(`^${message.replace(/[.?]/g, "\\$&")}$`), () => walk(withName(name)));
      }
    });

    it("checks aggregate names against their own allow-list", () => {
      const ast = tree("SELECT count(*) FROM ds_001_v1");
      expect(walk(ast).tables).to.deep.equal(["ds_001_v1"]);
      ast.columns[0].expr.name = "SLEEP";
      rejects("aggregate SLEEP", /^aggregate SLEEP is not allowed$/, () => walk(ast));
    });

    it("visits each subtree once: deep nestings of derived tables and of CTEs are walked in linear time", () => {
      // A walk that also descended into FROM or WITH generically would visit every level twice per level above it
      // (2^40 here): it would not finish within the test's timeout, whatever the machine.
      let derived = tree("SELECT * FROM ds_001_v1");
      let ctes = tree("SELECT * FROM ds_002_v1");
      for (let depth = 0; depth < 40; depth++) {
        const outer = tree("SELECT * FROM (SELECT 1) AS t");
        outer.from[0].expr.ast = derived;
        derived = outer;
        const withOuter = tree("WITH c AS (SELECT 1) SELECT * FROM c");
        withOuter.with[0].stmt.ast = ctes;
        ctes = withOuter;
      }
      expect(walk(derived).tables).to.deep.equal(["ds_001_v1"]);
      expect(walk(ctes).tables).to.deep.equal(["ds_002_v1"]);
    });
  });
});
