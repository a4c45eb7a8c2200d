import { PassThrough } from "node:stream";
import type { Context } from "koa";
import { toAppError, type Logger } from "@one-data/platform";

/** How often a stream says it is still working (config: AGENT_STREAM_HEARTBEAT_MS). */
export const defaultHeartbeatMs = 5_000;

export interface StreamOptions {
  log: Logger;
  heartbeatMs: number;
}

export interface SseChannel {
  send(event: string | undefined, data: unknown): void;
  raw(line: string): void;
  end(): void;
}

/**
 * Switches the response to Server-Sent Events; later failures are sent as
 * events, never as a hang. Until it ends, a comment line every `heartbeatMs`
 * tells the client (and any proxy between) that the answer is still being
 * worked on; SSE and OpenAI clients skip comments.
 */
export function openSse(ctx: Context, heartbeatMs: number): SseChannel {
  const stream = new PassThrough();
  const heartbeat = setInterval(() => {
    if (!stream.writableEnded) stream.write(": working\n\n");
  }, heartbeatMs);
  const stop = (): void => clearInterval(heartbeat);
  stream.once("finish", stop);
  stream.once("close", stop);
  ctx.res.once("close", stop);
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
      stop();
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
