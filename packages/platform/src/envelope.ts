/** The `{code, message, data}` envelope of the seed's contract. */
export interface Envelope<T> {
  code: number;
  message: string;
  data?: T;
}

export function success<T>(data: T, message = "success"): Envelope<T> {
  return { code: 0, message, data };
}

export interface ErrorBody {
  code: number;
  message: string;
  details?: unknown;
}
