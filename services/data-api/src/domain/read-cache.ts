/**
 * The registry's hot reads (agents list and fetch datasets constantly), kept
 * for a while per key and shared while in flight; a failed read is not kept.
 * Other replicas' registrations become visible after at most `ttlMs`. When
 * full, the least recently used key goes.
 */
import { LRUCache } from "lru-cache";

const maxKeys = 10_000;

export class ReadCache {
  private readonly entries: LRUCache<string, Promise<unknown>> | undefined;

  constructor(ttlMs: number, now?: () => number) {
    this.entries = ttlMs > 0 ? new LRUCache({ max: maxKeys, ttl: ttlMs, ttlResolution: 0, ...(now ? { perf: { now } } : {}) }) : undefined;
  }

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.entries) return load();
    const hit = this.entries.get(key);
    if (hit) return hit as Promise<T>;
    const value = load();
    this.entries.set(key, value);
    value.catch(() => {
      if (this.entries?.get(key) === value) this.entries.delete(key);
    });
    return value;
  }

  clear(): void {
    this.entries?.clear();
  }
}
