/**
 * A check proves one thing about the running platform and returns a one-line
 * detail of what it saw. It fails by throwing: `WrongAnswer` when the
 * platform worked but the model's answer differs from the truth computed from
 * the data; anything else is a plumbing fault (no reply, bad structure, 5xx,
 * timeout, wrong wiring).
 */
export interface Check<Context> {
  id: string;
  title: string;
  /** Which of the brief's integration points (or "smoke") this proves. */
  integration: string;
  timeoutMs: number;
  run(context: Context): Promise<string>;
}

export class WrongAnswer extends Error {
  constructor(
    readonly what: string,
    readonly expected: unknown,
    readonly actual: unknown,
  ) {
    super(`${what}: expected ${show(expected)}, got ${show(actual)}`);
    this.name = "WrongAnswer";
  }
}

export class CheckFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckFailure";
  }
}

export function show(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** Plumbing assertion: the platform itself returned something other than expected. */
export function expectEqual(what: string, expected: unknown, actual: unknown): void {
  if (!deepEqual(expected, actual)) {
    throw new CheckFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

export function expectThat(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
