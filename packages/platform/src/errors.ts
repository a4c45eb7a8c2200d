/**
 * One error type for every service. The numeric `code` follows the seed's
 * convention (HTTP status followed by two digits, e.g. 40401), so clients can
 * tell causes apart without parsing messages.
 */
export const ErrorCode = {
  invalidRequest: 40001,
  malformedJson: 40002,
  sqlRejected: 40003,
  queryFailed: 40004,
  notFound: 40401,
  methodNotAllowed: 40501,
  queryTimeout: 40801,
  conflict: 40901,
  payloadTooLarge: 41301,
  unsupportedMediaType: 41501,
  unprocessable: 42201,
  internal: 50001,
  dependencyUnavailable: 50301,
  dependencyTimeout: 50401,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

export class AppError extends Error {
  readonly status: number;
  readonly code: number;
  readonly details: unknown;

  constructor(status: number, code: number, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const statusOf = (code: number): number => Math.floor(code / 100);

function make(name: ErrorCodeName) {
  const code = ErrorCode[name];
  return (message: string, details?: unknown, cause?: unknown): AppError => new AppError(statusOf(code), code, message, details, { cause });
}

export const invalidRequest = make("invalidRequest");
export const malformedJson = make("malformedJson");
export const notFound = make("notFound");
export const conflict = make("conflict");
export const payloadTooLarge = make("payloadTooLarge");
export const unsupportedMediaType = make("unsupportedMediaType");
export const unprocessable = make("unprocessable");
export const internal = make("internal");
/** A path that exists, asked with a method it is not served by. */
export const methodNotAllowed = make("methodNotAllowed");
/** SQL refused by a guard before it reached the database. */
export const sqlRejected = make("sqlRejected");
/** SQL the database itself refused (unknown column, type error...). */
export const queryFailed = make("queryFailed");
/** A client-chosen time budget (e.g. a query's timeout_ms) ran out: not a dependency fault. */
export const queryTimeout = make("queryTimeout");

/** A dependency (database, object store, model...) refused or failed: 503. */
export function dependencyUnavailable(dependency: string, cause?: unknown): AppError {
  return new AppError(503, ErrorCode.dependencyUnavailable, `${dependency} is unavailable`, { dependency }, { cause });
}

/** A dependency did not answer within its deadline: 504. */
export function dependencyTimeout(dependency: string, timeoutMs: number, cause?: unknown): AppError {
  return new AppError(
    504,
    ErrorCode.dependencyTimeout,
    `${dependency} did not answer within ${timeoutMs} ms`,
    { dependency, timeout_ms: timeoutMs },
    { cause },
  );
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
