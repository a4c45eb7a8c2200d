import { dependencyTimeout } from "./errors.js";

/**
 * Bounds a call to a dependency. The signal is aborted at the deadline so
 * clients that honour AbortSignal (fetch, the AWS SDK, openai) stop work
 * instead of leaking it.
 */
export async function withDeadline<T>(
  dependency: string,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(dependencyTimeout(dependency, timeoutMs));
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
