import OpenAI from "openai";
import type { ChatTurn } from "../domain/row-prompt.js";

export interface ModelClientOptions {
  endpoint: string;
  apiKey?: string | undefined;
  timeoutMs: number;
  maxRetries: number;
}

/**
 * The model over the OpenAI API. Retries with exponential backoff and jitter
 * on timeouts, connection errors, 408/409/429 and 5xx are the openai SDK's own
 * (`maxRetries`); each attempt is bounded by `timeoutMs`.
 */
export class ModelClient {
  private readonly client: OpenAI;

  constructor(options: ModelClientOptions) {
    this.client = new OpenAI({
      baseURL: `${options.endpoint.replace(/\/+$/, "")}/v1`,
      // Local and in-cluster servers take no key; the SDK insists on one.
      apiKey: options.apiKey ?? "none",
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
    });
  }

  /** MODEL_NAME when given, else the first model the server lists. */
  async resolveModel(configured: string | undefined): Promise<string> {
    if (configured) return configured;
    const models = await this.client.models.list();
    const first = models.data[0];
    if (!first) throw new Error("the model server lists no models");
    return first.id;
  }

  async complete(model: string, messages: ChatTurn[], options: { maxTokens: number; temperature: number }): Promise<string> {
    const completion = await this.client.chat.completions.create({
      model,
      messages,
      max_tokens: options.maxTokens,
      temperature: options.temperature,
    });
    return completion.choices[0]?.message.content ?? "";
  }
}
