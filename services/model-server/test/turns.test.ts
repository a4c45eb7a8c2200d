import { expect } from "chai";
import { Turns } from "../src/domain/turns.js";

/**
 * The model server's line for its chat sequences and its embedding context. A
 * request whose client has gone (the agent's deadline passed) must leave the
 * line and never run: otherwise abandoned work keeps the model busy and every
 * request after it misses its own deadline.
 */
describe("model-server: taking turns at the model", () => {
  function held(): { release: () => void; done: Promise<void> } {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    return { release, done };
  }

  it("runs nothing for a request whose caller left while it waited, and hands the slot to the next in line", async () => {
    const turns = new Turns(["slot"]);
    const first = held();
    const running = turns.use(new AbortController().signal, () => first.done);
    const gone = new AbortController();
    const ran: string[] = [];
    const abandoned = turns.use(gone.signal, async () => {
      ran.push("abandoned");
    });
    const next = turns.use(new AbortController().signal, async (slot) => {
      ran.push(`next on ${slot}`);
    });
    gone.abort(new Error("client went away"));
    first.release();
    await running;
    await next;
    const outcome = await abandoned.then(
      () => "ran",
      (error: Error) => error.message,
    );
    expect(outcome).to.equal("client went away");
    expect(ran).to.deep.equal(["next on slot"]);
  });

  it("runs nothing for a request that arrives already abandoned", async () => {
    const turns = new Turns(["slot"]);
    const gone = new AbortController();
    gone.abort(new Error("gone"));
    let ran = false;
    const outcome = await turns
      .use(gone.signal, async () => {
        ran = true;
      })
      .catch((error: Error) => error.message);
    expect(outcome).to.equal("gone");
    expect(ran).to.equal(false);
  });

  it("refuses waiting and new requests once stopped", async () => {
    const turns = new Turns(["slot"]);
    const first = held();
    const running = turns.use(new AbortController().signal, () => first.done);
    const waiting = turns.use(new AbortController().signal, async () => "ran").catch((error: Error) => error.message);
    turns.stop(() => new Error("stopping"));
    first.release();
    await running;
    expect(await waiting).to.equal("stopping");
    expect(await turns.use(new AbortController().signal, async () => "ran").catch((error: Error) => error.message)).to.equal("stopping");
  });
});
