import type { Logger } from "./logger.js";

export interface CompensationOptions {
  /** Pause between attempts while the dependency still fails. */
  retryMs: number;
  /** Attempts before giving up (and logging an error). */
  attempts: number;
  /**
   * After the first success, wait this long and undo once more: a dependency
   * that answered too late (hung, then resumed) may apply the write after the
   * first undo.
   */
  settleMs: number;
}

/**
 * Undoes the writes of a request that failed, in the background, until the
 * dependency lets it: the client gets its 503/504 at once, and whatever the
 * dependency does after answering late is removed afterwards. Each undo must
 * be idempotent (deleting what may not exist).
 */
export class Compensations {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly log: Logger,
    private readonly options: CompensationOptions,
  ) {}

  add(what: string, undo: () => Promise<unknown>, details: Record<string, unknown> = {}): void {
    const { retryMs, attempts, settleMs } = this.options;
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const run = (async () => {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          await undo();
          await pause(settleMs);
          await undo();
          return;
        } catch (error) {
          if (attempt === attempts) {
            this.log.error({ err: error, what, attempts, ...details }, "could not undo the writes of a failed request");
            return;
          }
          await pause(retryMs);
        }
      }
    })();
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  /** Resolves when every undo scheduled so far has finished (tests; a graceful shutdown may wait for it). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
