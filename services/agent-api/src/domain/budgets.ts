import { AppError, ErrorCode } from "@one-data/platform";
import type { Route } from "./router.js";

/** A route's deadline for the whole answer and its token budget per model call. */
export interface Budget {
  timeoutMs: number;
  maxTokens: number;
}

/** Budgets by kind of answer: plain chat, from documents, from data (sql and both). */
export interface RouteBudgets {
  chat: Budget;
  rag: Budget;
  sql: Budget;
}

export const defaultBudgets: RouteBudgets = {
  chat: { timeoutMs: 30_000, maxTokens: 256 },
  rag: { timeoutMs: 60_000, maxTokens: 384 },
  sql: { timeoutMs: 120_000, maxTokens: 512 },
};

export function budgetOf(budgets: RouteBudgets, route: Route): Budget {
  if (route === "sql" || route === "both") return budgets.sql;
  return route === "rag" ? budgets.rag : budgets.chat;
}

/** The answer ran out of its route's deadline (a dependency was too slow for it): 504. */
export function routeDeadlineExceeded(route: Route, dependency: string, budget: Budget, cause?: unknown): AppError {
  return new AppError(
    504,
    ErrorCode.dependencyTimeout,
    `${dependency} did not answer within the ${route} route's deadline of ${budget.timeoutMs} ms`,
    { dependency, timeout_ms: budget.timeoutMs, route },
    { cause },
  );
}
