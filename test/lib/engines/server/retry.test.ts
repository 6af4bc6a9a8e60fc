// Retries, timeouts, cancellation and the in-flight bound, with an injected fetch that answers
// from a script and vitest's fake clock (no real sleeps).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  InFlightLimit,
  postJson,
  ServerHttpError,
  ServerUnreachableError,
  type FetchLike,
  type RetryPolicy,
} from '../../../../src/lib/engines/server';
import { CancelledError } from '../../../../src/lib/rlaif/engine';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, timeoutMs: 5000 };
const URL_ = 'http://127.0.0.1:8080/completion';

type Step = number | 'hang' | 'refuse' | { status: number; retryAfter: string };

// Each call takes the next step: a status (200 answers {ok: n}), a hang until aborted, or a
// refused connection; the fetch records when each call came, on the fake clock.
function scripted(steps: Step[]): { fetch: FetchLike; calls: number[] } {
  const calls: number[] = [];
  const fetch: FetchLike = (_url, init) => {
    calls.push(Date.now());
    const step = steps[calls.length - 1] ?? 200;
    if (step === 'refuse') return Promise.reject(new TypeError('fetch failed'));
    if (step === 'hang')
      return new Promise((_, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)),
      );
    if (typeof step === 'object')
      return Promise.resolve(
        new Response('slow down', {
          status: step.status,
          headers: { 'Retry-After': step.retryAfter },
        }),
      );
    const body = step === 200 ? JSON.stringify({ ok: calls.length }) : `error ${step}`;
    return Promise.resolve(new Response(body, { status: step }));
  };
  return { fetch, calls };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('postJson', () => {
  it('retries 429 and 5xx with doubling backoff, then returns the answer', async () => {
    const { fetch, calls } = scripted([503, 429, 500, 200]);
    const done = postJson(URL_, { a: 1 }, { fetch, policy, random: () => 1 });
    await vi.runAllTimersAsync();
    await expect(done).resolves.toEqual({ ok: 4 });
    expect(calls).toEqual([0, 100, 300, 700]);
  });

  it('waits as long as Retry-After says, capped at maxDelayMs', async () => {
    const { fetch, calls } = scripted([
      { status: 429, retryAfter: '0.25' },
      { status: 503, retryAfter: '60' },
    ]);
    const done = postJson(URL_, {}, { fetch, policy, random: () => 0 });
    await vi.runAllTimersAsync();
    await expect(done).resolves.toEqual({ ok: 3 });
    expect(calls).toEqual([0, 250, 1250]);
  });

  it('does not retry a 4xx other than 429, and says what came back', async () => {
    const { fetch, calls } = scripted([400]);
    const done = postJson(URL_, {}, { fetch, policy });
    await expect(done).rejects.toThrow(ServerHttpError);
    await expect(done).rejects.toThrow(/HTTP 400 after 1 try: error 400/);
    expect(calls).toHaveLength(1);
  });

  it('gives up after the last try with the last status', async () => {
    const { fetch, calls } = scripted([500, 500, 500, 502]);
    const done = postJson(URL_, {}, { fetch, policy, random: () => 0 });
    const settled = expect(done).rejects.toMatchObject({ status: 502, name: 'ServerHttpError' });
    await vi.runAllTimersAsync();
    await settled;
    expect(calls).toHaveLength(4);
  });

  it('aborts a hung attempt at the timeout and retries; refused connections end unreachable', async () => {
    const hung = scripted(['hang', 200]);
    const ok = postJson(URL_, {}, { fetch: hung.fetch, policy, random: () => 1 });
    await vi.runAllTimersAsync();
    await expect(ok).resolves.toEqual({ ok: 2 });
    expect(hung.calls).toEqual([0, 5100]);
    const dead = scripted(['refuse', 'refuse', 'hang', 'refuse']);
    const failed = postJson(URL_, {}, { fetch: dead.fetch, policy, random: () => 1 });
    const settled = expect(failed).rejects.toThrow(ServerUnreachableError);
    await vi.runAllTimersAsync();
    await settled;
    await expect(failed).rejects.toThrow(/after 4 tries \(fetch failed\).*CORS/);
  });

  it('cancels an attempt in flight and a wait between tries', async () => {
    const hung = scripted(['hang']);
    const controller = new AbortController();
    const inFlight = postJson(URL_, {}, { fetch: hung.fetch, policy, signal: controller.signal });
    controller.abort();
    await expect(inFlight).rejects.toThrow(CancelledError);
    const failing = scripted([503, 503]);
    const waiting = new AbortController();
    const backoff = postJson(URL_, {}, { fetch: failing.fetch, policy, signal: waiting.signal });
    await vi.advanceTimersByTimeAsync(10);
    waiting.abort();
    await expect(backoff).rejects.toThrow(CancelledError);
    await vi.runAllTimersAsync();
    expect(failing.calls).toHaveLength(1);
  });
});

describe('InFlightLimit', () => {
  it('runs at most `limit` tasks at once, in order, and drops a cancelled waiter', async () => {
    const limit = new InFlightLimit(2);
    const started: number[] = [];
    let peak = 0;
    const task = (i: number) => async () => {
      started.push(i);
      peak = Math.max(peak, limit.active);
      await new Promise((r) => setTimeout(r, 10));
      return i;
    };
    const controller = new AbortController();
    const runs = [0, 1, 2, 3].map((i) =>
      limit.run(task(i), i === 2 ? controller.signal : undefined),
    );
    controller.abort();
    await expect(runs[2]).rejects.toThrow(CancelledError);
    await vi.runAllTimersAsync();
    await expect(Promise.all([runs[0], runs[1], runs[3]])).resolves.toEqual([0, 1, 3]);
    expect(started).toEqual([0, 1, 3]);
    expect(peak).toBe(2);
    expect(limit.active).toBe(0);
    expect(() => new InFlightLimit(0)).toThrow(RangeError);
  });
});
