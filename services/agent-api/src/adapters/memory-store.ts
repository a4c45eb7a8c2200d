import { Redis } from "ioredis";
import { dependencyUnavailable, withDeadline, type Logger } from "@one-data/platform";
import type { ChatTurn } from "../domain/conversation.js";
import type { MemoryPort } from "../domain/ports.js";

export interface MemoryOptions {
  host: string;
  port: number;
  password: string | undefined;
  ttlSeconds: number;
  maxMessages: number;
  timeoutMs: number;
}

const keyOf = (conversationId: string): string => `agent:conversation:${conversationId}`;
const dependency = "memory";

/**
 * Conversation history in Redis: one list per conversation, trimmed to the
 * last `maxMessages` turns and expiring `ttlSeconds` after the last write.
 * Commands fail fast instead of queueing while Redis is down, and each has a
 * deadline, because a hung Redis keeps its connection open and "ready": the
 * agent answers without memory rather than waiting for it.
 */
export function createMemoryStore(options: MemoryOptions, log: Logger): MemoryPort & { close(): Promise<void> } {
  const redis = new Redis({
    host: options.host,
    port: options.port,
    password: options.password,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(options.timeoutMs, 1000),
    commandTimeout: options.timeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
  let lastState = "";
  const report = (state: string, error?: Error): void => {
    if (state === lastState) return;
    lastState = state;
    if (state === "ready") log.info("memory store connected");
    else log.warn({ err: error?.message }, `memory store ${state}`);
  };
  redis.on("ready", () => report("ready"));
  redis.on("error", (error: Error) => report("unavailable", error));

  const bounded = <T>(work: () => Promise<T>): Promise<T> =>
    withDeadline(dependency, options.timeoutMs, async () => {
      try {
        return await work();
      } catch (error) {
        throw dependencyUnavailable(dependency, error);
      }
    });

  return {
    async ping() {
      await bounded(() => redis.ping());
    },
    async load(conversationId) {
      const items = await bounded(() => redis.lrange(keyOf(conversationId), 0, -1));
      return items.flatMap((item): ChatTurn[] => {
        try {
          const turn = JSON.parse(item) as ChatTurn;
          return (turn.role === "user" || turn.role === "assistant") && typeof turn.content === "string" ? [turn] : [];
        } catch {
          return [];
        }
      });
    },
    async append(conversationId, turns) {
      const key = keyOf(conversationId);
      await bounded(() =>
        redis
          .multi()
          .rpush(key, ...turns.map((turn) => JSON.stringify(turn)))
          .ltrim(key, -options.maxMessages, -1)
          .expire(key, options.ttlSeconds)
          .exec(),
      );
    },
    async clear(conversationId) {
      await bounded(() => redis.del(keyOf(conversationId)));
    },
    async close() {
      redis.disconnect();
    },
  };
}
