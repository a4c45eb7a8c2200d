import type Router from "@koa/router";
import { AppError, ErrorCode } from "@one-data/platform";
import type { AppDependencies } from "../app-dependencies.js";

const readinessTimeoutMs = 2500;

async function runCheck(check: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${readinessTimeoutMs} ms`)), readinessTimeoutMs);
      }),
    ]);
    return "ok";
  } catch (error) {
    return error instanceof AppError ? error.message : `unavailable: ${(error as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

export function mountHealthRoutes(router: Router, deps: AppDependencies): void {
  // Liveness only: the process answers. Dependencies are readiness' business.
  router.get("/health", (ctx) => {
    ctx.body = { code: 0, message: "healthy" };
  });

  /**
   * Ready when MySQL and MinIO answer: datasets, schema, preview, download and
   * SQL need only them. Milvus serves knowledge search alone, so without it
   * the API stays ready (taking it out of its Service would turn every route
   * into a 503, not just search) and says it is degraded.
   */
  const degradable: Record<string, () => Promise<void>> = { milvus: () => deps.knowledge.ping() };
  router.get("/ready", async (ctx) => {
    const all = { ...deps.readiness, ...degradable };
    const names = Object.keys(all);
    const results = await Promise.all(names.map((name) => runCheck(all[name]!)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
    const failed = Object.keys(deps.readiness).filter((name) => checks[name] !== "ok");
    if (failed.length > 0) {
      throw new AppError(503, ErrorCode.dependencyUnavailable, `not ready: ${failed.join(", ")} unavailable`, { checks });
    }
    const degraded = Object.keys(degradable).filter((name) => checks[name] !== "ok");
    const message = degraded.length === 0 ? "ready" : `ready, degraded: ${degraded.join(", ")} unavailable (knowledge search answers 503)`;
    ctx.body = { code: 0, message, data: { checks, degraded } };
  });
}
