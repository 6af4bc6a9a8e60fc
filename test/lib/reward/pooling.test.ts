// Encoder folders as published: the pooling their sentence-transformers files name (mean for
// all-MiniLM-L6-v2, CLS for bge-small-en-v1.5; mean when absent), Normalize only where
// modules.json lists it, and the quantized variants beside model.onnx. Each generated folder is
// checked against the float64 BERT reference on the fp32 weights.
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../../src/lib/engines/onnx/model-files';
import { loadSentenceEncoder } from '../../../src/lib/reward/encoder';
import { RewardFormatError } from '../../../src/lib/reward/errors';
import { exportRewardModel } from '../../../src/lib/reward/export';
import { initHead } from '../../../src/lib/reward/head';
import { RewardModel } from '../../../src/lib/reward/model';
import {
  loadPoolingSpec,
  parseModules,
  parsePoolingConfig,
  type PoolingSpec,
} from '../../../src/lib/reward/pooling';
import type { BertWeights } from '../../../scripts/models/bert';
import {
  encoderFolderFiles,
  folderFetch,
  MINILM_SHAPE,
  TINY_SHAPE,
  type SentenceTransformersSpec,
} from '../../../scripts/models/encoder-folders';
import { l2Normalize, referenceFromBytes } from '../../support/bert-reference';
import { ortWeb } from './support';

const TEXTS = [
  'Hi',
  'The summary is accurate.',
  'My roommate keeps eating my food and says it is no big deal; how do I ask her to stop?',
  'The answer is wrong and vague.',
];
/** Dynamic int8 / uint8 against fp32 (measured: cosine >= 0.9991, max |diff| <= 0.014). */
const QUANTIZED = { minCosine: 0.998, maxAbsDiff: 0.03 };

const BASE = 'http://generated.test/';

function folder(st: SentenceTransformersSpec | undefined, weights: BertWeights[] = ['fp32']) {
  const files = encoderFolderFiles({
    shape: TINY_SHAPE,
    seed: 20240614,
    weights,
    quantizedAs: weights.includes('uint8') ? 'uint8' : undefined,
    ...(st ? { sentenceTransformers: st } : {}),
  });
  const fetch = folderFetch(BASE, files);
  const decode = (path: string) => new TextDecoder().decode(files.get(path));
  const reference = referenceFromBytes(decode('config.json'), files.get('onnx/model.onnx')!);
  return { files, fetch, reference };
}

const open = (fetch: typeof globalThis.fetch, variant: 'fp32' | 'int8' | 'uint8' | 'q8' = 'fp32') =>
  loadSentenceEncoder(BASE, { ort: ortWeb(), fetch, cache: null, variant, batchSize: 3 });

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (x, i) => Math.abs(x - (b[i] ?? NaN))));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a, (x, i) => x * (b[i] ?? NaN)).reduce((s, x) => s + x, 0);

