// The frozen sentence encoder: the same embeddings as the float64 BERT oracle (mean-pooled,
// L2-normalised), batching that does not change them, a cache that embeds each text once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError, type HfModelFiles } from '../../../src/lib/engines/onnx/model-files';
import { EmbeddingCache } from '../../../src/lib/reward/cache';
import { batches, SentenceEncoder } from '../../../src/lib/reward/encoder';
import { initHead } from '../../../src/lib/reward/head';
import { headToOnnx } from '../../../src/lib/reward/head-onnx';
import { loadBertReference } from '../../support/bert-reference-node';
import { ENCODER_FOLDER, openTinyEncoder, ortWeb } from './support';

const TEXTS = [
  'Hi',
  'The summary is accurate.',
  'My roommate keeps eating my food and says it is no big deal; how do I ask her to stop?',
  'The answer is wrong.',
  'Ünïcödé café 👍',
];

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  return Math.max(...Array.from(a, (x, i) => Math.abs(x - (b[i] ?? NaN))));
};

describe('SentenceEncoder on the tiny encoder', () => {
  let encoder: SentenceEncoder;
  beforeAll(async () => {
    encoder = await openTinyEncoder({ batchSize: 2 });
  });

  it('reads its size and adds [CLS] ... [SEP]', () => {
    expect(encoder.dim).toBe(64);
    expect(encoder.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const ids = encoder.tokenize('The summary is accurate.');
    expect(ids[0]).toBe(2);
    expect(ids.at(-1)).toBe(3);
  });

  it('matches the float64 oracle: mean-pooled, unit-length (batched and padded)', async () => {
    const reference = loadBertReference(ENCODER_FOLDER);
    const vectors = await encoder.embed(TEXTS);
    TEXTS.forEach((text, i) => {
      const v = vectors[i] as Float32Array;
      expect(maxDiff(v, reference.embed(encoder.tokenize(text)))).toBeLessThan(1e-4);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    });
  });

  it('embeds each text once, and answers repeats from the cache', async () => {
    const before = encoder.cached;
    const progress: [number, number][] = [];
    const first = await encoder.embed(['a', 'b', 'a'], {
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(first[0]).toBe(first[2]);
    expect(encoder.cached).toBe(before + 2);
    expect(progress.at(-1)).toEqual([2, 2]);
    const again = await encoder.embed(['b', 'c']);
    expect(again[0]).toBe(first[1]); // the same object: not recomputed
    expect(encoder.cached).toBe(before + 3);
  });

  it('cuts texts longer than the model takes, keeping [SEP]', async () => {
    const ids = encoder.tokenize('word '.repeat(600));
    expect(ids).toHaveLength(512);
    expect(ids.at(-1)).toBe(3);
    const [v] = await encoder.embed(['word '.repeat(600)]);
    expect(v?.every(Number.isFinite)).toBe(true);
  });

  it('stops between batches when cancelled', async () => {
    const controller = new AbortController();
    const before = encoder.cached;
    // Abort once the first batch (of two texts) is in: the second batch never runs.
    const promise = encoder.embed(['x1', 'x2', 'x3 x3', 'x4 x4'], {
      signal: controller.signal,
      onProgress: (done) => done > 0 && controller.abort(),
    });
    await expect(promise).rejects.toThrow(/cancelled/);
    expect(encoder.cached).toBe(before + 2);
  });

  it('refuses a graph that is not a feature-extraction encoder', async () => {
    const read = (name: string) => JSON.parse(readFileSync(join(ENCODER_FOLDER, name), 'utf8'));
    const files: HfModelFiles = {
      folder: 'test/',
      variant: 'fp32',
      config: read('config.json'),
      generationConfig: {},
      tokenizer: read('tokenizer.json'),
      tokenizerConfig: read('tokenizer_config.json'),
      onnx: headToOnnx(initHead(64, 4, 0)),
      externalData: [],
    };
    const error = await SentenceEncoder.create(files, { ort: ortWeb() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).kind).toBe('unsupported');
    expect((error as Error).message).toMatch(/input_ids/);
  });
});

describe('batches', () => {
  const rows = (...lengths: number[]) => lengths.map((n) => ({ ids: Array<number>(n).fill(0) }));
  const lengths = (out: { ids: number[] }[][]) => out.map((b) => b.map((r) => r.ids.length));

  it("never pads a row to more than 1.5x its batch's shortest, nor past the batch size", () => {
    expect(lengths(batches(rows(3, 4, 5, 10, 11, 12), 32))).toEqual([[3, 4], [5], [10, 11, 12]]);
    expect(lengths(batches(rows(8, 8, 8, 8, 8), 2))).toEqual([[8, 8], [8, 8], [8]]);
    // A 40-token response and a 170-token context: two runs, not one padded to 170.
    expect(lengths(batches(rows(40, 170), 32))).toEqual([[40], [170]]);
  });
});

describe('EmbeddingCache', () => {
  it('drops the least recently used entry when full', () => {
    const cache = new EmbeddingCache(2);
    const v = (x: number) => Float32Array.of(x);
    cache.set('a', v(1));
    cache.set('b', v(2));
    cache.get('a'); // a is now the most recent
    cache.set('c', v(3));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.[0]).toBe(1);
    expect(cache.size).toBe(2);
    expect(() => new EmbeddingCache(0)).toThrow(RangeError);
  });
});
