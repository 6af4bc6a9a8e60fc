// Typed errors for the server engine: each names the server kind, the endpoint and what to do.
import type { ServerKind } from './kinds';

/** A request the server kind cannot take (too many ids, top-N over its cap, no text prompt). */
export class ServerRequestError extends Error {
  constructor(
    readonly kind: ServerKind,
    message: string,
  ) {
    super(message);
    this.name = 'ServerRequestError';
  }
}

/** A response that does not have the documented shape, so no score can be read from it. */
export class ServerResponseError extends Error {
  constructor(
    readonly kind: ServerKind,
    readonly endpoint: string,
    readonly problem: string,
    readonly whatToDo: string,
  ) {
    super(`${kind} ${endpoint}: ${problem} ${whatToDo}`);
    this.name = 'ServerResponseError';
  }
}
