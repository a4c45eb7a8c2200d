import { randomUUID } from "node:crypto";
import Router from "@koa/router";
import { invalidRequest, notFound, openAiErrorBody, parseInput } from "@one-data/platform";
import type { z } from "zod";
import { completionRequest, maxMessageChars } from "../api-schemas.js";
import type { Agent, AgentAnswer } from "../domain/agent.js";
import type { ChatTurn } from "../domain/conversation.js";
import { openSse, publicError, type StreamOptions } from "./sse.js";

/**
 * The agent behind the OpenAI chat API, so any OpenAI client can ask it
 * questions. Answers carry the same `sources` as the native API, as an extra
 * field of the completion (and of the last stream chunk).
 */
const agentModelId = "one-data-agent";
const created = Math.floor(Date.now() / 1000);

function toHistory(messages: z.infer<typeof completionRequest>["messages"]): { question: string; history: ChatTurn[] } {
  const last = messages[messages.length - 1]!;
  const question = (last.content ?? "").trim();
  if (last.role !== "user" || question === "") {
    throw invalidRequest("messages: the last message must be a non-empty user message");
  }
  if (question.length > maxMessageChars) throw invalidRequest(`messages: the question must be at most ${maxMessageChars} characters`);
  // System prompts from the client are not passed on: the agent's own instructions and fences stand.
  const history = messages
    .slice(0, -1)
    .filter((m): m is typeof m & { role: "user" | "assistant" } => m.role === "user" || m.role === "assistant")
    .map((m) => ({ role: m.role, content: m.content ?? "" }))
    .filter((m) => m.content !== "");
  return { question, history };
}

/** Paths of the OpenAI-compatible API: every failure there, malformed JSON and unknown routes included, is answered in OpenAI's error format. */
export const servesOpenAiApi = (path: string): boolean => path === "/v1" || path.startsWith("/v1/");

function completion(id: string, answer: AgentAnswer) {
  return {
    id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: agentModelId,
    choices: [{ index: 0, message: { role: "assistant", content: answer.reply }, finish_reason: "stop", logprobs: null }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    route: answer.route,
    served_model: answer.model,
    sources: answer.sources,
    degraded: answer.degraded,
  };
}

export function openAiRoutes(agent: Agent, streams: StreamOptions): Router {
  const { log } = streams;
  const router = new Router({ prefix: "/v1" });

  router.get("/models", (ctx) => {
    ctx.body = { object: "list", data: [{ id: agentModelId, object: "model", created, owned_by: "one-data-studio" }] };
  });

  router.post("/chat/completions", async (ctx) => {
    const input = parseInput(completionRequest, ctx.request.body);
    if (input.model !== agentModelId) throw notFound(`model ${input.model} does not exist; use ${agentModelId}`);
    const { question, history } = toHistory(input.messages);
    const id = `chatcmpl-${randomUUID()}`;
    if (!input.stream) {
      ctx.body = completion(id, await agent.ask(question, { history }));
      return;
    }
    const sse = openSse(ctx, streams.heartbeatMs);
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) => ({
      id,
      object: "chat.completion.chunk",
      created: Math.floor(Date.now() / 1000),
      model: agentModelId,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...extra,
    });
    sse.send(undefined, chunk({ role: "assistant", content: "" }, null));
    agent
      .ask(question, { history, onDelta: (text) => sse.send(undefined, chunk({ content: text }, null)) })
      .then(
        (answer) =>
          sse.send(
            undefined,
            chunk({}, "stop", { route: answer.route, served_model: answer.model, sources: answer.sources, degraded: answer.degraded }),
          ),
        (error: unknown) => {
          const { code, message, status } = publicError(error, log);
          sse.send(undefined, openAiErrorBody({ status, code, message }));
        },
      )
      .finally(() => {
        sse.raw("data: [DONE]\n\n");
        sse.end();
      });
  });
  return router;
}
