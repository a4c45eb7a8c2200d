import type { Logger } from "@one-data/platform";
import type { DatabaseFaults, DatabaseSession, ObjectStorePort, RegistryPort } from "./ports.js";
import type { ObjectLocation } from "./storage-path.js";

/** A registration that failed, as far as its caller knows it. */
export interface FailedAttempt {
  /** Written with the attempt's reservation: how its rows are found however late they were written. */
  ingestId: string;
  name: string;
  /** The attempt's own database session, if it got one; handed over to the compensation. */
  session: DatabaseSession | undefined;
  /** What the session was last asked to do; settles when the database has answered (or the connection broke). */
  inflight: Promise<unknown>;
  location: ObjectLocation;
  removeObject: boolean;
}

export interface CompensationDeps {
  registry: RegistryPort;
  objects: ObjectStorePort;
  database: DatabaseFaults;
  log: Logger;
  datasetsDatabase: string;
  /** Pause between tries while the database (or the bucket) is unreachable. */
  retryMs: number;
  /** After this the start-up sweep is left to finish the job. */
  giveUpAfterMs: number;
}

/**
 * Undoes failed registrations after the fact. A database that answers late
 * (hung, then resumed) may still run what it was sent after the client was
 * told the registration failed, so the clean-up must come after it:
 *
 * - on the attempt's own session when it is still connected, once what the
 *   session was last asked to do has been answered: the server runs one
 *   session's statements in order, so the clean-up runs after any late
 *   reservation, table or activation;
 * - otherwise, once the database answers again, on a fresh connection, after
 *   ending the lost session on the server and waiting until it is gone.
 *
 * Either way the clean-up finds the attempt's rows by its ingest id (written
 * with the reservation), drops their tables and deletes them. Registrations of
 * a name wait for the compensations of that name first, so a late leftover
 * never turns the next registration into version 2.
 */
export class IngestCompensator {
  private readonly pending = new Map<string, Set<Promise<void>>>();

  constructor(private readonly deps: CompensationDeps) {}

  /** Starts undoing the attempt; the promise settles when nothing of it is left (or the compensator gave up). */
  compensate(attempt: FailedAttempt): Promise<void> {
    const running = this.run(attempt);
    const forName = this.pending.get(attempt.name) ?? new Set<Promise<void>>();
    forName.add(running);
    this.pending.set(attempt.name, forName);
    void running.finally(() => {
      forName.delete(running);
      if (forName.size === 0 && this.pending.get(attempt.name) === forName) this.pending.delete(attempt.name);
    });
    return running;
  }

  /** Settles once every compensation of `name` (of every name without one) has finished. */
  async settled(name?: string): Promise<void> {
    const sets = name === undefined ? [...this.pending.values()] : [this.pending.get(name) ?? new Set<Promise<void>>()];
    await Promise.allSettled(sets.flatMap((set) => [...set]));
  }

  private async run(attempt: FailedAttempt): Promise<void> {
    const started = Date.now();
    let objectLeft = attempt.removeObject;
    let rowsLeft = true;
    let lostThread: number | undefined;
    // The bucket does not depend on the database: an uploaded object goes at once, whatever the database does.
    if (objectLeft) objectLeft = !(await this.removeObject(attempt.location));
    if (attempt.session) {
      const session = attempt.session;
      lostThread = this.deps.registry.serverThread(session);
      await attempt.inflight.catch(() => undefined);
      try {
        await this.deps.registry.forgetAttempt(session, attempt.ingestId, this.deps.datasetsDatabase);
        rowsLeft = false;
        session.release();
      } catch (error) {
        if (!this.deps.database.isConnectionLost(error))
          this.deps.log.warn({ err: error, ingest_id: attempt.ingestId }, "clean-up on the registration's session failed");
        session.destroy();
      }
    }
    for (let tries = 0; ; tries += 1) {
      if (objectLeft) objectLeft = !(await this.removeObject(attempt.location));
      if (rowsLeft) rowsLeft = !(await this.forgetOnFreshConnection(attempt.ingestId, lostThread));
      if (!objectLeft && !rowsLeft) return;
      if (Date.now() - started > this.deps.giveUpAfterMs) {
        this.deps.log.error(
          { ingest_id: attempt.ingestId, object_left: objectLeft, rows_left: rowsLeft, tries },
          "gave up undoing a failed registration; the start-up sweep will",
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.deps.retryMs));
    }
  }

  private async removeObject(location: ObjectLocation): Promise<boolean> {
    try {
      await this.deps.objects.remove(location);
      return true;
    } catch (error) {
      this.deps.log.warn({ err: error, location }, "could not remove a failed registration's object yet");
      return false;
    }
  }

  private async forgetOnFreshConnection(ingestId: string, lostThread: number | undefined): Promise<boolean> {
    let connection: DatabaseSession | undefined;
    try {
      connection = await this.deps.registry.session();
      if (lostThread !== undefined && !(await this.deps.registry.endServerSession(connection, lostThread, this.deps.retryMs * 5)))
        return false;
      const removed = await this.deps.registry.forgetAttempt(connection, ingestId, this.deps.datasetsDatabase);
      if (removed.length > 0) this.deps.log.warn({ ingest_id: ingestId, removed }, "removed what a failed registration left behind");
      return true;
    } catch (error) {
      if (!this.deps.database.isConnectionLost(error))
        this.deps.log.warn({ err: error, ingest_id: ingestId }, "clean-up of a failed registration failed");
      return false;
    } finally {
      connection?.release();
    }
  }
}
