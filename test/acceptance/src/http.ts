import type { z } from "zod";
import { CheckFailure, show } from "./check.js";

export interface JsonResponse<T> {
  status: number;
  body: T;
}

/**
 * A small JSON-over-HTTP client for the suite. Any transport error, non-JSON
 * body or unexpected status becomes a CheckFailure that names the URL, so a
 * failed check says exactly which hop broke.
 */
export async function requestJson<T = unknown>(
  method: string,
  url: string,
  options: { body?: unknown; timeoutMs: number; expectStatus?: number[] },
): Promise<JsonResponse<T>> {
  let response: Response;
  try {
    const init: RequestInit = { method, signal: AbortSignal.timeout(options.timeoutMs) };
    if (options.body !== undefined) {
      init.headers = { "content-type": "application/json" };
      init.body = JSON.stringify(options.body);
    }
    response = await fetch(url, init);
  } catch (error) {
    const reason = error instanceof Error && error.name === "TimeoutError" ? `no answer within ${options.timeoutMs} ms` : String(error);
    throw new CheckFailure(`${method} ${url}: ${reason}`);
  }
  const text = await response.text();
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    throw new CheckFailure(`${method} ${url}: status ${response.status}, body is not JSON: ${show(text)}`);
  }
  const expected = options.expectStatus ?? [200];
  if (!expected.includes(response.status)) {
    throw new CheckFailure(`${method} ${url}: expected status ${expected.join("/")}, got ${response.status}: ${show(body)}`);
  }
  return { status: response.status, body };
}

interface Envelope<T> {
  code: number;
  message: string;
  data: T;
}

/** Calls one of our services and unwraps the `{code, message, data}` envelope. */
async function callApi<T>(method: string, url: string, options: { body?: unknown; timeoutMs: number }): Promise<T> {
  const { body } = await requestJson<Envelope<T>>(method, url, options);
  if (body.code !== 0) throw new CheckFailure(`${method} ${url}: envelope code ${body.code}: ${body.message}`);
  return body.data;
}

/** The services whose answers the suite parses with their contract packages. */
type ContractOf = "Data API" | "Agent API";

/** Calls one of our services and holds its answer to its contract: a field of another shape fails the check, naming it. */
async function callContracted<S extends z.ZodType>(
  contract: ContractOf,
  schema: S,
  method: string,
  url: string,
  options: { body?: unknown; timeoutMs: number },
): Promise<z.infer<S>> {
  return matchesContract(contract, schema, `${method} ${url}`, await callApi<unknown>(method, url, options));
}

/** Calls the Data API, parsing its answer with a schema of @one-data/data-api-contract. */
export const callDataApi = <S extends z.ZodType>(schema: S, method: string, url: string, options: { body?: unknown; timeoutMs: number }) =>
  callContracted("Data API", schema, method, url, options);

/** Calls the Agent API, parsing its answer with a schema of @one-data/agent-api-contract. */
export const callAgentApi = <S extends z.ZodType>(schema: S, method: string, url: string, options: { body?: unknown; timeoutMs: number }) =>
  callContracted("Agent API", schema, method, url, options);

/** The data of a service's answer, parsed by its contract's schema. */
export function matchesContract<S extends z.ZodType>(contract: ContractOf, schema: S, what: string, data: unknown): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckFailure(
      `${what}: answer breaks the ${contract} contract at ${issue?.path.join(".") || "its root"}: ${issue?.message ?? ""}`,
    );
  }
  return parsed.data;
}
