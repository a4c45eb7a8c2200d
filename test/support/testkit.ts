/**
 * The helpers every test shares, in one place: a free loopback port, the local
 * servers' environment, waiting for something to come up, running a one-shot
 * command. The process helpers are the local platform's own (tools/local-platform),
 * which starts the same servers the same way.
 */
import { createServer } from "node:net";

export { probeUrl, runToCompletion, tcpOpen, waitUntil } from "../../tools/local-platform/src/processes.js";

/** A loopback port nothing listens on right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The deadline of one call to the real small model in a test: the tests check what it answers, and a 135M
 * model on a 2-core machine running other work has taken over 120 s for one structured reply (load average
 * 29), so only a model that does not answer at all reaches it.
 */
export const realModelDeadlineMs = 480_000;

/** A variable of the local servers' environment, or an error saying how to get it. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: start the local servers (scripts/local/servers.sh start) and source their env file (.local/servers/env); scripts/test.sh does both`,
    );
  }
  return value;
}
