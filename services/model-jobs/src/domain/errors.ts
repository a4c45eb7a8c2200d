/** A failure the operator can act on; the CLI prints its message without a stack. */
export class JobError extends Error {
  constructor(
    message: string,
    readonly reason: "usage" | "not_found" | "not_tabular" | "dependency" | "failed",
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "JobError";
  }
}
