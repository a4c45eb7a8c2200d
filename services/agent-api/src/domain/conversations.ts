import { randomUUID } from "node:crypto";
import type { ChatAnswer } from "@one-data/agent-api-contract";
import type { Logger } from "@one-data/platform";
import type { Agent } from "./agent.js";
import type { ChatTurn } from "./conversation.js";
import type { MemoryPort } from "./ports.js";

export type ConversationAnswer = ChatAnswer;

/**
 * Wraps the agent with conversation memory. Memory is an aid, not a
 * dependency: when Redis fails the question is answered without history and
 * the answer says memory was degraded.
 */
export function createConversations(agent: Agent, memory: MemoryPort, log: Logger) {
  return {
    async ask(message: string, conversationId: string | undefined, onDelta?: (text: string) => void): Promise<ConversationAnswer> {
      const id = conversationId ?? randomUUID();
      const degraded: string[] = [];
      let history: ChatTurn[] = [];
      if (conversationId !== undefined) {
        try {
          history = await memory.load(id);
        } catch (error) {
          log.warn({ err: (error as Error).message }, "conversation history unavailable");
          degraded.push("memory");
        }
      }
      const answer = await agent.ask(message, { history, ...(onDelta ? { onDelta } : {}) });
      if (!degraded.includes("memory")) {
        try {
          await memory.append(id, [
            { role: "user", content: message },
            { role: "assistant", content: answer.reply },
          ]);
        } catch (error) {
          log.warn({ err: (error as Error).message }, "conversation not remembered");
          degraded.push("memory");
        }
      }
      return { ...answer, degraded: [...answer.degraded, ...degraded], conversation_id: id };
    },
    history: (conversationId: string): Promise<ChatTurn[]> => memory.load(conversationId),
    clear: (conversationId: string): Promise<void> => memory.clear(conversationId),
  };
}

export type Conversations = ReturnType<typeof createConversations>;
