import { dependencyUnavailable, isAppError, unprocessable, withDeadline } from "@one-data/platform";
import { z } from "zod";
import type { EmbeddingPort } from "../domain/ports.js";

const embeddingResponse = z.object({
  data: z.array(z.object({ index: z.number().int(), embedding: z.array(z.number()) })),
  model: z.string().optional(),
});

const modelsResponse = z.object({ data: z.array(z.object({ id: z.string() })) });

const openAiError = z.object({ error: z.object({ message: z.string() }) });

/**
 * 400/413/422: the server is up and says the text cannot be embedded (over
 * its token limit, most often). That is the caller's input, a 422 with the
 * server's reason, not the model being unavailable. 401/403/404 stay 503:
 * they are this platform's configuration, not the input.
 */
const refusesInput = (status: number) => status === 400 || status === 413 || status === 422;

async function reasonOf(response: Response): Promise<string> {
  const text = await response.text();
  let reason = text;
  try {
    const parsed = openAiError.safeParse(JSON.parse(text));
    if (parsed.success) reason = parsed.data.error.message;
  } catch {
    // Not JSON: the text itself is the reason.
  }
  return reason.slice(0, 300) || `HTTP ${response.status}`;
}

/**
 * The Model layer's OpenAI-compatible `/v1/embeddings`. A text the server
 * refuses is a 422 with its reason; any other failure or malformed answer is
 * "embedding model unavailable" (503); a slow one is 504.
 */
export class EmbeddingClient implements EmbeddingPort {
  private model: string | undefined;

  constructor(
    private readonly endpoint: string,
    configuredModel: string | undefined,
    private readonly apiKey: string | undefined,
    private readonly timeoutMs: number,
  ) {
    this.model = configuredModel;
  }

  /** EMBEDDING_MODEL, else the first model the server lists. */
  async modelName(): Promise<string> {
    if (this.model) return this.model;
    const models = modelsResponse.parse(await this.call("GET", "/v1/models"));
    const first = models.data[0];
    if (!first) throw dependencyUnavailable("embedding model", new Error("the embedding server lists no models"));
    this.model = first.id;
    return first.id;
  }

  async embed(texts: readonly string[], batchSize = 32): Promise<number[][]> {
    const model = await this.modelName();
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = texts.slice(start, start + batchSize);
      const answer = embeddingResponse.parse(await this.call("POST", "/v1/embeddings", { model, input: batch, encoding_format: "float" }));
      const ordered = [...answer.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
      if (ordered.length !== batch.length) throw dependencyUnavailable("embedding model", new Error("wrong number of embeddings"));
      vectors.push(...ordered);
    }
    const dimension = vectors[0]?.length ?? 0;
    if (vectors.some((vector) => vector.length !== dimension || dimension === 0)) {
      throw dependencyUnavailable("embedding model", new Error("embeddings of differing dimensions"));
    }
    return vectors;
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    try {
      return await withDeadline("embedding model", this.timeoutMs, async (signal) => {
        const response = await fetch(`${this.endpoint.replace(/\/+$/, "")}${path}`, {
          method,
          signal,
          headers: {
            "content-type": "application/json",
            ...(this.apiKey && { authorization: `Bearer ${this.apiKey}` }),
          },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        });
        if (refusesInput(response.status)) throw unprocessable(`the embedding model refused the text: ${await reasonOf(response)}`);
        if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
        return (await response.json()) as unknown;
      });
    } catch (error) {
      if (isAppError(error)) throw error;
      throw dependencyUnavailable("embedding model", error);
    }
  }
}
