/**
 * Caches one value for a while and shares a load in flight, so warm requests
 * do not refetch table structure. A failed load is not cached.
 */
export function cachedFor<T>(ttlMs: number, load: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let value: { at: number; data: T } | undefined;
  let inFlight: Promise<T> | undefined;
  return () => {
    if (value && now() - value.at < ttlMs) return Promise.resolve(value.data);
    inFlight ??= load().then(
      (data) => {
        value = { at: now(), data };
        inFlight = undefined;
        return data;
      },
      (error: unknown) => {
        inFlight = undefined;
        throw error;
      },
    );
    return inFlight;
  };
}
