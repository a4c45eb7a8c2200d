export interface ChatTurn {
  role: "user" | "assistant";
  content: string;
}

export interface ModelMessage {
  role: "system" | "user" | "assistant";
  content: string;
}