describe('the pooling a folder names', () => {
  it('reads mean or CLS from 1_Pooling/config.json and refuses the modes it cannot compute', () => {
    expect(parsePoolingConfig({ pooling_mode_mean_tokens: true })).toBe('mean');
    expect(
      parsePoolingConfig({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }),
    ).toBe('cls');
    for (const bad of [
      { pooling_mode_max_tokens: true },
      { pooling_mode_cls_token: true, pooling_mode_mean_tokens: true },
      { pooling_mode_lasttoken: true },
      {},
    ]) {
      const error = (() => {
        try {
          return parsePoolingConfig(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as ModelLoadError).kind).toBe('unsupported');
      expect((error as Error).message).toMatch(/mean or CLS/);
    }
  });

  it('normalises only where modules.json lists a Normalize module', () => {
    const transformer = { idx: 0, path: '', type: 'sentence_transformers.models.Transformer' };
    const pooling = { idx: 1, path: '1_Pooling', type: 'sentence_transformers.models.Pooling' };
    const normalize = {
      idx: 2,
      path: '2_Normalize',
      type: 'sentence_transformers.models.Normalize',
    };
    expect(parseModules([transformer, pooling, normalize])).toEqual({
      poolingPath: '1_Pooling',
      normalize: true,
    });
    expect(parseModules([transformer, pooling]).normalize).toBe(false);
    expect(() => parseModules({})).toThrow(ModelLoadError);
  });

  it.each([
    [
      { pooling: 'mean', normalize: true },
      { pooling: 'mean', normalize: 'l2' },
    ],
    [
      { pooling: 'cls', normalize: true },
      { pooling: 'cls', normalize: 'l2' },
    ],
    [
      { pooling: 'cls', normalize: false },
      { pooling: 'cls', normalize: 'none' },
    ],
    [undefined, { pooling: 'mean', normalize: 'l2' }],
  ] as const)('folder %o pools as %o', async (st, expected) => {
    const { fetch } = folder(st);
    expect(await loadPoolingSpec(BASE, { fetch, cache: null })).toEqual(expected);
  });
});

describe('generated encoder folders against the float64 reference', () => {
  const cases: [string, SentenceTransformersSpec, (h: number[][]) => number[]][] = [
    // all-MiniLM-L6-v2: mean over the tokens, then Normalize.
    ['mean + Normalize (MiniLM)', { pooling: 'mean', normalize: true }, (h) => meanOf(h)],
    // bge-small-en-v1.5: the [CLS] position, then Normalize.
    ['CLS + Normalize (BGE)', { pooling: 'cls', normalize: true }, (h) => l2Normalize(h[0]!)],
    ['CLS, no Normalize', { pooling: 'cls', normalize: false }, (h) => h[0]!],
  ];

  it.each(cases)('%s', async (_, st, pool) => {
    const { fetch, reference } = folder(st);
    const encoder = await open(fetch);
    const vectors = await encoder.embed(TEXTS);
    TEXTS.forEach((text, i) => {
      const expected = pool(reference.forward(encoder.tokenize(text)));
      expect(maxDiff(vectors[i]!, expected)).toBeLessThan(1e-4);
    });
    await encoder.release();
  });

  it('loads the quantized variants a folder publishes, close to fp32', async () => {
    const { fetch, reference } = folder({ pooling: 'mean', normalize: true }, [
      'fp32',
      'int8',
      'uint8',
    ]);
    for (const variant of ['int8', 'uint8', 'q8'] as const) {
      const encoder = await open(fetch, variant);
      const vectors = await encoder.embed(TEXTS);
      const cosines = TEXTS.map((t, i) => dot(vectors[i]!, reference.embed(encoder.tokenize(t))));
      const diffs = TEXTS.map((t, i) => maxDiff(vectors[i]!, reference.embed(encoder.tokenize(t))));
      console.info(
        `${variant} vs float64 reference: min cosine ${Math.min(...cosines).toFixed(5)}, ` +
          `max |diff| ${Math.max(...diffs).toExponential(2)}`,
      );
      expect(Math.min(...cosines)).toBeGreaterThan(QUANTIZED.minCosine);
      expect(Math.max(...diffs)).toBeLessThan(QUANTIZED.maxAbsDiff);
      // Quantization does change the numbers: this is not the fp32 graph again.
      expect(Math.max(...diffs)).toBeGreaterThan(1e-4);
      // Dynamic quantization ranges per run: one text per run, so an embedding is its text's alone.
      expect(encoder.batchSize).toBe(1);
      const fresh = await open(fetch, variant);
      expect((await fresh.embed([TEXTS[2]!]))[0]).toEqual(vectors[2]);
      await Promise.all([encoder.release(), fresh.release()]);
    }
  });

  it("stays close to fp32 at all-MiniLM-L6-v2's width (384 wide, 12 heads, 1536; 1 layer)", async () => {
    const files = encoderFolderFiles({
      shape: { ...MINILM_SHAPE, numLayers: 1, vocabSize: undefined, maxPositions: 128 },
      seed: 3,
      weights: ['fp32', 'int8', 'uint8'],
    });
    const fetch = folderFetch(BASE, files);
    const fp32 = await open(fetch);
    const expected = await fp32.embed(TEXTS);
    for (const variant of ['int8', 'uint8'] as const) {
      const encoder = await open(fetch, variant);
      const vectors = await encoder.embed(TEXTS);
      const cosine = Math.min(...vectors.map((v, i) => dot(v, expected[i]!)));
      const diff = Math.max(...vectors.map((v, i) => maxDiff(v, expected[i]!)));
      console.info(
        `${variant} vs fp32 at width 384: min cosine ${cosine.toFixed(5)}, max |diff| ${diff.toExponential(2)}`,
      );
      expect(cosine).toBeGreaterThan(QUANTIZED.minCosine);
      expect(diff).toBeLessThan(QUANTIZED.maxAbsDiff);
      await encoder.release();
    }
    await fp32.release();
  });

  it('feeds token_type_ids only to a graph that declares it', async () => {
    const files = encoderFolderFiles({
      shape: TINY_SHAPE,
      seed: 20240614,
      weights: ['fp32'],
      tokenTypeIds: false,
    });
    const reference = referenceFromBytes(
      new TextDecoder().decode(files.get('config.json')),
      files.get('onnx/model.onnx')!,
    );
    // onnxruntime refuses a feed the graph does not declare, so this run proves it was left out.
    const encoder = await open(folderFetch(BASE, files));
    const vectors = await encoder.embed(TEXTS);
    TEXTS.forEach((text, i) => {
      expect(maxDiff(vectors[i]!, reference.embed(encoder.tokenize(text)))).toBeLessThan(1e-4);
    });
    await encoder.release();
  });

  it('says which variant file is missing', async () => {
    const { fetch } = folder({ pooling: 'mean', normalize: true });
    const error = await open(fetch, 'int8').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).kind).toBe('not-found');
    expect((error as Error).message).toMatch(/model_int8\.onnx/);
  });
});

describe('the manifest records the pooling', () => {
  it('exports CLS pooling and refuses a head on the same graph pooled another way', async () => {
    const cls = await open(folder({ pooling: 'cls', normalize: true }).fetch);
    const mean = await open(folder({ pooling: 'mean', normalize: true }).fetch);
    expect(cls.fingerprint).toBe(mean.fingerprint); // the same graph and tokenizer
    const exported = await exportRewardModel(initHead(cls.dim, 8, 1), cls);
    const spec: PoolingSpec = { pooling: 'cls', normalize: 'l2' };
    expect(exported.manifest.encoder).toMatchObject(spec);
    const model = await RewardModel.open(ortWeb(), cls, exported.manifestJson, exported.head);
    expect(Number.isFinite(await model.score('x', 'y'))).toBe(true);
    const error = await RewardModel.open(
      ortWeb(),
      mean,
      exported.manifestJson,
      exported.head,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RewardFormatError);
    expect((error as RewardFormatError).kind).toBe('encoder-mismatch');
    expect((error as Error).message).toMatch(/cls pooling/);
    await Promise.all([model.release(), cls.release(), mean.release()]);
  });
});

/** Mean over every position, then unit length (the reference's embed, from its hidden states). */
function meanOf(hidden: number[][]): number[] {
  const sum = hidden.reduce(
    (acc, h) => acc.map((v, k) => v + (h[k] ?? 0)),
    hidden[0]!.map(() => 0),
  );
  return l2Normalize(sum.map((v) => v / hidden.length));
}
