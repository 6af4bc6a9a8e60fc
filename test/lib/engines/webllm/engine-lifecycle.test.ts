// The parts of WebLlmEngine the app relies on to never hang on a dead model: a worker crash is
// reported as it happens (onCrash), and dispose() frees the worker even when web-llm never
// answers unload (after a lost GPU device). Fake web-llm, fake worker.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebLlmEngine, type MlcEngine } from '../../../../src/lib/engines/webllm/engine';
import type { WebLlmError } from '../../../../src/lib/engines/webllm/errors';
import { byteLevelBpe } from '../../../support/tokenizers';

const MODEL = 'SmolLM2-360M-Instruct-q4f32_1-MLC';

const tokenizerHost = (async (input: RequestInfo | URL) =>
  String(input).endsWith('/tokenizer.json')
    ? Response.json(byteLevelBpe([]))
    : new Response('missing', { status: 404 })) as typeof fetch;

async function engineWith(unload: () => Promise<void>) {
  const listeners = new Map<string, (event: { message?: string }) => void>();
  let terminated = 0;
  const worker = {
    addEventListener: (type: string, listener: (event: { message?: string }) => void) =>
      listeners.set(type, listener),
    postMessage: () => {},
    terminate: () => void terminated++,
  } as unknown as Worker;
  const mlc = { completions: {}, interruptGenerate: () => {}, unload } as unknown as MlcEngine;
  const engine = await WebLlmEngine.create({
    modelId: MODEL,
    fullVocab: false,
    fetch: tokenizerHost,
    cache: null,
    createWorker: () => worker,
    createEngine: async () => mlc,
  });
  return {
    engine,
    crash: (message: string) => listeners.get('error')?.({ message }),
    terminated: () => terminated,
  };
}

afterEach(() => vi.useRealTimers());

describe('WebLlmEngine lifecycle', () => {
  it('reports a worker crash to onCrash listeners as a worker-crashed error', async () => {
    const { engine, crash } = await engineWith(async () => {});
    const seen: WebLlmError[] = [];
    engine.onCrash((error) => seen.push(error));
    crash('out of memory');
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]!.kind).toBe('worker-crashed');
    expect(seen[0]!.message).toMatch(/The web-llm worker stopped \(out of memory\)/);
  });

  it('terminates the worker when unload never answers', async () => {
    const { engine, terminated } = await engineWith(() => new Promise<void>(() => {}));
    vi.useFakeTimers();
    const disposed = engine.dispose();
    expect(terminated()).toBe(0);
    await vi.advanceTimersByTimeAsync(3000);
    await disposed;
    expect(terminated()).toBe(1);
  });

  it('unloads, then terminates, when web-llm answers', async () => {
    const order: string[] = [];
    const { engine, terminated } = await engineWith(async () => void order.push('unload'));
    await engine.dispose();
    expect(order).toEqual(['unload']);
    expect(terminated()).toBe(1);
  });
});
