/** The `{code, message, data}` envelope of the seed's contract. */
export interface Envelope<T> {
  code: number;
  message: string;
  data?: T;
}

export function success<T>(data: T, message = "success"): Envelope<T> {
  return { code: 0, message, data };
}

export interface ErrorBody {
  code: number;
  message: string;
  details?: unknown;
}

/**
 * The error format of OpenAI-compatible APIs (`{error:{message,type,code}}`),
 * which their clients parse instead of the envelope; the codes stay ours.
 */
export function openAiErrorBody(error: { status: number; code: number; message: string }) {
  const type = error.status >= 500 ? "server_error" : "invalid_request_error";
  return { error: { message: error.message, type, code: String(error.code), param: null } };
}

export function errorBody(error: { code: number; message: string; details?: unknown }): ErrorBody {
  const body: ErrorBody = { code: error.code, message: error.message };
  if (error.details !== undefined) body.details = error.details;
  return body;
}
