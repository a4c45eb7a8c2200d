import Router from "@koa/router";
import { dependencyUnavailable, notFound, parseInput, success, type Logger } from "@one-data/platform";
import { chatRequest, conversationId } from "../api-schemas.js";
import type { ConversationAnswer, Conversations } from "../domain/conversations.js";
import { openSse, publicError, wantsStream } from "./sse.js";

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

export function chatRoutes(conversations: Conversations, log: Logger): Router {
  const router = new Router();

  router.post("/api/v1/chat", async (ctx) => {
    const input = parseInput(chatRequest, ctx.request.body);
    if (!wantsStream(ctx, input.stream)) {
      ctx.body = success(publicAnswer(await conversations.ask(input.message, input.conversation_id)));
      return;
    }
    const sse = openSse(ctx);
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
    const messages = await conversations.history(id).catch((error: unknown) => {
      throw memoryUnavailable(error);
    });
    if (messages.length === 0) throw notFound(`conversation ${id} not found`);
    ctx.body = success({ conversation_id: id, messages });
  });

  router.delete("/api/v1/conversations/:id", async (ctx) => {
    const id = parseInput(conversationId, ctx.params.id, "conversation id");
    await conversations.clear(id).catch((error: unknown) => {
      throw memoryUnavailable(error);
    });
    ctx.body = success({ conversation_id: id, deleted: true });
  });

  return router;
}

const memoryUnavailable = (error: unknown) => dependencyUnavailable("memory", error);
