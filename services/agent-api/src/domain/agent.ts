import type { ChatAnswer } from "@one-data/agent-api-contract";
import type { VectorSearchHit } from "@one-data/data-api-contract";
import { ErrorCode, isAppError } from "@one-data/platform";
import { renderDecline, renderNoQuery, renderSqlAnswer, sourcesFooter } from "./answer.js";
import { vocabularyOf, type Catalog, type TableMeta } from "./catalog.js";
import { choiceMessages, choiceSchema, pickedOption } from "./plan/choice.js";
import { readDefinitions } from "./plan/definitions.js";
import { planQuery, type Choice } from "./plan/plan.js";
import { cachedFor } from "./ttl-cache.js";
import type { ChatTurn } from "./conversation.js";
import { languageOf, type Language } from "./language.js";
import { chatMessages, documentMessages, queryMessages, type FailedAttempt } from "./prompts.js";
import { citationsOf, sqlProvenance, tableStructure } from "./provenance.js";
import { QueryRejectedError, type CompletionRequest, type DataPort, type ModelPort } from "./ports.js";
import {
  decideRoute,
  detectIntent,
  followUpQuestion,
  hasDataCue,
  relevantHits,
  salientTerms,
  widenVocabulary,
  type Route,
} from "./router.js";
import type { Sources, SqlProvenance, TableStructure } from "./sources.js";
import { buildQuerySchema, maxQueryLimit, parseStructuredQuery, type StructuredQuery } from "./structured-query.js";
import { clearWinner, pickTables } from "./table-choice.js";
import { compileQuery, QueryCompileError } from "./sql-compiler.js";
import { isWriteRequest, refusalOf } from "./write-request.js";
import { disarmHits } from "./instructions.js";
import { plainContext, ReplyGuard } from "./reply-guard.js";
import { budgetOf, defaultBudgets, routeDeadlineExceeded, type Budget, type RouteBudgets } from "./budgets.js";

export const maxQueryRetries = 2;
const searchTopK = 4;
/** A data question looks further down the ranking: it keeps only chunks defining its terms, and several glossaries compete. */
const definitionSearchTopK = 8;

/** The contract's chat answer before a conversation is attached to it (conversations.ts). */
export type AgentAnswer = Omit<ChatAnswer, "conversation_id">;

interface AskOptions {
  history?: ChatTurn[];
  onDelta?: (text: string) => void;
}

export interface Agent {
  ask(question: string, options?: AskOptions): Promise<AgentAnswer>;
}

/** Adds up the time spent waiting on each dependency, so overhead can be told apart from model time. */
class Stopwatch {
  modelMs = 0;
  servedModel: string | null = null;
  dataMs = 0;
  readonly started = performance.now();

  async model<T>(work: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await work();
    } finally {
      this.modelMs += performance.now() - t;
    }
  }

  async data<T>(work: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await work();
    } finally {
      this.dataMs += performance.now() - t;
    }
  }

  timings(): AgentAnswer["timings"] {
    const round = (ms: number) => Math.round(ms * 1000) / 1000;
    return { model_ms: round(this.modelMs), data_api_ms: round(this.dataMs), total_ms: round(performance.now() - this.started) };
  }
}

/**
 * What a data question produced: the SQL behind the figures, or, when the
 * model gave no usable query within the retries, the problems it hit. Either
 * way, the table structures the model was given.
 */
interface QueryOutcome {
  sql?: SqlProvenance;
  tables: TableStructure[];
  failures: FailedAttempt[];
  /** Why the question cannot be answered from the data (then no query ran and no figure is given). */
  declined?: string;
  /** The document chunks whose definitions the query applies. */
  definitions?: VectorSearchHit[];
}

const choiceShare = 2;
const choiceMaxTokens = 64;
const valuesTtlMs = 30_000;
const maxDistinctValues = 50;

function distinctValuesQuery(table: TableMeta, column: string): StructuredQuery {
  return {
    table: table.table,
    select: [{ column, aggregate: "none" }],
    filters: [],
    group_by: [column],
    having: [],
    order_by: [],
    limit: maxDistinctValues + 1,
    count_result_rows: false,
  };
}

/** The route an answer took and what it may spend: every model call gets the route's token budget and what is left of its deadline. */
interface Allowance {
  route: Route;
  budget: Budget;
  watch: Stopwatch;
}

