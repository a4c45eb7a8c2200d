import type { ChatHistoryItem } from "node-llama-cpp";
import { textOf, type ChatMessage } from "./openai-requests.js";

/**
 * OpenAI messages → node-llama-cpp history, ending with the empty model turn
 * that generation fills. Tool results have no role in the model's chat
 * template, so they are shown to it as user turns.
 */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message): ChatHistoryItem => {
    const text = textOf(message.content);
    switch (message.role) {
      case "system":
      case "developer":
        return { type: "system", text };
      case "assistant":
        return { type: "model", response: [text] };
      case "tool":
        return { type: "user", text: `Tool result:\n${text}` };
      case "user":
        return { type: "user", text };
    }
  });
  history.push({ type: "model", response: [] });
  return history;
}
