/**
 * A scripted OpenAI-compatible server for deterministic tests — a double,
 * never shipped. It serves /v1/models, /v1/chat/completions (plain and
 * `stream: true`) and /v1/embeddings on 127.0.0.1 with an ephemeral port, and
 * records every request.
 *
 *   const model = await OpenAiDouble.start();
 *   model.onChat((req) => req.lastUserText.includes("sales"), { content: "{\"table\":\"sales_data\"}" });
 *   model.fail({ path: "/v1/chat/completions", status: 500, times: 2 });
 *   model.url  // base URL without /v1, like MODEL_ENDPOINT
 *
 * Unmatched chat requests get `echo: <last user text>`; embeddings are
 * deterministic unit vectors derived from the text (or scripted by
 * `onEmbedding`), always `embeddingDimension` long.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

interface ChatMessageView {
  role: string;
  content: string;
}

export interface ChatRequestView {
  model: string;
  messages: ChatMessageView[];
  /** The text of the last user message ("" when there is none). */
  lastUserText: string;
  stream: boolean;
  body: Record<string, unknown>;
}

interface ChatReply {
  content: string;
  finishReason?: "stop" | "length";
  /** Streamed pieces; defaults to the content split after each space. */
  chunks?: string[];
  /** Delay before each streamed piece, to observe streaming. */
  chunkDelayMs?: number;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface RuleOptions {
  /** How many requests the rule answers before it is used up (default: unlimited). */
  times?: number;
  /** Delay before answering, e.g. to trigger a client timeout. */
  delayMs?: number;
}

export interface FailureOptions {
  /** Path the failure applies to (default: every /v1 path). */
  path?: string;
  status: number;
  times?: number;
  delayMs?: number;
  body?: unknown;
}

interface ChatRule extends RuleOptions {
  match: (request: ChatRequestView) => boolean;
  reply: ChatReply | ((request: ChatRequestView) => ChatReply);
}

interface Failure extends FailureOptions {
  remaining: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part === "object" && part !== null && "text" in part ? String(part.text) : "")).join("");
  }
  return "";
}

/** A deterministic unit vector for a text: the same text always maps to the same vector. */
function deterministicEmbedding(text: string, dimension: number): number[] {
  const values: number[] = [];
  let block = Buffer.alloc(0);
  for (let i = 0; values.length < dimension; i++) {
    if (block.length === 0) block = createHash("sha256").update(`${i}:${text}`).digest();
    values.push(block.readUInt8(0) / 127.5 - 1);
    block = block.subarray(1);
  }
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0)) || 1;
  return values.map((v) => v / norm);
}

