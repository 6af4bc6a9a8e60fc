// Training: a task with a known answer on the real tiny encoder (held-out templates), the same
// weights for the same seed, early stopping that keeps the best epoch, and cancellation.
import { beforeAll, describe, expect, it } from 'vitest';
import { pairsFromAiLabels, pairsFromHumanChoices } from '../../../src/lib/reward/data';
import type { Embedder } from '../../../src/lib/reward/encoder';
import {
  embedPairs,
  evaluate,
  fitHead,
  splitIndices,
  trainRewardHead,
  type EmbeddedPairs,
  type EpochStats,
} from '../../../src/lib/reward/train';
import { mulberry32 } from '../../../src/lib/rlaif/random';
import type { PairLabel, PreferencePair } from '../../../src/lib/rlaif/types';
import {
  openTinyEncoder,
  signalPairs,
  TEST_TEMPLATES,
  TRAIN_TEMPLATES,
  type SentenceEncoder,
} from './support';

/** Random unit vectors, one per text, fixed by the text: an encoder with no meaning. */
function randomEmbedder(dim: number): Embedder {
  const seen = new Map<string, Float32Array>();
  return {
    dim,
    embed: async (texts) =>
      texts.map((text) => {
        const known = seen.get(text);
        if (known) return known;
        const random = mulberry32(seen.size + 1);
        const v = Float32Array.from({ length: dim }, () => 2 * random() - 1);
        const norm = Math.hypot(...v);
        const unit = v.map((x) => x / norm);
        seen.set(text, unit);
        return unit;
      }),
  };
}

/** n pairs over distinct random texts with coin-flip targets: nothing to learn. */
async function noisePairs(n: number, dim: number): Promise<EmbeddedPairs> {
  const random = mulberry32(99);
  const pairs = Array.from({ length: n }, (_, i) => ({
    context: `c${i % 20}`,
    a: `a${i}`,
    b: `b${i}`,
    p: random() < 0.5 ? 0.8 : 0.2,
  }));
  return embedPairs(randomEmbedder(dim), pairs);
}

describe('synthetic task on the tiny encoder', () => {
  let encoder: SentenceEncoder;
  let train: EmbeddedPairs;
  let test: EmbeddedPairs;
  beforeAll(async () => {
    encoder = await openTinyEncoder();
    train = await embedPairs(encoder, signalPairs(TRAIN_TEMPLATES, 240, 1));
    test = await embedPairs(encoder, signalPairs(TEST_TEMPLATES, 200, 2));
  });

  it('learns the planted signal: >= 90% pairwise accuracy on held-out templates', async () => {
    const epochs: EpochStats[] = [];
    const onEpoch = (stats: EpochStats) => epochs.push(stats);
    const result = await fitHead(train, { seed: 42, epochs: 12, lr: 0.01, batchSize: 16, onEpoch });
    expect(epochs).toEqual(result.history);
    expect(epochs[0]?.epoch).toBe(1);
    const heldOut = evaluate(
      result.head,
      test,
      Array.from({ length: 200 }, (_, i) => i),
    );
    console.info(
      `synthetic: ${result.history.length} epochs, best ${result.bestEpoch}, ` +
        `val acc ${result.history.at(-1)?.valAccuracy.toFixed(3)}, ` +
        `held-out acc ${heldOut.accuracy.toFixed(3)}, loss ${heldOut.loss.toFixed(3)}`,
    );
    expect(heldOut.accuracy).toBeGreaterThanOrEqual(0.9);
    // The soft targets cap what the loss can reach: their entropy H(0.9) = 0.325.
    expect(heldOut.loss).toBeLessThan(0.45);
  });

  it('gives identical weights for the same seed, different ones for another', async () => {
    const options = { epochs: 2 };
    const a = await fitHead(train, { ...options, seed: 3 });
    const b = await fitHead(train, { ...options, seed: 3 });
    const c = await fitHead(train, { ...options, seed: 4 });
    expect(b.head.W1).toEqual(a.head.W1);
    expect(b.head.w2).toEqual(a.head.w2);
    expect(b.history.map((s) => s.valLoss)).toEqual(a.history.map((s) => s.valLoss));
    expect(c.head.W1).not.toEqual(a.head.W1);
  });

  it('trains end to end from pairs of text (embedding them through the cache)', async () => {
    const pairs = signalPairs(TRAIN_TEMPLATES, 60, 5);
    const result = await trainRewardHead(encoder, pairs, { seed: 1, epochs: 3 });
    expect(result.history).toHaveLength(3);
    expect(result.split.train.length + result.split.val.length).toBe(60);
  });
});

