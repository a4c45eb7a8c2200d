import Router from "@koa/router";
import { notFound, parseInput, success } from "@one-data/platform";
import { chatRequest, conversationId } from "../api-schemas.js";
import type { ConversationAnswer, Conversations } from "../domain/conversations.js";
import { openSse, publicError, wantsStream, type StreamOptions } from "./sse.js";

function publicAnswer(answer: ConversationAnswer) {
  return {
    reply: answer.reply,
    conversation_id: answer.conversation_id,
    route: answer.route,
    model: answer.model,
    sources: answer.sources,
    degraded: answer.degraded,
    timings: answer.timings,
  };
}

export function chatRoutes(conversations: Conversations, streams: StreamOptions): Router {
  const { log } = streams;
  const router = new Router();

  router.post("/api/v1/chat", async (ctx) => {
    const input = parseInput(chatRequest, ctx.request.body);
    if (!wantsStream(ctx, input.stream)) {
      ctx.body = success(publicAnswer(await conversations.ask(input.message, input.conversation_id)));
      return;
    }
    const sse = openSse(ctx, streams.heartbeatMs);
    conversations
      .ask(input.message, input.conversation_id, (text) => sse.send("delta", { text }))
      .then(
        (answer) => sse.send("done", publicAnswer(answer)),
        (error: unknown) => {
          const { code, message } = publicError(error, log);
          sse.send("error", { code, message });
        },
      )
      .finally(() => sse.end());
  });

  router.get("/api/v1/conversations/:id", async (ctx) => {
    const id = parseInput(conversationId, ctx.params.id, "conversation id");
    // The memory store answers failures as 503/504 naming "memory".
    const messages = await conversations.history(id);
    if (messages.length === 0) throw notFound(`conversation ${id} not found`);
    ctx.body = success({ conversation_id: id, messages });
  });

  router.delete("/api/v1/conversations/:id", async (ctx) => {
    const id = parseInput(conversationId, ctx.params.id, "conversation id");
    await conversations.clear(id);
    ctx.body = success({ conversation_id: id, deleted: true });
  });

  return router;
}