export class OpenAiDouble {
  readonly requests: RecordedRequest[] = [];
  private chatRules: ChatRule[] = [];
  private failures: Failure[] = [];
  private embeddingOverride: ((text: string) => number[]) | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly modelName: string,
    readonly embeddingDimension: number,
  ) {}

  /** `listen`: host and port, for a double that serves a pod's Service (test/node); loopback and an ephemeral port otherwise. */
  static async start(
    options: { modelName?: string; embeddingDimension?: number; listen?: { host: string; port: number } } = {},
  ): Promise<OpenAiDouble> {
    let double: OpenAiDouble | undefined;
    const server = createServer((req, res) => {
      void double?.handle(req, res);
    });
    const { host, port: wanted } = options.listen ?? { host: "127.0.0.1", port: 0 };
    await new Promise<void>((resolve) => server.listen(wanted, host, resolve));
    const { port } = server.address() as AddressInfo;
    double = new OpenAiDouble(server, `http://${host}:${port}`, options.modelName ?? "double-model", options.embeddingDimension ?? 8);
    return double;
  }

  /** Scripts the answer to chat requests the matcher accepts; later rules win over earlier ones. */
  onChat(match: ChatRule["match"], reply: ChatRule["reply"], options: RuleOptions = {}): this {
    this.chatRules.unshift({ match, reply, ...options });
    return this;
  }

  /** Replaces the derived embeddings; the vector must have `embeddingDimension` entries. */
  onEmbedding(embed: (text: string) => number[]): this {
    this.embeddingOverride = embed;
    return this;
  }

  /** Injects failures (e.g. 500s, 503s, slow answers) for the next `times` requests (default 1). */
  fail(options: FailureOptions): this {
    this.failures.push({ ...options, remaining: options.times ?? 1 });
    return this;
  }

  chatRequests(): ChatRequestView[] {
    return this.requests.filter((r) => r.path === "/v1/chat/completions").map((r) => this.view(r.body));
  }

  reset(): void {
    this.requests.length = 0;
    this.chatRules = [];
    this.failures = [];
    this.embeddingOverride = undefined;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private view(body: unknown): ChatRequestView {
    const record = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const messages = (Array.isArray(record.messages) ? record.messages : []).map((m: { role?: unknown; content?: unknown }) => ({
      role: String(m.role),
      content: textOf(m.content),
    }));
    const lastUser = [...messages].reverse().find((m) => m.role === "user");
    return { model: String(record.model), messages, lastUserText: lastUser?.content ?? "", stream: record.stream === true, body: record };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return this.json(res, 400, { error: { message: "malformed JSON", type: "invalid_request_error" } });
    }
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    this.requests.push({ method: req.method ?? "GET", path, headers: req.headers, body });

    const failure = this.failures.find((f) => f.remaining > 0 && (f.path === undefined || f.path === path));
    if (failure) {
      failure.remaining -= 1;
      if (failure.delayMs) await sleep(failure.delayMs);
      return this.json(
        res,
        failure.status,
        failure.body ?? { error: { message: `injected failure ${failure.status}`, type: "server_error" } },
      );
    }

    if (req.method === "GET" && path === "/v1/models") {
      return this.json(res, 200, { object: "list", data: [{ id: this.modelName, object: "model", created: 0, owned_by: "double" }] });
    }
    if (req.method === "POST" && path === "/v1/chat/completions") return this.chat(res, this.view(body));
    if (req.method === "POST" && path === "/v1/embeddings") return this.embeddings(res, body);
    return this.json(res, 404, { error: { message: `no route ${req.method} ${path}`, type: "invalid_request_error" } });
  }

  private async chat(res: ServerResponse, request: ChatRequestView): Promise<void> {
    const rule = this.chatRules.find((r) => (r.times === undefined || r.times > 0) && r.match(request));
    if (rule?.times !== undefined) rule.times -= 1;
    if (rule?.delayMs) await sleep(rule.delayMs);
    const reply = rule
      ? typeof rule.reply === "function"
        ? rule.reply(request)
        : rule.reply
      : { content: `echo: ${request.lastUserText}` };
    const id = `chatcmpl-double-${this.requests.length}`;
    const usage = reply.usage ?? { prompt_tokens: request.messages.length, completion_tokens: reply.content.split(/\s+/).length };
    const totals = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
    const finishReason = reply.finishReason ?? "stop";
    if (!request.stream) {
      return this.json(res, 200, {
        id,
        object: "chat.completion",
        created: 0,
        model: request.model,
        choices: [{ index: 0, message: { role: "assistant", content: reply.content }, finish_reason: finishReason, logprobs: null }],
        usage: totals,
      });
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (payload: unknown): void => {
      res.write(`data: ${JSON.stringify(payload)}\n\n`);
    };
    const chunk = (delta: Record<string, string>, finish: string | null): unknown => ({
      id,
      object: "chat.completion.chunk",
      created: 0,
      model: request.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    send(chunk({ role: "assistant", content: "" }, null));
    for (const piece of reply.chunks ?? reply.content.split(/(?<= )/)) {
      if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      send(chunk({ content: piece }, null));
    }
    send(chunk({}, finishReason));
    const options = request.body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage) send({ id, object: "chat.completion.chunk", created: 0, model: request.model, choices: [], usage: totals });
    res.end("data: [DONE]\n\n");
  }

  private embeddings(res: ServerResponse, body: unknown): void {
    const record = (typeof body === "object" && body !== null ? body : {}) as {
      input?: unknown;
      model?: unknown;
      encoding_format?: unknown;
    };
    const inputs = typeof record.input === "string" ? [record.input] : Array.isArray(record.input) ? record.input.map(String) : [];
    if (inputs.length === 0) return this.json(res, 400, { error: { message: "input is required", type: "invalid_request_error" } });
    const vectors = inputs.map((text) => this.embeddingOverride?.(text) ?? deterministicEmbedding(text, this.embeddingDimension));
    const base64 = record.encoding_format === "base64";
    this.json(res, 200, {
      object: "list",
      model: String(record.model),
      data: vectors.map((vector, index) => ({
        object: "embedding",
        index,
        embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector,
      })),
      usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
    });
  }

  private json(res: ServerResponse, status: number, payload: unknown): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(payload));
  }
}
