import type { ChildProcess } from "node:child_process";

/**
 * Polls a service's readiness URL until it answers 2xx, failing as soon as
 * the process exits or the deadline passes (each probe bounded by 2 s).
 */
export async function waitReady(name: string, readyUrl: string, process: ChildProcess, deadlineMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const ok = await fetch(readyUrl, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ok) return;
    if (process.exitCode !== null) throw new Error(`${name} exited during start-up (${process.exitCode})`);
    if (Date.now() - started > deadlineMs) throw new Error(`${name} was not ready within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
