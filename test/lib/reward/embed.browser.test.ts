import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrt } from '../../../src/lib/engines/onnx/runtime';
import { loadSentenceEncoder } from '../../../src/lib/reward';
import { createRewardWorker, RewardWorker } from '../../../src/lib/reward/worker/client';

// RewardWorker.embed: the worker's encoder vectors for texts (the Policy page's features),
// equal to the same encoder run in the page, in order, unit length, with progress.
const ENCODER = '/models/tiny-encoder/';
let worker: RewardWorker;

beforeAll(async () => {
  worker = await RewardWorker.start(createRewardWorker(), { encoder: ENCODER, ep: 'wasm' });
});
afterAll(() => worker?.dispose());

describe('RewardWorker.embed', () => {
  it('returns the encoder embedding of each text, in order, as the page-side encoder does', async () => {
    const texts = ['The summary is accurate.', 'A vague reply.', 'The summary is accurate.', ''];
    const progress: number[][] = [];
    const got = await worker.embed(texts, {
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(got).toHaveLength(texts.length);
    const encoder = await loadSentenceEncoder(ENCODER, {
      ort: await loadOrt(),
      ep: 'wasm',
      cache: null,
    });
    const want = await encoder.embed(texts);
    for (const [i, vector] of got.entries()) {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector.length).toBe(worker.encoder.dim);
      const norm = Math.hypot(...vector);
      expect(norm).toBeCloseTo(1, 5);
      const gap = Math.max(...vector.map((v, k) => Math.abs(v - want[i]![k]!)));
      expect(gap).toBeLessThan(1e-5);
    }
    expect(got[0]).toEqual(got[2]);
    expect(progress.at(-1)).toEqual([3, 3]); // three distinct texts
    await encoder.release();
  });
});
