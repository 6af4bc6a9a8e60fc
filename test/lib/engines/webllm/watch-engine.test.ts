import { describe, expect, it } from 'vitest';
import {
  WebLlmError,
  mapWebLlmError,
  workerCrashed,
} from '../../../../src/lib/engines/webllm/errors';
import {
  isModelLost,
  lostModelMessage,
  watchForLoss,
  type CrashReporting,
} from '../../../../src/lib/engines/webllm/watch-engine';
import type { LabelerEngine, NextTokenScores } from '../../../../src/lib/rlaif/engine';

const SCORES: NextTokenScores[] = [{ logprobs: [-0.1, -2.3], top: [], promptTokens: 5 }];

/** An engine whose calls fail with the queued errors, and whose worker can "crash". */
function fakeEngine(failures: unknown[]) {
  let crash: ((error: WebLlmError) => void) | undefined;
  let disposed = 0;
  const engine: LabelerEngine & CrashReporting = {
    modelId: 'm',
    tokenizer: { vocabSize: 10 } as LabelerEngine['tokenizer'],
    scoreNextToken: async () => {
      const failure = failures.shift();
      if (failure) throw failure;
      return SCORES;
    },
    generate: async () => {
      const failure = failures.shift();
      if (failure) throw failure;
      return { text: 'ok', tokens: 1, finishReason: 'eos' };
    },
    dispose: async () => void disposed++,
    onCrash: (listener) => (crash = listener),
  };
  return { engine, crash: (e: WebLlmError) => crash?.(e), disposed: () => disposed };
}

const request = { prefix: [], continuations: ['x'], tokenIds: [1, 2] };

describe('watchForLoss', () => {
  it('passes answers and ordinary errors through without reporting a loss', async () => {
    const tooLong = mapWebLlmError('ContextWindowSizeExceededError: too long', 'label');
    const { engine } = fakeEngine([tooLong]);
    const lost: WebLlmError[] = [];
    const watched = watchForLoss(engine, (e) => lost.push(e));
    await expect(watched.scoreNextToken(request)).rejects.toBe(tooLong);
    await expect(watched.scoreNextToken(request)).resolves.toBe(SCORES);
    expect(lost).toEqual([]);
    expect(watched.modelId).toBe('m');
  });

  it('reports a lost device once, and still throws it to the caller', async () => {
    const deviceLost = mapWebLlmError('DeviceLostError: The WebGPU device was lost.', 'label');
    const { engine } = fakeEngine([deviceLost, deviceLost]);
    const lost: WebLlmError[] = [];
    const watched = watchForLoss(engine, (e) => lost.push(e));
    await expect(
      watched.generate({ prefix: [], continuation: 'x', maxTokens: 4, temperature: 0 }),
    ).rejects.toBe(deviceLost);
    await expect(watched.scoreNextToken(request)).rejects.toBe(deviceLost);
    expect(lost).toEqual([deviceLost]);
  });

  it('reports a worker crash that happens while idle', () => {
    const { engine, crash } = fakeEngine([]);
    const lost: WebLlmError[] = [];
    watchForLoss(engine, (e) => lost.push(e));
    crash(workerCrashed('script error'));
    expect(lost.map((e) => e.kind)).toEqual(['worker-crashed']);
  });

  it('disposes the engine it wraps', async () => {
    const fake = fakeEngine([]);
    await watchForLoss(fake.engine, () => undefined).dispose();
    expect(fake.disposed()).toBe(1);
  });
});

describe('isModelLost and its message', () => {
  it('counts only out-of-memory, worker crashes and an unloaded model as a lost model', () => {
    expect(isModelLost(workerCrashed('x'))).toBe(true);
    expect(isModelLost(mapWebLlmError('ModelNotLoadedError: Model not loaded', 'label'))).toBe(
      true,
    );
    expect(isModelLost(mapWebLlmError('GPUOutOfMemoryError', 'label'))).toBe(true);
    expect(isModelLost(mapWebLlmError('Failed to fetch', 'label'))).toBe(false);
    expect(isModelLost(new Error('DeviceLostError'))).toBe(false);
  });

  it('says to reload and that labels are kept', () => {
    const message = lostModelMessage(workerCrashed('out of memory'));
    expect(message).toMatch(/^The model stopped and must be reloaded/);
    expect(message).toMatch(/Labels made so far are kept/);
  });
});
