// One JSON POST with timeouts, retries with backoff on 429 / 5xx / timeouts / lost connections,
// cancellation through an AbortSignal, and a bound on requests in flight. fetch is injected, so
// the same code runs in the browser, in Node and in tests.
import { CancelledError } from '../../rlaif/engine';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Backoff before retry k (1-based) is base * 2^(k-1), capped at maxDelayMs, then jittered. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per-attempt limit; a slow attempt is aborted and retried. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  timeoutMs: 120_000,
};

/** An HTTP failure; `retryable` for 429 and 5xx. */
export class ServerHttpError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly body: string,
    attempts: number,
  ) {
    super(
      `${url} answered HTTP ${status} after ${attempts} ${attempts === 1 ? 'try' : 'tries'}: ` +
        `${body.slice(0, 300)}` +
        (status === 429 || status >= 500
          ? ' The server is overloaded or failing: lower the concurrency or try again later.'
          : ' Check the request against the server kind chosen.'),
    );
    this.name = 'ServerHttpError';
  }
}

/** No answer at all: timeouts or a connection that failed on every try. */
export class ServerUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: unknown,
    attempts: number,
  ) {
    const why = reason instanceof Error ? reason.message : String(reason);
    super(
      `${url} did not answer after ${attempts} tries (${why}). Check that the server runs and, ` +
        'from a browser, that it allows this origin (CORS) and the app allows its host (CSP).',
    );
    this.name = 'ServerUnreachableError';
  }
}

class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

export interface PostOptions {
  fetch: FetchLike;
  policy?: RetryPolicy;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** In [0, 1); the jitter spreads retries of many parallel requests apart. */
  random?: () => number;
}

export async function postJson(url: string, body: unknown, options: PostOptions): Promise<unknown> {
  const policy = options.policy ?? DEFAULT_RETRY;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new CancelledError('The server request');
    let waitMs: number;
    try {
      const response = await attemptOnce(url, body, options, policy.timeoutMs);
      if (response.ok) return await response.json();
      const text = await response.text();
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable || attempt >= policy.attempts)
        throw new ServerHttpError(url, response.status, text, attempt);
      waitMs = retryAfterMs(response) ?? backoffMs(policy, attempt, random);
    } catch (error) {
      if (error instanceof ServerHttpError || error instanceof CancelledError) throw error;
      if (options.signal?.aborted) throw new CancelledError('The server request');
      // fetch rejects with a TypeError when the connection fails (or CORS refuses it).
      if (attempt >= policy.attempts) throw new ServerUnreachableError(url, error, attempt);
      waitMs = backoffMs(policy, attempt, random);
    }
    await sleep(Math.min(waitMs, policy.maxDelayMs), options.signal);
  }
}

async function attemptOnce(
  url: string,
  body: unknown,
  options: PostOptions,
  timeoutMs: number,
): Promise<Response> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(new CancelledError('The server request'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new AttemptTimeout(timeoutMs)), timeoutMs);
  try {
    return await options.fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...options.headers },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

// Equal jitter: at least half the exponential delay, so retries never come back at once.
function backoffMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  const full = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return full * (0.5 + 0.5 * random());
}

// Retry-After in seconds, as 429 and 503 answers may carry it.
function retryAfterMs(response: Response): number | null {
  const seconds = Number(response.headers.get('retry-after'));
  return response.headers.has('retry-after') && Number.isFinite(seconds) && seconds >= 0
    ? seconds * 1000
    : null;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError('The server request'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** At most `limit` tasks run at once; the rest wait in order, and leave the queue if cancelled. */
export class InFlightLimit {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`In-flight limit must be a whole number >= 1, not ${limit}.`);
  }

  get active(): number {
    return this.running;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.running >= this.limit) await this.wait(signal);
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }

  // A slot is handed over directly (running stays the same) when a task finishes.
  private wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError('The server request'));
    return new Promise((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.queue.splice(this.queue.indexOf(go), 1);
        reject(new CancelledError('The server request'));
      };
      this.queue.push(go);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
