import net from "node:net";

/**
 * A TCP forwarder on loopback that can be switched off (stops listening and
 * cuts open connections) and on again on the same port, or hung and resumed:
 * a dependency going down or stalling and coming back, without touching the
 * shared dev servers.
 */
export class TcpSwitch {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.on("data", (bytes) => upstream.write(bytes));
      upstream.on("data", (bytes) => client.write(bytes));
      if (this.hung) for (const s of [client, upstream]) s.pause();
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  private hung = false;

  /**
   * Stops passing bytes either way without closing anything, as a stopped
   * (SIGSTOP) server would: what was sent waits in the kernel's buffers and
   * is delivered, and acted on, once `resume` is called.
   */
  hang(): void {
    this.hung = true;
    for (const s of this.sockets) s.pause();
  }

  resume(): void {
    this.hung = false;
    for (const s of this.sockets) s.resume();
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
