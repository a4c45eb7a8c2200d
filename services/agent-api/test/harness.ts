import { createLogger, listen, type Logger, type RunningServer } from "@one-data/platform";
import { OpenAiDouble } from "../../../test/doubles/openai-double.js";
import { requireEnv, waitUntil } from "../../../test/support/testkit.js";
import { startDataApiDouble, type DataApiDouble, type DataApiDoubleOptions } from "../../../test/doubles/data-api-double.js";
import { createDataApiClient } from "../src/adapters/data-api-client.js";
import { createMemoryStore } from "../src/adapters/memory-store.js";
import { createModelClient } from "../src/adapters/model-client.js";
import { createApp } from "../src/app.js";
import type { RouteBudgets } from "../src/domain/budgets.js";

export interface Harness {
  url: string;
  model: OpenAiDouble;
  data: DataApiDouble;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string }>;
  get(path: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  data: DataApiDoubleOptions;
  modelName?: string;
  modelTimeoutMs?: number;
  dataTimeoutMs?: number;
  /** Point memory at a port nothing listens on, to see the agent without Redis. */
  redisDown?: boolean;
  /** Point memory at a Redis the test controls (e.g. one it can hang or kill) instead of the local one. */
  redis?: { host: string; port: number; password?: string };
  maxMessages?: number;
  readyTimeoutMs?: number;
  budgets?: RouteBudgets;
  heartbeatMs?: number;
  /** Where the app logs (default: silent), e.g. to read its access log. */
  log?: Logger;
  /** Point the agent at a real model server (e.g. one the test hangs or kills) instead of the scripted double. */
  modelEndpoint?: string;
}

/** The real app with its real adapters, wired to the doubles and to the local Redis. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const log = options.log ?? createLogger("agent-api-test", "silent");
  const model = await OpenAiDouble.start();
  const data = await startDataApiDouble(options.data);
  const redis = options.redisDown
    ? { host: "127.0.0.1", port: 9, password: undefined }
    : (options.redis ?? { host: requireEnv("REDIS_HOST"), port: Number(requireEnv("REDIS_PORT")), password: process.env.REDIS_PASSWORD });
  const memory = createMemoryStore(
    {
      host: redis.host,
      port: redis.port,
      password: redis.password,
      ttlSeconds: 60,
      maxMessages: options.maxMessages ?? 20,
      timeoutMs: 500,
    },
    log,
  );
  const app = createApp({
    model: createModelClient({
      endpoint: options.modelEndpoint ?? model.url,
      name: options.modelName,
      apiKey: undefined,
      timeoutMs: options.modelTimeoutMs ?? 5_000,
    }),
    data: createDataApiClient({ url: data.url, timeoutMs: options.dataTimeoutMs ?? 5_000 }),
    memory,
    log,
    readyTimeoutMs: options.readyTimeoutMs ?? 1_000,
    ...(options.budgets && { budgets: options.budgets }),
    ...(options.heartbeatMs && { heartbeatMs: options.heartbeatMs }),
  });
  const server: RunningServer = await listen(app, { host: "127.0.0.1", port: 0, log, handleSignals: false });
  if (!options.redisDown) {
    await waitUntil(
      "Redis",
      () =>
        memory.ping().then(
          () => true,
          () => false,
        ),
      { timeoutMs: 10_000, intervalMs: 20 },
    );
  }
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed as any, text };
  };
  return {
    url: server.url,
    model,
    data,
    post: (path, body, headers) => request("POST", path, body, headers),
    get: (path) => request("GET", path),
    async close() {
      await server.close();
      await memory.close();
      await model.close();
      await data.close();
    },
  };
}

/** Server-Sent Events of a response body, parsed. */
export function parseSse(text: string): { event: string | undefined; data: string }[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
      const data = lines
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      return { event, data };
    });
}

export const isQueryRequest = (req: { body: Record<string, unknown> }): boolean => req.body.response_format !== undefined;

export function structuredQuery(patch: Record<string, unknown> = {}): string {
  return JSON.stringify({
    table: "ds_001_v1",
    select: [{ column: "amount", aggregate: "sum" }],
    filters: [],
    group_by: [],
    having: [],
    order_by: [],
    limit: 100,
    count_result_rows: false,
    ...patch,
  });
}
