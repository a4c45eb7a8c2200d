import { sqlRejected } from "@one-data/platform";
import nodeSqlParser from "node-sql-parser";

const { Parser } = nodeSqlParser;
const parser = new Parser();
const dialect = { database: "MySQL" } as const;

/**
 * Scalar functions a query may call. An allow-list rather than a block-list:
 * anything not here (LOAD_FILE, SLEEP, BENCHMARK, GET_LOCK, SYS_EXEC, UDFs,
 * schema-qualified functions...) is refused, so a function added to a future
 * server version cannot slip through.
 */
const allowedFunctions = new Set([
  // numeric
  "ABS",
  "CEIL",
  "CEILING",
  "FLOOR",
  "ROUND",
  "TRUNCATE",
  "MOD",
  "POW",
  "POWER",
  "SQRT",
  "EXP",
  "LN",
  "LOG",
  "LOG10",
  "LOG2",
  "SIGN",
  "GREATEST",
  "LEAST",
  "PI",
  "RADIANS",
  "DEGREES",
  // conditional and null handling
  "COALESCE",
  "IFNULL",
  "NULLIF",
  "IF",
  "ISNULL",
  "EXISTS",
  // strings
  "CONCAT",
  "CONCAT_WS",
  "LENGTH",
  "CHAR_LENGTH",
  "CHARACTER_LENGTH",
  "LOWER",
  "UPPER",
  "LCASE",
  "UCASE",
  "SUBSTRING",
  "SUBSTR",
  "SUBSTRING_INDEX",
  "LEFT",
  "RIGHT",
  "TRIM",
  "LTRIM",
  "RTRIM",
  "REPLACE",
  "LOCATE",
  "INSTR",
  "POSITION",
  "LPAD",
  "RPAD",
  "REVERSE",
  "FORMAT",
  "REPEAT",
  "SPACE",
  "STRCMP",
  "FIELD",
  "FIND_IN_SET",
  "CONVERT",
  "CAST",
  // dates and times
  "DATE",
  "TIME",
  "YEAR",
  "MONTH",
  "DAY",
  "DAYOFMONTH",
  "DAYOFWEEK",
  "DAYOFYEAR",
  "WEEK",
  "WEEKDAY",
  "WEEKOFYEAR",
  "YEARWEEK",
  "QUARTER",
  "HOUR",
  "MINUTE",
  "SECOND",
  "DATE_FORMAT",
  "DATE_ADD",
  "DATE_SUB",
  "ADDDATE",
  "SUBDATE",
  "DATEDIFF",
  "TIMEDIFF",
  "TIMESTAMPDIFF",
  "TIMESTAMPADD",
  "STR_TO_DATE",
  "UNIX_TIMESTAMP",
  "FROM_UNIXTIME",
  "LAST_DAY",
  "MAKEDATE",
  "MONTHNAME",
  "DAYNAME",
  "NOW",
  "CURDATE",
  "CURRENT_DATE",
  "CURRENT_TIMESTAMP",
  "UTC_DATE",
  "UTC_TIMESTAMP",
  "TO_DAYS",
  "FROM_DAYS",
  // window functions
  "ROW_NUMBER",
  "RANK",
  "DENSE_RANK",
  "PERCENT_RANK",
  "CUME_DIST",
  "NTILE",
  "LAG",
  "LEAD",
  "FIRST_VALUE",
  "LAST_VALUE",
  "NTH_VALUE",
  // JSON readers
  "JSON_EXTRACT",
  "JSON_UNQUOTE",
  "JSON_LENGTH",
  "JSON_CONTAINS",
  "JSON_VALUE",
]);

const allowedAggregates = new Set([
  "COUNT",
  "SUM",
  "AVG",
  "MIN",
  "MAX",
  "GROUP_CONCAT",
  "STD",
  "STDDEV",
  "STDDEV_POP",
  "STDDEV_SAMP",
  "VARIANCE",
  "VAR_POP",
  "VAR_SAMP",
  "BIT_AND",
  "BIT_OR",
  "BIT_XOR",
]);

// Statement nodes that must never appear nested (ORDER BY items carry type "ASC"/"DESC", so only unambiguous names).
const statementTypes = new Set([
  "insert",
  "update",
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
]);

