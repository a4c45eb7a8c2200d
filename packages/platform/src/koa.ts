// Keeps the body parser's `ctx.request.body` typing in the emitted koa.d.ts:
// services compiled against platform's dist (the images) rely on it.
/// <reference types="@koa/bodyparser" preserve="true" />
import type { Context, Middleware, Next } from "koa";
import { bodyParser } from "@koa/bodyparser";
import type { z } from "zod";
import { AppError, ErrorCode, internal, invalidRequest, isAppError, malformedJson, methodNotAllowed, payloadTooLarge } from "./errors.js";
import { errorBody } from "./envelope.js";
import type { Logger } from "./logger.js";

/**
 * The methods our routers serve (`new Router({ methods: servedMethods })`):
 * OPTIONS is not among them, since no service answers CORS preflights, so
 * the router's allowedMethods() refuses it like TRACE or PROPFIND.
 */
export const servedMethods = ["HEAD", "GET", "PUT", "PATCH", "POST", "DELETE"];

/** Errors thrown by Koa's own helpers and body parsers carry `status`/`expose`. */
interface HttpLikeError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
  message?: string;
}

/** Any failure as an AppError with a stable code; what is not a known client error becomes a generic 500. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const http = (typeof error === "object" && error !== null ? error : {}) as HttpLikeError;
  const status = http.status ?? http.statusCode;
  if (status === 413 || http.type === "entity.too.large") return payloadTooLarge("request body is too large");
  if (status === 400 && (http.type === "entity.parse.failed" || /JSON/i.test(http.message ?? ""))) {
    return malformedJson("request body is not valid JSON");
  }
  // A router's allowedMethods({ throw: true }) throws 501 for methods it does not know (TRACE, PROPFIND): still the client's.
  if (status === 405 || status === 501) return new AppError(405, ErrorCode.methodNotAllowed, "method not allowed on this path");
  if (status !== undefined && status >= 400 && status < 500 && http.expose) {
    return new AppError(status, status * 100 + 1, http.message ?? "bad request");
  }
  return internal("internal error");
}

/** The body a failure is answered with; routes that speak another API's error format (OpenAI's) supply their own. */
export type ErrorBodyShape = (error: AppError, ctx: Context) => unknown;

/**
 * Turns every failure into the envelope (or `shape`'s body) with a stable
 * code. Unexpected errors are logged with their stack and answered with a
 * generic 500: stacks never reach clients. A dependency down or slow (our
 * own 503/504) is logged as a warning.
 */
export function errorEnvelope(log: Logger, shape: ErrorBodyShape = errorBody): Middleware {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError(404, ErrorCode.notFound, `no route for ${ctx.method} ${ctx.path}`);
      }
      // A router's allowedMethods() answers a served path asked with another method 405 (501 for a method it
      // does not know, TRACE or PROPFIND) with its Allow header and no body: the client gets the envelope's 405.
      // A method it does not know on a path it does not serve has no Allow: that is a path not found.
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) {
        const allowed = ctx.response.get("Allow").split(", ").filter(Boolean);
        if (allowed.length === 0) throw new AppError(404, ErrorCode.notFound, `no route for ${ctx.method} ${ctx.path}`);
        throw methodNotAllowed(`${ctx.method} is not allowed on ${ctx.path}; allowed: ${allowed.join(", ")}`, { allowed });
      }
    } catch (error) {
      const appError = toAppError(error);
      if ((appError.status === 503 || appError.status === 504) && isAppError(error)) {
        // A dependency down or slow is an answer we chose (503/504), not a bug: a warning, its cause's message, no stack.
        const cause = error.cause instanceof Error ? error.cause.message : undefined;
        log.warn({ method: ctx.method, path: ctx.path, code: appError.code, details: appError.details, cause }, appError.message);
      } else if (appError.status >= 500) {
        log.error({ err: error, method: ctx.method, path: ctx.path, code: appError.code }, appError.message);
      }
      ctx.status = appError.status;
      ctx.body = shape(appError, ctx);
    }
  };
}

/**
 * One access-log line per request with the status the client got. Mount it
 * outside `errorEnvelope`; should a failure still pass through it, the status
 * logged is the one the envelope will answer, never Koa's default 404.
 */
export function requestLog(log: Logger): Middleware {
  return async (ctx: Context, next: Next) => {
    const started = performance.now();
    let status: number | undefined;
    try {
      await next();
    } catch (error) {
      status = toAppError(error).status;
      throw error;
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      log.info({ method: ctx.method, path: ctx.path, status: status ?? ctx.status, ms }, "request");
    }
  };
}

/**
 * JSON bodies only, with a size limit; malformed JSON becomes a 400 with code
 * 40002. Every failure to parse is the client's: the parser also refuses
 * `__proto__` keys with a bare SyntaxError, which would otherwise be a 500.
 */
export function jsonBody(limit: string): Middleware {
  return bodyParser({
    enableTypes: ["json"],
    jsonLimit: limit,
    encoding: "utf-8",
    onError: (error) => {
      const appError = toAppError(error);
      throw appError.status < 500 ? appError : malformedJson("request body is not valid JSON", undefined, error);
    },
  });
}

/** Validates a value against a zod schema, turning issues into a 400 that lists them. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = "request"): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    field: issue.path.join(".") || what,
    problem: issue.message,
  }));
  const first = issues[0];
  throw invalidRequest(first ? `invalid ${what}: ${first.field}: ${first.problem}` : `invalid ${what}`, { issues });
}

/** The part of a router (@koa/router's public `match`) that says which routes a path and method reach. */
interface RouteMatcher {
  match(
    path: string,
    method: string,
  ): { path: readonly { readonly methods: readonly string[]; readonly paramNames: readonly unknown[] }[] };
}

/**
 * Goes before a router's routes(): where a literal route matches the path (`/datasets/upload`), routes with
 * parameters that also match it (`/datasets/:id`) are another resource. A method the literal route does not
 * serve is answered 405 with the literal route's Allow (the envelope gives it its code), as the API document
 * says, instead of reaching the parameter route or being allowed in its name.
 */
export function literalRoutesFirst(router: RouteMatcher): Middleware {
  return async (ctx: Context, next: Next) => {
    const literal = router.match(ctx.path, ctx.method).path.filter((layer) => layer.methods.length > 0 && layer.paramNames.length === 0);
    const allowed = [...new Set(literal.flatMap((layer) => layer.methods))];
    if (allowed.length > 0 && !allowed.includes(ctx.method)) {
      ctx.set("Allow", allowed.join(", "));
      ctx.status = 405;
      return;
    }
    await next();
  };
}
