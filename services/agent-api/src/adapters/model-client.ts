import { AppError, dependencyTimeout, dependencyUnavailable, withDeadline } from "@one-data/platform";
import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { CompletionRequest, ModelPort } from "../domain/ports.js";
import { cachedFor } from "../domain/ttl-cache.js";

const dependency = "model";
const modelNameTtlMs = 5 * 60_000;
const defaultMaxTokens = 512;

export interface ModelClientOptions {
  endpoint: string;
  name: string | undefined;
  apiKey: string | undefined;
  timeoutMs: number;
}

function toAppError(error: unknown, timeoutMs: number): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof APIConnectionTimeoutError || error instanceof APIUserAbortError) {
    return dependencyTimeout(dependency, timeoutMs, error);
  }
  const failure = dependencyUnavailable(dependency, error);
  if (error instanceof APIError && error.status !== undefined) {
    return new AppError(
      failure.status,
      failure.code,
      `${failure.message} (HTTP ${error.status})`,
      { dependency, status: error.status },
      { cause: error },
    );
  }
  return failure;
}

/**
 * The model over the OpenAI API. Each call is bounded twice: the client's own
 * timeout and an overall deadline that also covers reading a stream.
 */
export function createModelClient(options: ModelClientOptions): ModelPort {
  const client = new OpenAI({
    baseURL: `${options.endpoint}/v1`,
    // Local OpenAI-compatible servers need no key; the client insists on one.
    apiKey: options.apiKey ?? "unused",
    timeout: options.timeoutMs,
    maxRetries: 0,
  });

  const bounded = <T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs = options.timeoutMs): Promise<T> =>
    withDeadline(dependency, timeoutMs, work).catch((error: unknown) => {
      throw toAppError(error, timeoutMs);
    });
  const callTimeout = (request: CompletionRequest): number => Math.min(options.timeoutMs, request.timeoutMs ?? options.timeoutMs);

  const discover = cachedFor(modelNameTtlMs, () =>
    bounded(async (signal) => {
      const page = await client.models.list({ signal });
      const first = page.data[0];
      if (!first) throw dependencyUnavailable(dependency);
      return first.id;
    }),
  );
  const modelName = (): Promise<string> => (options.name ? Promise.resolve(options.name) : discover());

  async function params(request: CompletionRequest): Promise<ChatCompletionCreateParamsNonStreaming> {
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: await modelName(),
      messages: request.messages,
      max_tokens: request.maxTokens ?? defaultMaxTokens,
      temperature: request.temperature ?? 0.2,
    };
    if (request.jsonSchema) {
      body.response_format = {
        type: "json_schema",
        json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema, strict: true },
      };
    }
    return body;
  }

  return {
    endpoint: options.endpoint,
    modelName,
    async ping(signal) {
      try {
        await client.models.list({ signal });
      } catch (error) {
        throw toAppError(error, options.timeoutMs);
      }
    },
    async complete(request) {
      const body = await params(request);
      const timeout = callTimeout(request);
      return bounded(async (signal) => {
        const completion = await client.chat.completions.create(body, { signal, timeout });
        return completion.choices[0]?.message.content ?? "";
      }, timeout);
    },
    async stream(request, onDelta) {
      const body = await params(request);
      const timeout = callTimeout(request);
      return bounded(async (signal) => {
        const stream = await client.chat.completions.create({ ...body, stream: true }, { signal, timeout });
        let text = "";
        for await (const chunk of stream) {
          const delta = chunk.choices[0]?.delta?.content;
          if (delta) {
            text += delta;
            onDelta(delta);
          }
        }
        return text;
      }, timeout);
    },
  };
}