export interface GuardOptions {
  /** Tables of registered dataset versions, the only ones a query may read. */
  allowedTables: ReadonlySet<string>;
  /** The schema holding them (a qualified `db.table` must name this schema). */
  datasetsDatabase: string;
  /** Rows the caller wants at most. */
  limit: number;
}

export interface GuardedQuery {
  /** SQL regenerated from the checked tree, with the row limit applied: what is executed. */
  sql: string;
  /** Dataset tables the query reads. */
  tables: string[];
  /** The limit as applied; one more row than `limit` is fetched to detect truncation. */
  fetchLimit: number;
}

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function functionName(node: Node): { name: string; qualified: boolean } {
  const name = node.name as { name?: { value?: unknown }[]; schema?: unknown } | string | undefined;
  if (typeof name === "string") return { name: name.toUpperCase(), qualified: false };
  const schema = (name?.schema as { value?: unknown } | undefined)?.value;
  const parts = [...(schema === undefined ? [] : [String(schema)]), ...(name?.name ?? []).map((p) => String(p.value ?? ""))];
  return { name: parts.join(".").toUpperCase(), qualified: parts.length !== 1 };
}

function cteName(cte: Node): string | undefined {
  const name = (cte.name as { value?: unknown } | undefined)?.value;
  return typeof name === "string" ? name.toLowerCase() : undefined;
}

const fromAndWith: ReadonlySet<string> = new Set(["from", "with"]);
const fromWithAndNext: ReadonlySet<string> = new Set(["from", "with", "_next"]);

class Checker {
  readonly tables = new Set<string>();
  /** Names of FROM references bound to a CTE in scope. */
  readonly cteReferences = new Set<string>();
  /**
   * The CTE names in scope, one frame per WITH clause being walked (MySQL's
   * scoping: a WITH clause's names are visible in its SELECT, the rest of its
   * UNION, its subqueries and the CTEs defined after them; with RECURSIVE, a
   * CTE's own body too). Names compare case-insensitively, as MariaDB binds them.
   */
  private readonly scopes: Set<string | undefined>[] = [];

  constructor(private readonly options: GuardOptions) {}

  /** `unionMember`: `node` is reached through `_next`, so a WITH clause of its own scopes it alone. */
  check(node: unknown, unionMember = false): void {
    if (Array.isArray(node)) {
      for (const item of node) this.check(item);
      return;
    }
    if (!isNode(node)) return;
    const type = typeof node.type === "string" ? node.type.toLowerCase() : undefined;
    if (type !== undefined && statementTypes.has(type)) {
      throw sqlRejected(`only SELECT is allowed: found ${statementName(type)}`);
    }
    if (node.ast !== undefined && (!isNode(node.ast) || node.ast.type !== "select")) {
      throw sqlRejected("only SELECT is allowed in subqueries and common table expressions");
    }
    switch (type) {
      case "select":
        this.checkSelect(node, unionMember);
        return;
      case "var":
        throw sqlRejected("variables (@name, @@name) are not allowed");
      case "assign":
        throw sqlRejected("assignments (:=) are not allowed");
      case "function": {
        const { name, qualified } = functionName(node);
        if (qualified || !allowedFunctions.has(name)) throw sqlRejected(`function ${name || "?"} is not allowed`);
        break;
      }
      case "aggr_func": {
        const { name } = functionName(node);
        if (!allowedAggregates.has(name)) throw sqlRejected(`aggregate ${name} is not allowed`);
        break;
      }
      default:
        break;
    }
    this.checkChildren(node);
  }

  private checkChildren(node: Node, skip: ReadonlySet<string> = fromAndWith): void {
    for (const [key, value] of Object.entries(node)) {
      if (skip.has(key)) continue;
      this.check(value);
    }
  }

  private checkSelect(select: Node, unionMember: boolean): void {
    const into = select.into as Node | null | undefined;
    if (into && (into.position || into.keyword || into.expr)) throw sqlRejected("SELECT ... INTO is not allowed");
    if (select.locking_read) throw sqlRejected("locking clauses (FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE) are not allowed");
    const ctes = Array.isArray(select.with) ? (select.with as Node[]) : [];
    // One frame, filled CTE by CTE: a body sees the CTEs before it (and itself, if RECURSIVE), never those after it.
    // A CTE without a name (only in edited trees) adds `undefined`, which no table reference matches.
    const scope = new Set<string | undefined>();
    const recursive = ctes[0]?.recursive === true;
    this.scopes.push(scope);
    for (const cte of ctes) {
      if (recursive) scope.add(cteName(cte));
      this.check(cte.stmt);
      scope.add(cteName(cte));
    }
    const from = select.from;
    const items = Array.isArray(from) ? from : from ? [from] : [];
    for (const item of items) this.checkFromItem(item);
    this.checkChildren(select, fromWithAndNext);
    // The rest of a UNION: in the scope of the first SELECT's WITH, unless that one is parenthesised or a member itself.
    const scopesUnion = !unionMember && !select.parentheses_symbol;
    if (!scopesUnion) this.scopes.pop();
    this.check(select._next, true);
    if (scopesUnion) this.scopes.pop();
  }

