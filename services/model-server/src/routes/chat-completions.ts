import { randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";
import Router from "@koa/router";
import type { LlamaGrammar } from "node-llama-cpp";
import { internal, invalidRequest, isAppError, notFound, openAiErrorBody, parseInput, type Logger } from "@one-data/platform";
import type { GenerateOptions, LocalModel } from "../adapters/local-model.js";
import { toChatHistory } from "../domain/chat-history.js";
import { abortOnDisconnect } from "./disconnect.js";
import { toGrammarSchema } from "../domain/grammar-schema.js";
import { chatCompletionRequest, type ChatCompletionRequest, type ResponseFormat } from "../domain/openai-requests.js";

async function grammarFor(model: LocalModel, format: ResponseFormat | null | undefined): Promise<LlamaGrammar | undefined> {
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return model.jsonGrammar();
  try {
    return await model.jsonSchemaGrammar(toGrammarSchema(format.json_schema.schema) as Record<string, unknown>);
  } catch (error) {
    throw invalidRequest(`response_format.json_schema cannot be enforced: ${(error as Error).message}`);
  }
}

export function chatCompletionRoutes(model: LocalModel, modelName: string, defaultMaxTokens: number, log: Logger): Router {
  const router = new Router();
  router.post("/v1/chat/completions", async (ctx) => {
    const request: ChatCompletionRequest = parseInput(chatCompletionRequest, ctx.request.body, "chat completion request");
    if (request.model !== modelName) throw notFound(`model ${request.model} is not served here; use ${modelName}`);
    const grammar = await grammarFor(model, request.response_format);
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const history = toChatHistory(request.messages);
    const options: GenerateOptions = {
      maxTokens: request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens,
      ...(request.temperature != null && { temperature: request.temperature }),
      ...(request.top_p != null && { topP: request.top_p }),
      ...(request.seed != null && { seed: request.seed }),
      ...(request.stop != null && { stop: typeof request.stop === "string" ? [request.stop] : request.stop }),
      ...(grammar && { grammar }),
      signal: abortOnDisconnect(ctx),
    };

    if (!request.stream) {
      const result = await model.generate(history, options);
      ctx.body = {
        id,
        object: "chat.completion",
        created,
        model: modelName,
        choices: [{ index: 0, message: { role: "assistant", content: result.text }, finish_reason: result.finishReason, logprobs: null }],
        usage: {
          prompt_tokens: result.promptTokens,
          completion_tokens: result.completionTokens,
          total_tokens: result.promptTokens + result.completionTokens,
        },
      };
      return;
    }

    const stream = new PassThrough();
    const send = (payload: unknown): void => {
      stream.write(`data: ${JSON.stringify(payload)}\n\n`);
    };
    const chunk = (delta: Record<string, string>, finishReason: string | null): unknown => ({
      id,
      object: "chat.completion.chunk",
      created,
      model: modelName,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    });
    ctx.set({ "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    ctx.body = stream;
    send(chunk({ role: "assistant", content: "" }, null));
    model
      .generate(history, {
        ...options,
        onText: (text) => {
          if (text.length > 0) send(chunk({ content: text }, null));
        },
      })
      .then((result) => {
        send(chunk({}, result.finishReason));
        if (request.stream_options?.include_usage) {
          send({
            id,
            object: "chat.completion.chunk",
            created,
            model: modelName,
            choices: [],
            usage: {
              prompt_tokens: result.promptTokens,
              completion_tokens: result.completionTokens,
              total_tokens: result.promptTokens + result.completionTokens,
            },
          });
        }
      })
      .catch((error: unknown) => {
        if (isAppError(error)) return send(openAiErrorBody(error));
        log.error({ err: error }, "generation failed while streaming");
        send(openAiErrorBody(internal("generation failed")));
      })
      .finally(() => {
        stream.end("data: [DONE]\n\n");
      });
  });
  return router;
}
