import { chatAnswer, conversation, deletedConversation, readyChecks } from "@one-data/agent-api-contract";
import { envelopeOf } from "@one-data/platform";
import { z } from "zod";

/**
 * The Agent API's requests, which its routes parse, and its answers in the
 * envelope; the answers themselves are the contract's
 * (@one-data/agent-api-contract). The OpenAPI document (openapi.ts) is
 * generated from both.
 */
export const maxMessageChars = 8000;

export const conversationId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, - or _");

export const chatRequest = z.object({
  // The limit applies to what the client sent (before trimming), so the document's maxLength is what is enforced.
  message: z.string().max(maxMessageChars, `must be at most ${maxMessageChars} characters`).trim().min(1, "must not be empty"),
  conversation_id: conversationId.optional(),
  stream: z.boolean().optional().meta({ description: "answer as Server-Sent Events: delta events, then done or error" }),
});

const messageContent = z.union([
  z.string(),
  z.array(z.object({ type: z.string(), text: z.string().optional() })).transform((parts) =>
    parts
      .filter((p) => p.type === "text")
      .map((p) => p.text ?? "")
      .join(""),
  ),
]);

export const completionRequest = z.object({
  model: z.string().min(1),
  messages: z
    .array(z.object({ role: z.enum(["system", "developer", "user", "assistant", "tool"]), content: messageContent.nullish() }))
    .min(1, "must not be empty")
    .max(100),
  stream: z.boolean().optional(),
});

export const readyResult = envelopeOf(readyChecks);
export const conversationResult = envelopeOf(conversation);
export const deletedConversationResult = envelopeOf(deletedConversation);
export const datasetsResult = envelopeOf(z.unknown().meta({ description: "the Data API's dataset list, as it answered" }));
export const chatResult = envelopeOf(chatAnswer);