describe('fitHead', () => {
  it('splits by seed, disjointly, covering every pair', () => {
    const { train, val } = splitIndices(50, 0.2, 7);
    expect(val).toHaveLength(10);
    expect([...train, ...val].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(splitIndices(50, 0.2, 7)).toEqual({ train, val });
    expect(splitIndices(50, 0.2, 8).val).not.toEqual(val);
    expect(splitIndices(50, 0, 7).val).toEqual([]);
  });

  it('stops early on noise and hands back the best epoch', async () => {
    const data = await noisePairs(200, 16);
    const result = await fitHead(data, { seed: 1, epochs: 200, patience: 3, lr: 0.01 });
    expect(result.stoppedEarly).toBe(true);
    expect(result.history.length).toBe(result.bestEpoch + 3);
    const best = Math.min(...result.history.map((s) => s.valLoss));
    expect(evaluate(result.head, data, result.split.val).loss).toBeCloseTo(best, 12);
  });

  it('trains on everything without a validation split', async () => {
    const data = await noisePairs(40, 8);
    const result = await fitHead(data, { valFraction: 0, epochs: 4 });
    expect(result.history).toHaveLength(4);
    expect(result.history.every((s) => Number.isNaN(s.valLoss))).toBe(true);
    expect(result.split.train).toHaveLength(40);
  });

  it('stops when cancelled from an epoch callback', async () => {
    const data = await noisePairs(100, 8);
    const controller = new AbortController();
    const seen: number[] = [];
    const run = fitHead(data, {
      epochs: 50,
      signal: controller.signal,
      onEpoch: ({ epoch }) => {
        seen.push(epoch);
        if (epoch === 2) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([1, 2]);
  });

  it('stops mid-epoch when cancelled from a timer (it yields to the event loop)', async () => {
    const data = await noisePairs(1000, 64);
    const controller = new AbortController();
    const seen: number[] = [];
    // A timer can only fire when training yields (every ~30 ms), i.e. inside the first epoch.
    setTimeout(() => controller.abort(), 0);
    const run = fitHead(data, {
      epochs: 3,
      signal: controller.signal,
      onEpoch: ({ epoch }) => seen.push(epoch),
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([]);
  });

  it('refuses targets outside [0, 1] and too few pairs', async () => {
    const embedder = randomEmbedder(4);
    await expect(embedPairs(embedder, [{ context: 'c', a: 'a', b: 'b', p: 1.5 }])).rejects.toThrow(
      RangeError,
    );
    const one = await embedPairs(embedder, [{ context: 'c', a: 'a', b: 'b', p: 1 }]);
    await expect(fitHead(one)).rejects.toThrow(RangeError);
  });
});

describe('training pairs from labels', () => {
  const pair = (id: string, humanChoice?: 0 | 1): PreferencePair => ({
    id,
    task: 'helpful',
    context: `context ${id}`,
    candidates: [`first ${id}`, `second ${id}`],
    source: { format: 'native', line: 1 },
    ...(humanChoice === undefined ? {} : { humanChoice }),
  });

  it('takes the AI soft label as the target (distilled RLAIF)', () => {
    const label = { pairId: 'x', label: [0.62, 0.38] } as PairLabel;
    expect(pairsFromAiLabels([pair('x'), pair('y')], [label])).toEqual([
      { context: 'context x', a: 'first x', b: 'second x', p: 0.62 },
    ]);
  });

  it('takes human choices as hard targets, skipping unlabelled pairs', () => {
    const pairs = [pair('x', 0), pair('y', 1), pair('z')];
    expect(pairsFromHumanChoices(pairs).map((p) => p.p)).toEqual([1, 0]);
  });
});
