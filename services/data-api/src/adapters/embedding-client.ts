import { dependencyUnavailable, isAppError, unprocessable, withDeadline } from "@one-data/platform";
import OpenAI, { APIError } from "openai";
import { z } from "zod";
import type { EmbeddingPort } from "../domain/ports.js";

const dependency = "embedding model";

// The SDK types the answer but does not check it: a server's malformed answer is checked here.
const embeddingResponse = z.object({ data: z.array(z.object({ index: z.number().int(), embedding: z.array(z.number()) })) });
const modelsResponse = z.object({ data: z.array(z.object({ id: z.string() })) });
const openAiError = z.object({ message: z.string() });

/**
 * 400/413/422: the server is up and says the text cannot be embedded (over
 * its token limit, most often). That is the caller's input, a 422 with the
 * server's reason, not the model being unavailable. 401/403/404 stay 503:
 * they are this platform's configuration, not the input.
 */
const refusesInput = (status: number) => status === 400 || status === 413 || status === 422;

function reasonOf(error: APIError): string {
  const parsed = openAiError.safeParse(error.error);
  return (parsed.success ? parsed.data.message : error.message).slice(0, 300) || `HTTP ${error.status}`;
}

/**
 * The Model layer's OpenAI-compatible `/v1/embeddings`, over the openai SDK
 * as the other services call the model. A text the server refuses is a 422
 * with its reason; any other failure or malformed answer is "embedding model
 * unavailable" (503); a slow one is 504.
 */
export class EmbeddingClient implements EmbeddingPort {
  private model: string | undefined;
  private readonly client: OpenAI;

  constructor(
    endpoint: string,
    configuredModel: string | undefined,
    apiKey: string | undefined,
    private readonly timeoutMs: number,
  ) {
    this.model = configuredModel;
    this.client = new OpenAI({
      baseURL: `${endpoint.replace(/\/+$/, "")}/v1`,
      // Local OpenAI-compatible servers need no key; the client insists on one.
      apiKey: apiKey ?? "unused",
      timeout: timeoutMs,
      maxRetries: 0,
    });
  }

  /** EMBEDDING_MODEL, else the first model the server lists. */
  async modelName(): Promise<string> {
    if (this.model) return this.model;
    const models = await this.call(async (signal) => modelsResponse.parse(await this.client.models.list({ signal })));
    const first = models.data[0];
    if (!first) throw dependencyUnavailable(dependency, new Error("the embedding server lists no models"));
    this.model = first.id;
    return first.id;
  }

  async embed(texts: readonly string[], batchSize = 32): Promise<number[][]> {
    const model = await this.modelName();
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = texts.slice(start, start + batchSize);
      const answer = await this.call(async (signal) =>
        embeddingResponse.parse(await this.client.embeddings.create({ model, input: batch, encoding_format: "float" }, { signal })),
      );
      const ordered = [...answer.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
      if (ordered.length !== batch.length) throw dependencyUnavailable(dependency, new Error("wrong number of embeddings"));
      vectors.push(...ordered);
    }
    const dimension = vectors[0]?.length ?? 0;
    if (vectors.some((vector) => vector.length !== dimension || dimension === 0)) {
      throw dependencyUnavailable(dependency, new Error("embeddings of differing dimensions"));
    }
    return vectors;
  }

  private async call<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(dependency, this.timeoutMs, work);
    } catch (error) {
      if (isAppError(error)) throw error;
      if (error instanceof APIError && error.status !== undefined && refusesInput(error.status)) {
        throw unprocessable(`the embedding model refused the text: ${reasonOf(error)}`);
      }
      throw dependencyUnavailable(dependency, error);
    }
  }
}
