interface Waiter<T> {
  resolve: (slot: T) => void;
  reject: (error: unknown) => void;
}

/**
 * A fixed set of slots (chat sequences, the embedding context) handed out one
 * request at a time; the rest wait in line. A request whose caller has gone
 * (its deadline passed, the client closed) leaves the line and never runs, so
 * abandoned work cannot hold the model while live requests miss their own
 * deadlines behind it.
 */
export class Turns<T> {
  private readonly idle: T[];
  private readonly waiting: Waiter<T>[] = [];
  private stopped: (() => Error) | undefined;

  constructor(slots: T[]) {
    this.idle = [...slots];
  }

  /** Waiting requests are refused, and so is every later one. */
  stop(reason: () => Error): void {
    this.stopped = reason;
    for (const waiter of this.waiting.splice(0)) waiter.reject(reason());
  }

  async use<R>(signal: AbortSignal, work: (slot: T) => Promise<R>): Promise<R> {
    if (this.stopped) throw this.stopped();
    signal.throwIfAborted();
    const slot = this.idle.pop() ?? (await this.wait(signal));
    try {
      return await work(slot);
    } finally {
      this.release(slot);
    }
  }

  private wait(signal: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve: (slot) => {
          signal.removeEventListener("abort", leave);
          resolve(slot);
        },
        reject,
      };
      const leave = (): void => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", leave, { once: true });
      this.waiting.push(waiter);
    });
  }

  private release(slot: T): void {
    const next = this.waiting.shift();
    if (next) next.resolve(slot);
    else this.idle.push(slot);
  }
}