export function createAgent(deps: { model: ModelPort; data: DataPort; budgets?: RouteBudgets }): Agent {
  const { model, data } = deps;
  const budgets = deps.budgets ?? defaultBudgets;
  const valueCaches = new Map<string, () => Promise<Map<string, string[]>>>();

  /**
   * One model call within the route's budget. `share` is how many model calls the answer may still need,
   * this one included: the call gets that share of what is left of the deadline, so a slow first call
   * leaves time for the rest and for saying in the reply what could not be had.
   */
  async function complete(
    allowance: Allowance,
    request: Omit<CompletionRequest, "maxTokens" | "timeoutMs">,
    onDelta?: (text: string) => void,
    share = 1,
    maxTokens = allowance.budget.maxTokens,
  ): Promise<string> {
    const { route, budget, watch } = allowance;
    const remainingMs = Math.floor(watch.started + budget.timeoutMs - performance.now());
    if (remainingMs <= 0) throw routeDeadlineExceeded(route, "model", budget);
    const bounded: CompletionRequest = {
      ...request,
      maxTokens: Math.min(maxTokens, budget.maxTokens),
      timeoutMs: Math.max(1, Math.floor(remainingMs / share)),
    };
    try {
      return await watch.model(async () => {
        watch.servedModel = await model.modelName();
        return onDelta ? model.stream(bounded, onDelta) : model.complete(bounded);
      });
    } catch (error) {
      // The model's own cap (MODEL_TIMEOUT_MS) may have ended it earlier; only the route's deadline is reported as such.
      if (isAppError(error) && error.code === ErrorCode.dependencyTimeout && performance.now() >= watch.started + budget.timeoutMs - 10) {
        throw routeDeadlineExceeded(route, "model", budget, error);
      }
      throw error;
    }
  }

  /** The model's pick for one open decision, or undefined when it picked none in its share of the deadline. */
  async function choose(allowance: Allowance, question: string, choice: Choice, described?: string[]): Promise<string | undefined> {
    try {
      const reply = await complete(
        allowance,
        { messages: choiceMessages(question, choice, described), jsonSchema: choiceSchema(choice), temperature: 0 },
        undefined,
        choiceShare,
        choiceMaxTokens,
      );
      return pickedOption(reply, choice);
    } catch (error) {
      if (isAppError(error) && error.code === ErrorCode.dependencyTimeout) return undefined;
      throw error;
    }
  }

  async function distinctValues(allowance: Allowance, table: TableMeta): Promise<Map<string, string[]>> {
    const key = `${table.table}@${table.version}`;
    let load = valueCaches.get(key);
    if (!load) {
      load = cachedFor(valuesTtlMs, async () => {
        const text = table.columns.filter((c) => c.type === "string");
        const lists = await Promise.all(
          text.map(async (column) => {
            const compiled = compileQuery(distinctValuesQuery(table, column.name), { tables: [table] });
            const result = await data.query(compiled.sql, maxDistinctValues + 1);
            const values = result.rows.map((row) => row[column.name]).filter((v): v is string => typeof v === "string");
            return [column.name, values.length > maxDistinctValues ? [] : values] as const;
          }),
        );
        return new Map(lists);
      });
      valueCaches.set(key, load);
    }
    return allowance.watch.data(load);
  }

  /** `hits` may define terms the question uses; `relevant` are the ones the router judged to define them, offered on the open path. */
  async function queryData(
    allowance: Allowance,
    question: string,
    catalog: Catalog,
    hits: VectorSearchHit[],
    relevant: VectorSearchHit[],
  ): Promise<QueryOutcome> {
    const offered = pickTables(catalog, question);
    const structures = offered.tables.map(tableStructure);
    let table = clearWinner(offered, question);
    if (!table && offered.tables.length > 1) {
      const picked = await choose(
        allowance,
        question,
        { decision: "the table the question is about", options: offered.tables.map((t) => t.table) },
        offered.tables.map((t) => `${t.table}: dataset ${t.dataset_name}${t.description ? `, ${t.description}` : ""}`),
      );
      table = offered.tables.find((t) => t.table === picked);
      if (!table)
        return {
          tables: structures,
          failures: [],
          declined: "the model did not pick one of the tables offered within its share of the deadline",
        };
    }
    if (!table) return { tables: structures, failures: [], declined: "no table to query" };
    const plan = await planQuery({
      question,
      table,
      values: await distinctValues(allowance, table),
      definitions: readDefinitions(hits, table),
      choose: (choice) => choose(allowance, question, choice),
    });
    if (plan.kind === "decline") return { tables: [tableStructure(table)], failures: [], declined: plan.reason };
    if (plan.kind === "query") {
      const used = new Set(plan.definitions.map((d) => d.chunkId));
      const definitions = hits.filter((h) => used.has(h.chunk_id));
      try {
        const compiled = compileQuery(plan.query, { tables: [table] });
        const result = await allowance.watch.data(() => data.query(compiled.sql, maxQueryLimit));
        return { sql: sqlProvenance(table, compiled.sql, result, 1), tables: [tableStructure(table)], failures: [], definitions };
      } catch (error) {
        if (error instanceof QueryCompileError || error instanceof QueryRejectedError) {
          return { tables: [tableStructure(table)], failures: [{ reply: "", problem: error.message }], definitions };
        }
        throw error;
      }
    }
    return writeQuery(allowance, question, offered, relevant);
  }

  /** The open path: the model writes the whole structured query under the catalog's JSON schema, errors fed back. */
  async function writeQuery(
    allowance: Allowance,
    question: string,
    tables: Catalog,
    definitions: VectorSearchHit[],
  ): Promise<QueryOutcome> {
    const structures = tables.tables.map(tableStructure);
    const schema = buildQuerySchema(tables);
    const failures: FailedAttempt[] = [];
    const attempts = 1 + maxQueryRetries;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let reply: string;
      try {
        reply = await complete(
          allowance,
          {
            messages: queryMessages({ question, tables: tables.tables, definitions, failures }),
            jsonSchema: { name: "structured_query", schema: schema.jsonSchema },
            temperature: 0,
          },
          undefined,
          attempts - attempt + 1,
        );
      } catch (error) {
        // Out of time for this attempt: said in the reply, not as a bare 504.
        if (isAppError(error) && error.code === ErrorCode.dependencyTimeout) {
          failures.push({ reply: "", problem: error.message });
          if (performance.now() >= allowance.watch.started + allowance.budget.timeoutMs) break;
          continue;
        }
        throw error;
      }
      const parsed = parseStructuredQuery(schema, reply);
      if (!parsed.ok) {
        failures.push({ reply: reply.slice(0, 2000), problem: parsed.problem });
        continue;
      }
      try {
        const compiled = compileQuery(parsed.query, tables);
        const result = await allowance.watch.data(() => data.query(compiled.sql, maxQueryLimit));
        return { sql: sqlProvenance(compiled.table, compiled.sql, result, attempt), tables: structures, failures, definitions };
      } catch (error) {
        if (error instanceof QueryCompileError || error instanceof QueryRejectedError) {
          failures.push({ reply: reply.slice(0, 2000), problem: error.message });
          continue;
        }
        throw error;
      }
    }
    return { tables: structures, failures, definitions };
  }

  async function answerFromDocuments(
    allowance: Allowance,
    question: string,
    hits: VectorSearchHit[],
    history: ChatTurn[],
    language: Language,
    guard: ReplyGuard,
    stream: boolean,
  ): Promise<Sources> {
    if (hits.length === 0) {
      guard.push(language === "zh" ? "没有找到与这个问题相关的文档。" : "No document matched this question.");
      return { documents: [] };
    }
    const readable = disarmHits(hits).hits;
    const messages = documentMessages({ question, hits: readable, history, language });
    const text = await complete(allowance, { messages, temperature: 0.2 }, stream ? (delta) => guard.push(delta) : undefined);
    if (!stream) guard.push(text);
    const citations = citationsOf(hits);
    guard.push(sourcesFooter(citations, language));
    return { documents: citations };
  }

  return {
    async ask(asked, options = {}) {
      const watch = new Stopwatch();
      const history = options.history ?? [];
      const language = languageOf(asked);
      const degraded: string[] = [];

      // Read-only platform: a request to change data is refused with the reason, before any dependency is asked.
      if (isWriteRequest(asked)) {
        const reply = refusalOf(language);
        options.onDelta?.(reply);
        return { reply, route: "refuse_write", model: null, sources: {}, degraded, timings: watch.timings() };
      }

      let catalog: Catalog = { tables: [] };
      try {
        catalog = await watch.data(() => data.catalog());
      } catch (error) {
        // Without table structure a data question cannot be answered honestly; anything else still can.
        if (hasDataCue(asked)) throw error;
        degraded.push("data-api");
      }
      const vocabulary = widenVocabulary(vocabularyOf(catalog));
      const followUp = followUpQuestion(asked, history, vocabulary);
      const question = followUp ?? asked;
      const intent = detectIntent(question, vocabulary);

      let hits: VectorSearchHit[] = [];
      if (intent.data || intent.docs) {
        try {
          hits = await watch.data(() => data.search(question, intent.data ? definitionSearchTopK : searchTopK));
        } catch (error) {
          if (!intent.data) throw error;
          degraded.push("knowledge-search");
        }
      }
      let definitions = intent.data ? relevantHits(question, vocabulary, hits) : hits;
      // Terms the schema does not know ("key accounts") that the question's own search did not find defined:
      // searched for on their own, since a definition ranks higher for its term than for the whole question.
      // Latin words only: the CJK bigrams a question splits into ("笔订", "据集") are mostly not terms at all.
      const unknownTerms = intent.data ? salientTerms(question, vocabulary).filter((term) => /^[a-z][a-z-]{2,}$/.test(term)) : [];
      if (intent.data && definitions.length === 0 && unknownTerms.length > 0 && !degraded.includes("knowledge-search")) {
        try {
          const more = await watch.data(() => data.search(unknownTerms.join(" "), searchTopK));
          hits = [...hits, ...more.filter((hit) => !hits.some((h) => h.chunk_id === hit.chunk_id))];
          definitions = relevantHits(question, vocabulary, hits);
        } catch {
          degraded.push("knowledge-search");
        }
      }
      let route = decideRoute(intent, definitions.length);
      const allowance: Allowance = { route, budget: budgetOf(budgets, route), watch };

      // Every reply leaves through the guard; only a model-written one is held against the documents' instructions.
      const { context: documentContext } = disarmHits(hits);
      const guard = new ReplyGuard(route === "rag" ? documentContext : plainContext, language, options.onDelta);
      const stream = options.onDelta !== undefined;
      let sources: Sources = {};
      if (route === "sql" || route === "both") {
        // Without knowledge search a term the schema does not know may have a definition the answer would miss.
        const outcome: QueryOutcome =
          degraded.includes("knowledge-search") && unknownTerms.length > 0
            ? {
                tables: pickTables(catalog, question).tables.map(tableStructure),
                failures: [],
                declined: `knowledge search is unavailable, and the question uses terms a document may define (${unknownTerms.join(", ")})`,
              }
            : await queryData(allowance, question, catalog, disarmHits(hits).hits, disarmHits(route === "both" ? definitions : []).hits);
        const applied = outcome.definitions ?? [];
        const cited = hits.filter((h) => applied.some((a) => a.chunk_id === h.chunk_id));
        if (applied.length > 0) route = "both";
        guard.push(
          outcome.sql
            ? renderSqlAnswer(outcome.sql, language, citationsOf(applied))
            : outcome.declined !== undefined
              ? renderDecline(outcome.tables, outcome.declined, language)
              : renderNoQuery(
                  outcome.tables,
                  outcome.failures.map((f) => f.problem),
                  language,
                ),
        );
        sources = {
          ...(outcome.sql
            ? { sql: outcome.sql }
            : { query_failures: outcome.declined !== undefined ? [outcome.declined] : outcome.failures.map((f) => f.problem) }),
          tables: outcome.tables,
          ...(route === "both" ? { documents: citationsOf(cited) } : {}),
        };
      } else if (route === "rag") {
        sources = await answerFromDocuments(allowance, question, hits, history, language, guard, stream);
      } else {
        const text = await complete(
          allowance,
          // Greedy: a small model's sampled reply wanders; the likeliest one is its best, and the same every time.
          { messages: chatMessages(history, question), temperature: 0 },
          stream ? (delta) => guard.push(delta) : undefined,
        );
        if (!stream) guard.push(text);
      }
      const reply = guard.finish();
      return { reply, route, model: watch.servedModel, sources, degraded, timings: watch.timings() };
    },
  };
}