  private inCteScope(table: string): boolean {
    return this.scopes.some((scope) => scope.has(table));
  }

  private checkFromItem(item: unknown): void {
    if (!isNode(item)) return;
    if (item.type === "dual") return;
    if (typeof item.table === "string") {
      const db = typeof item.db === "string" && item.db !== "" ? item.db : null;
      const table = item.table.toLowerCase();
      if (db !== null && db.toLowerCase() !== this.options.datasetsDatabase.toLowerCase()) {
        throw sqlRejected(`schema ${db} is not allowed: only registered dataset tables can be queried`);
      }
      if (db === null && this.inCteScope(table)) {
        // A reference to a common table expression, whose body is checked on its own.
        this.cteReferences.add(table);
      } else if (this.isAllowed(table)) {
        this.tables.add(table);
      } else {
        throw sqlRejected(`table ${item.table} is not a registered dataset table`);
      }
    }
    // A parenthesised FROM list, `FROM (a, b JOIN c ON ...)`, holds FROM items of its own.
    if (Array.isArray(item.expr)) for (const inner of item.expr) this.checkFromItem(inner);
    // Joins carry ON expressions; derived tables carry a subquery in `expr`.
    for (const [key, value] of Object.entries(item)) {
      if (key === "table" || key === "db" || key === "as") continue;
      this.check(value);
    }
  }

  private isAllowed(table: string): boolean {
    return isAllowedTable(this.options, table);
  }
}

/**
 * The tree walk on its own (the first layer; `crossCheckTableList` is the
 * second): refuses nested statements, non-SELECT subqueries, variables,
 * assignments, functions and aggregates outside the allow-lists, SELECT ...
 * INTO, locking reads and tables that are neither registered nor a CTE in
 * scope. Returns the dataset tables read (sorted) and the names every
 * reference to which the walk bound to a CTE in scope (never to a table): the
 * only names the table-list cross-check, which cannot see scopes, may take for
 * CTEs. Exported so that tests can hand it trees the parser would refuse to build.
 */
export function walkTree(ast: unknown, options: GuardOptions): { tables: string[]; cteNames: ReadonlySet<string> } {
  const checker = new Checker(options);
  checker.check(ast);
  const cteNames = new Set([...checker.cteReferences].filter((name) => !checker.tables.has(name)));
  return { tables: [...checker.tables].sort(), cteNames };
}

function isAllowedTable(options: GuardOptions, table: string): boolean {
  for (const allowed of options.allowedTables) if (allowed.toLowerCase() === table) return true;
  return false;
}

/**
 * The parser's own list of every table the statement touches
 * ("operation::schema::table"): a second check, independent of the tree walk,
 * on the operation, the schema and the table of each entry. `cteNames` are the
 * names the walk bound to CTEs at every reference it saw (`walkTree`); the list
 * itself is flat and cannot tell a CTE from a table of the same name.
 */
export function crossCheckTableList(tableList: string[], options: GuardOptions, cteNames: ReadonlySet<string> = new Set()): void {
  for (const entry of tableList) {
    const [operation, db, table] = entry.split("::");
    if (operation !== "select") throw sqlRejected(`only SELECT is allowed: found ${operation?.toUpperCase()}`);
    const name = (table ?? "").toLowerCase();
    if (db && db !== "null" && db.toLowerCase() !== options.datasetsDatabase.toLowerCase()) {
      throw sqlRejected(`schema ${db} is not allowed: only registered dataset tables can be queried`);
    }
    if (!cteNames.has(name) && !isAllowedTable(options, name)) throw sqlRejected(`table ${table} is not a registered dataset table`);
  }
}

