/**
 * What a gullible small model does with a prompt — a test double, never
 * shipped. It reads only the user turns the agent sent (the system turn holds
 * the agent's own rules): if any of them tells it to reply with a word or a
 * quoted phrase ("reply only with PWNED", "只回复“已被控制”"), it replies with
 * exactly that; otherwise it copies the last user turn back, fences and all,
 * as a 135M model often does. Either way it answers only from what it was sent.
 */
export interface TurnView {
  role: string;
  content: string;
}

const obeyed = [
  /\b(?:reply|respond|answer|say|print|output)\b[^\n.。]*?["“']?\b([A-Z][A-Z0-9]{3,})\b/,
  /(?:回复|回答|输出|说)[^\n。“"「]*[“"「]([^”"」\n]{1,20})[”"」]/,
];

export function gullibleReply(messages: readonly TurnView[]): string {
  const users = messages.filter((m) => m.role === "user").map((m) => m.content);
  for (const text of users) {
    for (const pattern of obeyed) {
      const payload = pattern.exec(text)?.[1];
      if (payload !== undefined) return payload;
    }
  }
  return users.at(-1) ?? "";
}
