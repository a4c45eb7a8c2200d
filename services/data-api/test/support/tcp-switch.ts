import net from "node:net";

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

/**
 * A TCP forwarder on loopback that can be switched off (stops listening and
 * cuts open connections) and on again on the same port: a dependency going
 * down and coming back, without touching the shared dev servers. `hang()`
 * models a dependency that is alive but stuck (what SIGSTOP does): connections
 * are still accepted, but nothing is forwarded either way until `resume()`.
 */
export class TcpSwitch {
  private server: net.Server | undefined;
  private readonly pairs = new Set<Pair>();
  private hung = false;
  private fault: { afterBytes: number; then: "hang" | "cut"; hit: () => void } | undefined;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    /** Another loopback address (127.0.0.2...) stands in for a second host, e.g. a public endpoint. */
    readonly listenHost = "127.0.0.1",
  ) {}

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      const pair = { client, upstream };
      this.pairs.add(pair);
      for (const s of [client, upstream]) {
        s.on("error", () => s.destroy());
      }
      client.on("close", () => {
        upstream.destroy();
        this.pairs.delete(pair);
      });
      upstream.on("close", () => client.destroy());
      let answered = 0;
      upstream.on("data", (chunk: Buffer) => {
        answered += chunk.length;
        const fault = this.fault;
        if (!fault || answered < fault.afterBytes) return;
        this.fault = undefined;
        if (fault.then === "hang") this.hang();
        else {
          client.destroy();
          upstream.destroy();
        }
        fault.hit();
      });
      if (this.hung) {
        client.pause();
        upstream.pause();
      } else {
        this.connect(pair);
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, this.listenHost, () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  private connect(pair: Pair): void {
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  }

  /** Stops forwarding on every connection, open or new, without closing any. */
  hang(): void {
    this.hung = true;
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /**
   * Once one connection has carried `afterBytes` from the target (a body being read, past its headers),
   * hangs every connection or cuts that one: a dependency that stops or drops in the middle of an answer.
   * Resolves when it happened.
   */
  failMidAnswer(afterBytes: number, then: "hang" | "cut"): Promise<void> {
    return new Promise((resolve) => {
      this.fault = { afterBytes, then, hit: resolve };
    });
  }

  /** Forwards again whatever was held back while hung. */
  resume(): void {
    this.hung = false;
    for (const pair of this.pairs) this.connect(pair);
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.hung = false;
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
