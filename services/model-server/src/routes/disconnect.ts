import type { Context } from "koa";

/** Aborts when the client goes away, so an abandoned request frees (or never takes) its turn at the model. */
export function abortOnDisconnect(ctx: Context): AbortSignal {
  const controller = new AbortController();
  ctx.res.once("close", () => {
    if (!ctx.res.writableFinished) controller.abort(new Error("the client closed the request"));
  });
  return controller.signal;
}
