import { createServer, type Server } from "node:http";
import type Koa from "koa";
import type { Logger } from "./logger.js";

/** Codes of a response cut short because its client went away: the client's doing, not a failure here. */
const clientGone = new Set(["ERR_STREAM_PREMATURE_CLOSE", "ECONNRESET", "EPIPE", "ERR_STREAM_DESTROYED"]);

/**
 * Koa's error event: what fails once a response has started (a streamed body
 * whose client disconnected), which no middleware can answer any more. Logged
 * through the service's logger as JSON; Koa's own handler, used when nothing
 * listens, prints a bare stack to stderr.
 */
function logResponseErrors(app: Koa, log: Logger): void {
  if (app.listenerCount("error") > 0) return;
  app.on("error", (error: unknown, ctx?: Koa.Context) => {
    const where = ctx ? { method: ctx.method, path: ctx.path } : {};
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "string" && clientGone.has(code)) {
      log.info({ ...where, code }, "client closed the connection before the response ended");
    } else {
      log.error({ ...where, err: error }, "response failed after it started");
    }
  });
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Listens and wires graceful shutdown: on SIGTERM/SIGINT (Kubernetes stopping
 * the pod, Ctrl-C locally) stop accepting, finish in-flight requests, then
 * release dependencies through `onClose`. A service whose requests can run
 * long (generation) cuts them short through `onShutdown`, called first.
 */
export async function listen(
  app: Koa,
  options: {
    host: string;
    port: number;
    log: Logger;
    onShutdown?: () => void;
    onClose?: () => Promise<void>;
    handleSignals?: boolean;
  },
): Promise<RunningServer> {
  logResponseErrors(app, options.log);
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- Koa's handler settles every request's promise itself
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      options.onShutdown?.();
      await new Promise<void>((resolve) => {
        // A keep-alive connection whose response ends after close() began would otherwise hold the
        // server open for keepAliveTimeout (65 s): close each one as soon as it falls idle.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
      await options.onClose?.();
    })();
    return closing;
  };

  if (options.handleSignals ?? true) {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        options.log.info({ signal }, "shutting down");
        close().then(
          () => process.exit(0),
          (error: unknown) => {
            options.log.error({ err: error }, "shutdown failed");
            process.exit(1);
          },
        );
      });
    }
  }
  options.log.info({ url }, "listening");
  return { server, url, close };
}
