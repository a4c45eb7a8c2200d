import { AppError } from "@one-data/platform";
import { expect } from "chai";

/** The AppError a call rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejected(work: Promise<unknown>): Promise<AppError> {
  try {
    await work;
  } catch (error) {
    expect(error).to.be.instanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected a rejection");
}
