import type { ModelMessage } from "../conversation.js";
import { fence, fenceRule } from "../fence.js";
import type { Choice } from "./plan.js";

/**
 * One decision the question leaves open, put to the model as a pick among its
 * options under constrained decoding: `response_format: json_schema` whose
 * only property is an enum of the options. llama.cpp (our model server) and
 * vLLM both enforce an enum in a JSON schema, so the model cannot answer
 * anything else, and one short reply is all a 135M model has to get right.
 */
export function choiceSchema(choice: Choice): { name: string; schema: Record<string, unknown> } {
  return {
    name: "choice",
    schema: {
      type: "object",
      properties: { choice: { type: "string", enum: choice.options } },
      required: ["choice"],
      additionalProperties: false,
    },
  };
}

export function choiceMessages(question: string, choice: Choice, described: string[] = choice.options): ModelMessage[] {
  return [
    {
      role: "system",
      content: `You are the ONE-DATA-STUDIO assistant. Pick ${choice.decision} for the question. Reply with the JSON object {"choice": <one of the options>} only.\n${fenceRule}`,
    },
    { role: "user", content: `${fence("options", described.map((d) => `- ${d}`).join("\n"))}\n\nQuestion: ${question}` },
  ];
}

/** The option the reply picked, or undefined when it picked none of them. */
export function pickedOption(reply: string, choice: Choice): string | undefined {
  try {
    const value = (JSON.parse(reply.slice(reply.indexOf("{"), reply.lastIndexOf("}") + 1)) as { choice?: unknown }).choice;
    return typeof value === "string" && choice.options.includes(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
