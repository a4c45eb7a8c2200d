import Router from "@koa/router";
import { AppError, ErrorCode, success, withDeadline } from "@one-data/platform";
import type { MemoryPort, ModelPort } from "../domain/ports.js";

export interface ProbeDependencies {
  model: ModelPort;
  memory: MemoryPort;
  data: { ping(signal: AbortSignal): Promise<void> };
  /** Each readiness check's deadline; together they answer well inside the probe's timeoutSeconds. */
  readyTimeoutMs: number;
}

/** What a readiness check found: "ok", or why the dependency is not usable. */
async function check(name: string, timeoutMs: number, ping: (signal: AbortSignal) => Promise<void>): Promise<string> {
  try {
    await withDeadline(name, timeoutMs, ping);
    return "ok";
  } catch (error) {
    return error instanceof AppError ? error.message : `${name} is unavailable`;
  }
}

export function healthRoutes(deps: ProbeDependencies): Router {
  const router = new Router();

  // Liveness: the process answers. It calls nothing, so a dependency's outage never restarts the agent.
  router.get("/api/v1/health", (ctx) => {
    ctx.body = {
      code: 0,
      message: "healthy",
      model_endpoint: deps.model.endpoint,
      data: { status: "healthy", model_endpoint: deps.model.endpoint },
    };
  });

  // Readiness: what answering needs, checked concurrently, each within its own deadline.
  router.get("/api/v1/ready", async (ctx) => {
    const pings: Record<string, (signal: AbortSignal) => Promise<void>> = {
      "data-api": (signal) => deps.data.ping(signal),
      model: (signal) => deps.model.ping(signal),
      redis: () => deps.memory.ping(),
    };
    const names = Object.keys(pings);
    const results = await Promise.all(names.map((name) => check(name, deps.readyTimeoutMs, pings[name]!)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
    const down = names.filter((name) => checks[name] !== "ok");
    if (down.length > 0) {
      throw new AppError(503, ErrorCode.dependencyUnavailable, `not ready: ${down.join(", ")} unavailable`, {
        dependency: down[0],
        checks,
      });
    }
    ctx.body = success({ checks }, "ready");
  });
  return router;
}
