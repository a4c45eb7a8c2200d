import { PassThrough } from "node:stream";
import type { Context } from "koa";
import { toAppError, type Logger } from "@one-data/platform";

export interface SseChannel {
  send(event: string | undefined, data: unknown): void;
  raw(line: string): void;
  end(): void;
}

/** Switches the response to Server-Sent Events; later failures are sent as events, never as a hang. */
export function openSse(ctx: Context): SseChannel {
  const stream = new PassThrough();
  ctx.req.socket.setNoDelay(true);
  ctx.set("Cache-Control", "no-cache");
  ctx.set("Connection", "keep-alive");
  ctx.set("X-Accel-Buffering", "no");
  ctx.type = "text/event-stream; charset=utf-8";
  ctx.status = 200;
  ctx.body = stream;
  return {
    send(event, data) {
      if (stream.writableEnded) return;
      stream.write(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`);
    },
    raw(line) {
      if (!stream.writableEnded) stream.write(line);
    },
    end() {
      if (!stream.writableEnded) stream.end();
    },
  };
}

export function wantsStream(ctx: Context, flag: boolean | undefined): boolean {
  return flag === true || (flag === undefined && (ctx.get("accept") ?? "").includes("text/event-stream"));
}

/** The `{code, message}` of a failure, without a stack; unexpected errors are logged instead. */
export function publicError(error: unknown, log: Logger): { status: number; code: number; message: string } {
  const appError = toAppError(error);
  if (appError.status >= 500) log.error({ err: error, code: appError.code }, appError.message);
  return { status: appError.status, code: appError.code, message: appError.message };
}
