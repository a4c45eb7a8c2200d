import { z } from "zod";

/**
 * The subset of the OpenAI request bodies this server honours. Fields it does
 * not implement and that would change the answer (n > 1, tools) are refused
 * with a 400 instead of being silently ignored.
 */
const textPart = z.object({ type: z.literal("text"), text: z.string() });

const messageContent = z
  .union([z.string(), z.array(textPart)])
  .nullable()
  .optional();

const chatMessage = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: messageContent,
  name: z.string().optional(),
});

export type ChatMessage = z.infer<typeof chatMessage>;

const responseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string().optional(),
      schema: z.record(z.string(), z.unknown()),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

export type ResponseFormat = z.infer<typeof responseFormat>;

export const chatCompletionRequest = z.object({
  model: z.string().min(1),
  messages: z.array(chatMessage).min(1, "at least one message is required"),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().min(1).nullable().optional(),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullable()
    .optional(),
  n: z.literal(1, "only n = 1 is supported").nullable().optional(),
  response_format: responseFormat.nullable().optional(),
  tools: z.array(z.unknown()).max(0, "tools are not supported by this server").nullable().optional(),
  user: z.string().optional(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;

export const embeddingRequest = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1).max(256)]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().min(1).optional(),
  user: z.string().optional(),
});

export function textOf(content: ChatMessage["content"]): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part) => part.text).join("");
}