/** "a DELETE statement", "an INSERT statement", "an unknown statement". */
function statementName(type: string): string {
  const word = type === "unknown" ? type : type.toUpperCase();
  return `${/^(?:[aeio]|u(?!s|ni))/i.test(word) ? "an" : "a"} ${word} statement`;
}

/**
 * `WITH name AS (DELETE ...)`: PostgreSQL's data-modifying CTE, which MySQL's
 * grammar (and so the parser) does not know. Asked only of text that did not
 * parse, so a match changes the reason of a refusal, never what is accepted.
 */
const dataModifyingCte = /^\s*with\b[\s\S]*?\bas\s*\(\s*(insert|update|delete|replace|merge)\b/i;

function parse(sql: string): { ast: Node; tableList: string[] } {
  let ast: unknown;
  let tableList: string[];
  try {
    ast = parser.astify(sql, dialect);
    tableList = parser.tableList(sql, dialect);
  } catch (error) {
    const cte = dataModifyingCte.exec(sql);
    if (cte) throw sqlRejected(`only SELECT is allowed: found ${statementName(cte[1]!)} in a common table expression`);
    const detail = (error as Error).message.split("\n")[0]!.slice(0, 200);
    throw sqlRejected(`not a valid MySQL SELECT statement: ${detail}`);
  }
  const statements = (Array.isArray(ast) ? ast : [ast]).filter((s) => s !== null && s !== undefined);
  if (statements.length !== 1) throw sqlRejected(`exactly one statement is allowed, found ${statements.length}`);
  const statement = statements[0];
  if (!isNode(statement) || statement.type !== "select") {
    const type = isNode(statement) && typeof statement.type === "string" ? statement.type : "unknown";
    throw sqlRejected(`only SELECT is allowed: found ${statementName(type)}`);
  }
  return { ast: statement, tableList };
}

function checkTree(sql: string, options: GuardOptions): { ast: Node; tables: string[] } {
  const { ast, tableList } = parse(sql);
  const { tables, cteNames } = walkTree(ast, options);
  crossCheckTableList(tableList, options, cteNames);
  return { ast, tables };
}

function literalCount(value: unknown): number {
  if (isNode(value) && value.type === "number" && typeof value.value === "number" && Number.isSafeInteger(value.value)) {
    return value.value;
  }
  throw sqlRejected("LIMIT must be a plain integer");
}

/**
 * Applies the row limit by rewriting the tree: the query's own LIMIT is kept
 * when it is smaller, otherwise replaced by `limit + 1` (the extra row tells
 * the caller the result was truncated). UNIONs are wrapped, since their
 * trailing LIMIT belongs to the whole set. Exported for tests of the rewrite
 * on trees of shapes the parser does not produce itself.
 */
export function applyLimit(ast: Node, limit: number): { sql: string; fetchLimit: number } {
  const fetch = limit + 1;
  if (ast._next) {
    const inner = parser.sqlify(ast as never, dialect);
    return { sql: `SELECT * FROM (${inner}) AS \`limited\` LIMIT ${fetch}`, fetchLimit: fetch };
  }
  const current = ast.limit as { seperator: string; value: unknown[] } | null | undefined;
  if (!current || current.value.length === 0) {
    ast.limit = { seperator: "", value: [{ type: "number", value: fetch }] };
    return { sql: parser.sqlify(ast as never, dialect), fetchLimit: fetch };
  }
  const countIndex = current.seperator === "," ? 1 : 0;
  const count = literalCount(current.value[countIndex]);
  current.value.forEach(literalCount);
  if (count > limit) current.value[countIndex] = { type: "number", value: fetch };
  return { sql: parser.sqlify(ast as never, dialect), fetchLimit: Math.min(count, fetch) };
}

/**
 * Checks that `sql` is one read-only SELECT over registered dataset tables and
 * returns the SQL to execute, regenerated from the checked tree (so comments,
 * including MySQL's executable `/*! ... *\/` ones, never reach the server) and
 * checked once more after regeneration.
 */
export function guardSql(sql: string, options: GuardOptions): GuardedQuery {
  const { ast, tables } = checkTree(sql, options);
  const { sql: rewritten, fetchLimit } = applyLimit(ast, options.limit);
  const recheck = checkTree(rewritten, options);
  return { sql: rewritten, tables: recheck.tables.length >= tables.length ? recheck.tables : tables, fetchLimit };
}
