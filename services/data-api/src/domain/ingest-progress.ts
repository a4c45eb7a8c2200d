import type { IngestPhase } from "@one-data/data-api-contract";
import type { RegistryPort } from "./ports.js";
import type { ReadProgress } from "./tabular.js";

/**
 * Counts rows and bytes of the registration's current pass and writes them to
 * its reservation about once a second, so any replica can report a running
 * registration's progress. A write that fails or is slow is skipped, never
 * waited for: progress must not slow down or fail the registration.
 */
export class ProgressReporter {
  private counter: ReadProgress = { rows: 0, bytes: 0 };
  private current: IngestPhase = "reserved";
  private timer: NodeJS.Timeout | undefined;
  private writing = false;

  constructor(
    private readonly registry: RegistryPort,
    private readonly timeoutMs: number,
    private readonly everyMs = 1000,
  ) {}

  start(seq: number, version: number): void {
    this.timer = setInterval(() => {
      if (this.writing) return;
      this.writing = true;
      const write = this.registry.progress(seq, version, this.current, this.counter.rows, this.counter.bytes);
      const timeout = new Promise((resolve) => setTimeout(resolve, this.timeoutMs).unref());
      void Promise.race([write, timeout])
        .catch(() => undefined)
        .finally(() => {
          this.writing = false;
        });
    }, this.everyMs);
    this.timer.unref();
  }

  /** A fresh counter for the next pass over the file. */
  phase(name: Exclude<IngestPhase, "reserved">): ReadProgress {
    this.current = name;
    this.counter = { rows: 0, bytes: 0 };
    return this.counter;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
