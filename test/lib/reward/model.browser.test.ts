import { describe, expect, it } from 'vitest';
import { loadOrt } from '../../../src/lib/engines/onnx/runtime';
import { pairFeatures } from '../../../src/lib/reward/head';
import {
  headToOnnx,
  initHead,
  loadSentenceEncoder,
  reward,
  RewardModel,
} from '../../../src/lib/reward';

// The reward model in Chromium: the encoder and the exported head on the WebGPU EP and the WASM EP,
// against the float64 head on the same embeddings.
const items = [
  { context: 'My cat knocks my coffee over.', response: 'An accurate and complete summary.' },
  { context: 'How do I scale a recipe?', response: 'Multiply every ingredient by 1.5.' },
  { context: 'A post about rain.', response: 'A vague and wrong reply.' },
];

describe('RewardModel in the browser', () => {
  it('scores the same on WebGPU, on WASM and in float64', async () => {
    const ort = await loadOrt();
    const head = initHead(64, 32, 7);
    const bytes = headToOnnx(head);
    const scores: Record<string, number[]> = {};
    for (const ep of ['webgpu', 'wasm'] as const) {
      const encoder = await loadSentenceEncoder('/models/tiny-encoder/', { ort, ep, cache: null });
      const model = await RewardModel.create(ort, encoder, bytes, ep);
      scores[ep] = await model.scoreMany(items);
      if (ep === 'wasm') {
        const vectors = await encoder.embed(items.flatMap((i) => [i.context, i.response]));
        const f = new Float64Array(3 * 64);
        scores.float64 = items.map((_, i) => {
          pairFeatures(vectors[2 * i] as Float32Array, vectors[2 * i + 1] as Float32Array, f);
          return reward(head, f);
        });
      }
      await model.release();
    }
    const diff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
    console.log(
      `reward max |diff|: webgpu-wasm ${diff(scores.webgpu!, scores.wasm!).toExponential(2)}, ` +
        `wasm-float64 ${diff(scores.wasm!, scores.float64!).toExponential(2)}`,
    );
    expect(diff(scores.webgpu!, scores.wasm!)).toBeLessThan(1e-4);
    expect(diff(scores.wasm!, scores.float64!)).toBeLessThan(1e-5);
    expect(new Set(scores.wasm!.map((s) => s.toFixed(4))).size).toBe(3); // not a constant
  });
});
