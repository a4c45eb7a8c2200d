import { ErrorCode, isAppError } from "@one-data/platform";
import { renderNoQuery, renderSqlAnswer, sourcesFooter } from "./answer.js";
import { vocabularyOf, type Catalog } from "./catalog.js";
import type { ChatTurn } from "./conversation.js";
import { languageOf, type Language } from "./language.js";
import { chatMessages, documentMessages, queryMessages, type FailedAttempt } from "./prompts.js";
import { citationsOf, sqlProvenance, tableStructure } from "./provenance.js";
import { QueryRejectedError, type CompletionRequest, type DataPort, type ModelPort } from "./ports.js";
import { decideRoute, detectIntent, followUpQuestion, hasDataCue, questionTokens, relevantHits, widenVocabulary, type Route } from "./router.js";
import type { SearchHit, Sources, SqlProvenance, TableStructure } from "./sources.js";
import { buildQuerySchema, maxQueryLimit, parseStructuredQuery } from "./structured-query.js";
import { pickTables } from "./table-choice.js";
import { compileQuery, QueryCompileError } from "./sql-compiler.js";
import { isWriteRequest, refusalOf } from "./write-request.js";
import { disarmHits } from "./instructions.js";
import { plainContext, ReplyGuard } from "./reply-guard.js";
import { budgetOf, defaultBudgets, routeDeadlineExceeded, type Budget, type RouteBudgets } from "./budgets.js";

export const maxQueryRetries = 2;
const searchTopK = 4;

export interface Timings {
  model_ms: number;
  data_api_ms: number;
  total_ms: number;
}

export interface AgentAnswer {
  reply: string;
  route: Route;
  /** The served model that took part in this answer (null when none was needed). */
  model: string | null;
  sources: Sources;
  /** Dependencies that failed without stopping the answer (e.g. knowledge search during a data question). */
  degraded: string[];
  timings: Timings;
}

export interface AskOptions {
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

  timings(): Timings {
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

  async function complete(allowance: Allowance, request: Omit<CompletionRequest, "maxTokens" | "timeoutMs">, onDelta?: (text: string) => void): Promise<string> {
    const { route, budget, watch } = allowance;
    const remainingMs = Math.floor(watch.started + budget.timeoutMs - performance.now());
    if (remainingMs <= 0) throw routeDeadlineExceeded(route, "model", budget);
    const bounded: CompletionRequest = { ...request, maxTokens: budget.maxTokens, timeoutMs: remainingMs };
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

  async function queryData(
    allowance: Allowance,
    question: string,
    catalog: Catalog,
    definitions: SearchHit[],
  ): Promise<QueryOutcome> {
    const tables = pickTables(catalog, question);
    const structures = tables.tables.map(tableStructure);
    const schema = buildQuerySchema(tables);
    const failures: FailedAttempt[] = [];
    for (let attempt = 1; attempt <= 1 + maxQueryRetries; attempt++) {
      const reply = await complete(allowance, {
        messages: queryMessages({ question, tables: tables.tables, definitions, failures }),
        jsonSchema: { name: "structured_query", schema: schema.jsonSchema },
        temperature: 0,
      });
      const parsed = parseStructuredQuery(schema, reply);
      if (!parsed.ok) {
        failures.push({ reply: reply.slice(0, 2000), problem: parsed.problem });
        continue;
      }
      try {
        const compiled = compileQuery(parsed.query, tables);
        const result = await allowance.watch.data(() => data.query(compiled.sql, maxQueryLimit));
        return { sql: sqlProvenance(compiled.table, compiled.sql, result, attempt), tables: structures, failures };
      } catch (error) {
        if (error instanceof QueryCompileError || error instanceof QueryRejectedError) {
          failures.push({ reply: reply.slice(0, 2000), problem: error.message });
          continue;
        }
        throw error;
      }
    }
    return { tables: structures, failures };
  }

  async function answerFromDocuments(
    allowance: Allowance,
    question: string,
    hits: SearchHit[],
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

      let hits: SearchHit[] = [];
      if (intent.data || intent.docs) {
        try {
          hits = await watch.data(() => data.search(question, searchTopK));
        } catch (error) {
          if (!intent.data) throw error;
          degraded.push("knowledge-search");
        }
      }
      const definitions = intent.data ? relevantHits(question, vocabulary, hits) : hits;
      const route = decideRoute(intent, definitions.length);
      const allowance: Allowance = { route, budget: budgetOf(budgets, route), watch };

      // Every reply leaves through the guard; only a model-written one is held against the documents' instructions.
      const { context: documentContext } = disarmHits(hits);
      const guard = new ReplyGuard(route === "rag" ? documentContext : plainContext, language, options.onDelta);
      const stream = options.onDelta !== undefined;
      let sources: Sources = {};
      if (route === "sql" || route === "both") {
        const defs = route === "both" ? definitions : [];
        const readable = disarmHits(defs).hits;
        const outcome = await queryData(allowance, question, catalog, readable);
        const documents = citationsOf(defs);
        guard.push(
          outcome.sql
            ? renderSqlAnswer(outcome.sql, language, citationsOf(readable))
            : renderNoQuery(outcome.tables, outcome.failures.map((f) => f.problem), language),
        );
        sources = {
          ...(outcome.sql ? { sql: outcome.sql } : { query_failures: outcome.failures.map((f) => f.problem) }),
          tables: outcome.tables,
          ...(route === "both" ? { documents } : {}),
        };
      } else if (route === "rag") {
        sources = await answerFromDocuments(allowance, question, hits, history, language, guard, stream);
      } else {
        const text = await complete(allowance, { messages: chatMessages(history, question, language), temperature: 0.3 }, stream ? (delta) => guard.push(delta) : undefined);
        if (!stream) guard.push(text);
      }
      const reply = guard.finish();
      return { reply, route, model: watch.servedModel, sources, degraded, timings: watch.timings() };
    },
  };
}
