import Router from "@koa/router";
import { invalidRequest, notFound, parseInput } from "@one-data/platform";
import type { LocalModel } from "../adapters/local-model.js";
import { normalize, toBase64 } from "../domain/embedding-vector.js";
import { embeddingRequest } from "../domain/openai-requests.js";
import { abortOnDisconnect } from "./disconnect.js";

export function embeddingRoutes(model: LocalModel, modelName: string): Router {
  const router = new Router();
  router.post("/v1/embeddings", async (ctx) => {
    const request = parseInput(embeddingRequest, ctx.request.body, "embedding request");
    if (request.model !== modelName) throw notFound(`model ${request.model} is not served here; use ${modelName}`);
    if (request.dimensions !== undefined && request.dimensions !== model.embeddingDimension) {
      throw invalidRequest(`this model's embeddings have ${model.embeddingDimension} dimensions`);
    }
    const inputs = typeof request.input === "string" ? [request.input] : request.input;
    if (inputs.some((text) => text.length === 0)) throw invalidRequest("input texts must not be empty");
    const tokenCounts = inputs.map((text) => model.countTokens(text));
    const longest = Math.max(...tokenCounts);
    if (longest > model.maxEmbeddingTokens) {
      throw invalidRequest(`an input has ${longest} tokens; this model embeds at most ${model.maxEmbeddingTokens}`);
    }
    const vectors = (await model.embed(inputs, abortOnDisconnect(ctx))).map(normalize);
    const base64 = request.encoding_format === "base64";
    const promptTokens = tokenCounts.reduce((sum, count) => sum + count, 0);
    ctx.body = {
      object: "list",
      model: modelName,
      data: vectors.map((vector, index) => ({ object: "embedding", index, embedding: base64 ? toBase64(vector) : vector })),
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    };
  });
  return router;
}
