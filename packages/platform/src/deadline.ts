import { dependencyTimeout } from "./errors.js";

/**
 * Bounds a call to a dependency. The signal is aborted at the deadline so
 * clients that honour AbortSignal (fetch, the AWS SDK, openai) stop work
 * instead of leaking it.
 */
export async function withDeadline<T>(dependency: string, timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return withProgressDeadline(dependency, timeoutMs, (signal) => work(signal));
}

/**
 * The same deadline for work whose length depends on its size (a streamed
 * upload): it fails with a 504 once `idleMs` pass without the work calling
 * `progress()`, so a hung dependency is cut off however long the work is.
 */
export async function withProgressDeadline<T>(
  dependency: string,
  idleMs: number,
  work: (signal: AbortSignal, progress: () => void) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let expire: () => void = () => undefined;
  const deadline = new Promise<never>((_, reject) => {
    expire = () => {
      controller.abort();
      reject(dependencyTimeout(dependency, idleMs));
    };
  });
  const progress = () => {
    if (controller.signal.aborted) return;
    clearTimeout(timer);
    timer = setTimeout(expire, idleMs);
  };
  progress();
  try {
    return await Promise.race([work(controller.signal, progress), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
