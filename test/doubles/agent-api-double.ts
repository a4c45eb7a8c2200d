/**
 * A stand-in for the Agent API's `POST /api/v1/chat`, for testing its clients — a double, never shipped. It
 * listens on 127.0.0.1 (ephemeral port) and answers each question with the reply and conversation the client
 * sent it, in the `{code, message, data}` envelope; `reshape` turns that answer into the body a test needs
 * (a field of another type, one left out) before it is sent.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

type Answer = Record<string, unknown>;

export interface AgentApiDouble {
  /** Base URL without /api/v1, like AGENT_API_URL. */
  url: string;
  close(): Promise<void>;
}

function answerTo(body: { message?: unknown; conversation_id?: unknown }): Answer {
  return {
    reply: `echo: ${String(body.message)}`,
    conversation_id: typeof body.conversation_id === "string" ? body.conversation_id : "double-conversation",
    route: "chat",
    model: null,
    sources: {},
    degraded: [],
    timings: { model_ms: 0, data_api_ms: 0, total_ms: 0 },
  };
}

export async function startAgentApiDouble(reshape: (answer: Answer) => unknown = (answer) => answer): Promise<AgentApiDouble> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/api/v1/chat") {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ code: 40401, message: "not found" }));
        return;
      }
      const data = reshape(answerTo(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Answer));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ code: 0, message: "success", data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
