/**
 * Caches one value for a while and shares a load in flight, so warm requests
 * do not refetch table structure. A failed load is not cached.
 */
import { LRUCache } from "lru-cache";

export function cachedFor<T extends NonNullable<unknown>>(ttlMs: number, load: () => Promise<T>, now?: () => number): () => Promise<T> {
  const cache = new LRUCache<"value", T>({
    max: 1,
    ttl: ttlMs,
    ttlResolution: 0,
    ...(now ? { perf: { now } } : {}),
    fetchMethod: () => load(),
  });
  // fetch() resolves undefined only for a load that yields undefined, which T excludes.
  return async () => (await cache.fetch("value")) as T;
}
