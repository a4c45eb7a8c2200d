import type { Context, Middleware, Next } from "koa";
import { isAppError, type Logger } from "@one-data/platform";

interface HttpLikeError {
  status?: number;
  expose?: boolean;
  message?: string;
}

/**
 * OpenAI clients read `{error: {message, type, code}}`, not the platform
 * envelope, so this server speaks OpenAI's error shape; the numeric codes are
 * still the platform's.
 */
export function openAiErrors(log: Logger): Middleware {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: { message: `no route for ${ctx.method} ${ctx.path}`, type: "invalid_request_error", code: 40401 } };
      }
    } catch (error) {
      const http = (typeof error === "object" && error !== null ? error : {}) as HttpLikeError;
      let status = 500;
      let code = 50001;
      let message = "internal error";
      if (isAppError(error)) {
        ({ status, code, message } = error);
      } else if (http.status !== undefined && http.status >= 400 && http.status < 500 && http.expose) {
        status = http.status;
        code = status * 100 + 1;
        message = http.message ?? "bad request";
      }
      if (status >= 500) log.error({ err: error, path: ctx.path }, message);
      ctx.status = status;
      ctx.body = { error: { message, type: status >= 500 ? "server_error" : "invalid_request_error", code } };
    }
  };
}
