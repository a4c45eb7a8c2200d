import { expect } from "chai";
import { OwnedModelServer } from "../../../test/support/owned-processes.js";
import { requireEnv } from "../../../test/support/testkit.js";

/**
 * SIGTERM while generating (Kubernetes stopping the pod, the test command
 * stopping its servers): the server must stop promptly — abort generation,
 * answer what is in flight, close — not generate on to max_tokens and need
 * SIGKILL.
 */
describe("model-server: SIGTERM while it generates (real SmolLM2-135M)", function () {
  this.timeout(180_000);
  let server: OwnedModelServer | undefined;

  before(async function () {
    const modelPath = requireEnv("MODEL_PATH");
    server = await OwnedModelServer.start(modelPath);
  });
  after(async () => {
    await server?.process.kill();
  });

  it("aborts the stream in flight and the queued request, and exits within 3 s", async () => {
    const s = server!;
    const body = (stream: boolean) =>
      JSON.stringify({
        model: s.modelName,
        messages: [{ role: "user", content: "Repeat the word data forever: data data data data data data data data" }],
        max_tokens: 4000,
        temperature: 0,
        stream,
      });
    const streaming = await fetch(`${s.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body(true),
    });
    expect(streaming.status).to.equal(200);
    const reader = streaming.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes('"content":"') || text.split("\n\n").length < 6) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    // One sequence (MODEL_PARALLEL=1): this one waits in line behind the stream.
    const queued = fetch(`${s.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body(false),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));

    s.process.signal("SIGTERM");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const queuedAnswer = await queued;
    // It exits without finishing the 4,000 tokens: the stream's last event says it was cut short.
    const exitCode = await s.process.exited();
    expect(exitCode).to.equal(0);
    const events = text
      .split("\n\n")
      .filter((e) => e.startsWith("data: "))
      .map((e) => e.slice(6));
    expect(events.at(-1)).to.equal("[DONE]");
    const last = JSON.parse(events.at(-2)!) as { error?: { message: string; code: string } };
    expect(last.error, "the stream says it was cut short").to.deep.include({ message: "the model server is shutting down", code: "50301" });
    expect(queuedAnswer.status).to.equal(503);
    expect(((await queuedAnswer.json()) as { error: { message: string } }).error.message).to.equal("the model server is shutting down");
  });
});
