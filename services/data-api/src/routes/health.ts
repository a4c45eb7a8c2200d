import type Router from "@koa/router";
import { AppError, ErrorCode } from "@one-data/platform";
import type { AppDeps } from "../app.js";

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

export function mountHealthRoutes(router: Router, deps: AppDeps): void {
  // Liveness only: the process answers. Dependencies are readiness' business.
  router.get("/health", (ctx) => {
    ctx.body = { code: 0, message: "healthy" };
  });

  router.get("/ready", async (ctx) => {
    const names = Object.keys(deps.readiness);
    const results = await Promise.all(names.map((name) => runCheck(deps.readiness[name]!)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
    const failed = names.filter((name) => checks[name] !== "ok");
    if (failed.length > 0) {
      throw new AppError(503, ErrorCode.dependencyUnavailable, `not ready: ${failed.join(", ")} unavailable`, { checks });
    }
    ctx.body = { code: 0, message: "ready", data: { checks } };
  });
}
