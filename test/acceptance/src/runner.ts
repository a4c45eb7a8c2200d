import { WrongAnswer, type Check } from "./check.js";

export type CheckStatus = "passed" | "failed" | "wrong-answer";

export interface CheckResult {
  id: string;
  title: string;
  integration: string;
  status: CheckStatus;
  durationMs: number;
  detail: string;
}

export interface RunOptions {
  /**
   * With a weak local model, a wrong answer is recorded as such rather than
   * failing the run; plumbing faults still fail. Never set for the run that
   * gates (the scripted double) nor in the cluster.
   */
  tolerateWrongAnswers: boolean;
  onResult?: (result: CheckResult) => void;
}

class CheckTimeout extends Error {}

async function runOne<C>(check: Check<C>, context: C, options: RunOptions): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const result = (status: CheckStatus, detail: string): CheckResult => ({
    id: check.id,
    title: check.title,
    integration: check.integration,
    status,
    durationMs: Math.round(performance.now() - started),
    detail,
  });
  try {
    const detail = await Promise.race([
      check.run(context),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout(`timed out after ${check.timeoutMs} ms`)), check.timeoutMs);
      }),
    ]);
    return result("passed", detail);
  } catch (error) {
    if (error instanceof WrongAnswer) {
      return result(options.tolerateWrongAnswers ? "wrong-answer" : "failed", error.message);
    }
    return result("failed", error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check in order, each independent of the others' outcome. */
export async function runChecks<C>(checks: Check<C>[], context: C, options: RunOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const result = await runOne(check, context, options);
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}

export function failed(results: CheckResult[]): CheckResult[] {
  return results.filter((r) => r.status === "failed");
}
