// The exported reward model: the ONNX head computes what the float64 head computes, a round trip
// through the files scores identically, onnxruntime-node (a user's tool) opens it and agrees,
// and every malformed or mismatched file is refused with a typed error that says why.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedPairs, evaluate, fitHead, type EmbeddedPairs } from '../../../src/lib/reward/train';
import { RewardFormatError, type RewardFormatErrorKind } from '../../../src/lib/reward/errors';
import {
  exportRewardModel,
  importRewardModel,
  trainingMetadata,
  type ExportedRewardModel,
} from '../../../src/lib/reward/export';
import { initHead, pairFeatures, reward, type Head } from '../../../src/lib/reward/head';
import { headToOnnx, readHeadOnnx } from '../../../src/lib/reward/head-onnx';
import { RewardModel } from '../../../src/lib/reward/model';
import { rmPairwiseAccuracy } from '../../../src/lib/rlaif/metrics';
import type { TrainPair } from '../../../src/lib/reward/data';
import {
  ENCODER_FOLDER,
  openTinyEncoder,
  ortWeb,
  signalPairs,
  TEST_TEMPLATES,
  TRAIN_TEMPLATES,
  type SentenceEncoder,
} from './support';

let encoder: SentenceEncoder;
let head: Head;
let exported: ExportedRewardModel;
let model: RewardModel;
let testPairs: TrainPair[];
let test: EmbeddedPairs;

beforeAll(async () => {
  encoder = await openTinyEncoder();
  const train = await embedPairs(encoder, signalPairs(TRAIN_TEMPLATES, 160, 11));
  const result = await fitHead(train, { seed: 5, epochs: 10, lr: 0.01, batchSize: 16 });
  head = result.head;
  exported = await exportRewardModel(head, encoder, trainingMetadata(result, 'ai', 'fixed'));
  model = await RewardModel.create(ortWeb(), encoder, exported.head);
  testPairs = signalPairs(TEST_TEMPLATES, 60, 12);
  test = await embedPairs(encoder, testPairs);
});

const items = () =>
  testPairs.flatMap(({ context, a, b }) => [
    { context, response: a },
    { context, response: b },
  ]);

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  return Math.max(...Array.from(a, (x, i) => Math.abs(x - (b[i] ?? NaN))));
};

describe('ONNX head', () => {
  it('matches the float64 head within 1e-5', async () => {
    const width = 3 * encoder.dim;
    const vectors = await encoder.embed(items().flatMap((i) => [i.context, i.response]));
    const features = new Float32Array(items().length * width);
    const expected = items().map((_, i) => {
      const f = pairFeatures(vectors[2 * i] as Float32Array, vectors[2 * i + 1] as Float32Array);
      features.set(f, i * width);
      // The float64 reference sees the same float32 inputs the graph sees.
      return reward(head, Float64Array.from(features.subarray(i * width, (i + 1) * width)));
    });
    const diff = maxDiff(await model.runHead(features), expected);
    console.info(`ONNX head (WASM) vs float64 head: max |diff| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-5);
  });

  it('ranks held-out pairs like the training target (>= 90%, via the app runtime)', async () => {
    const scores = await model.scoreMany(items());
    const rewards = testPairs.map((_, i): [number, number] => [scores[2 * i]!, scores[2 * i + 1]!]);
    const humans = testPairs.map((pair) => (pair.p > 0.5 ? 0 : 1));
    const { accuracy } = rmPairwiseAccuracy(rewards, humans);
    expect(accuracy.estimate).toBeGreaterThanOrEqual(0.9);
    const float64 = evaluate(
      head,
      test,
      testPairs.map((_, i) => i),
    ).accuracy;
    expect(accuracy.estimate).toBeCloseTo(float64, 1);
  });

  it('scores one response and a pair, with the Bradley-Terry preference', async () => {
    const { context, a, b } = testPairs[0] as TrainPair;
    const pair = await model.scorePair(context, a, b);
    expect(pair.rewards).toEqual([await model.score(context, a), await model.score(context, b)]);
    const [ra, rb] = pair.rewards;
    expect(pair.preference[0]).toBeCloseTo(Math.exp(ra) / (Math.exp(ra) + Math.exp(rb)), 12);
    expect(pair.preference[0] + pair.preference[1]).toBeCloseTo(1, 15);
  });
});

describe('export and import', () => {
  it('writes a manifest naming the encoder, the features, the sizes and the training run', () => {
    const manifest = JSON.parse(exported.manifestJson);
    expect(manifest).toMatchObject({
      format: 'rlaif-lab/reward-model',
      version: 1,
      encoder: { fingerprint: encoder.fingerprint, dim: 64, pooling: 'mean', normalize: 'l2' },
      features: 'concat(e(x), e(y), e(x) * e(y))',
      head: { file: 'head.onnx', input: 'features', output: 'reward', inputDim: 192, hidden: 32 },
      training: { labels: 'ai', seed: 5, pairs: 160, createdAt: 'fixed' },
    });
  });

  it('scores identically after a round trip through the files', async () => {
    const manifestJson = new TextDecoder().decode(new TextEncoder().encode(exported.manifestJson));
    const reopened = await RewardModel.open(ortWeb(), encoder, manifestJson, exported.head.slice());
    expect(await reopened.scoreMany(items())).toEqual(await model.scoreMany(items()));
    const { graph } = await importRewardModel(exported.manifestJson, exported.head, encoder);
    expect(graph.head.W1).toEqual(head.W1.map(Math.fround));
    expect(graph.metadata['rlaif_lab.encoder_fingerprint']).toBe(encoder.fingerprint);
    await reopened.release();
  });

  it('opens in onnxruntime-node with the same scores (head alone, and encoder + head)', async () => {
    const session = await ortNode.InferenceSession.create(exported.head);
    const encoderSession = await ortNode.InferenceSession.create(
      readFileSync(join(ENCODER_FOLDER, 'onnx/model.onnx')),
    );
    // The whole model by hand, as a user would wire it: tokens -> encoder -> mean pool -> unit
    // length -> features -> head.
    const embed = async (text: string): Promise<number[]> => {
      const ids = encoder.tokenize(text);
      const int64 = (values: number[]) =>
        new ortNode.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
      const out = await encoderSession.run({
        input_ids: int64(ids),
        attention_mask: int64(ids.map(() => 1)),
        token_type_ids: int64(ids.map(() => 0)),
      });
      const hidden = out.last_hidden_state?.data as Float32Array;
      const mean = Array.from(
        { length: 64 },
        (_, k) => ids.reduce((s, _, t) => s + (hidden[t * 64 + k] ?? 0), 0) / ids.length,
      );
      const norm = Math.hypot(...mean);
      return mean.map((v) => v / norm);
    };
    const list = items().slice(0, 12);
    const features: number[] = [];
    for (const { context, response } of list) {
      const [ex, ey] = [await embed(context), await embed(response)];
      features.push(...ex, ...ey, ...ex.map((v, k) => v * (ey[k] ?? NaN)));
    }
    const input = new ortNode.Tensor('float32', Float32Array.from(features), [list.length, 192]);
    const out = await session.run({ features: input });
    const nodeScores = out.reward?.data as Float32Array;
    expect(out.reward?.dims).toEqual([list.length]);
    const headAlone = maxDiff(nodeScores, await model.runHead(Float32Array.from(features)));
    console.info(`onnxruntime-node vs -web, head on the same features: max |diff| ${headAlone}`);
    expect(headAlone).toBeLessThan(1e-6);
    const webScores = await model.scoreMany(list);
    const diff = maxDiff(nodeScores, webScores);
    console.info(
      `onnxruntime-node (encoder + head) vs the app: max |diff| ${diff.toExponential(2)}`,
    );
    expect(diff).toBeLessThan(1e-5);
    await session.release();
    await encoderSession.release();
  });
});

describe('refusing bad files', () => {
  const kindOf = async (run: () => Promise<unknown>): Promise<RewardFormatErrorKind | 'none'> => {
    try {
      await run();
      return 'none';
    } catch (error) {
      expect(error).toBeInstanceOf(RewardFormatError);
      expect((error as Error).message.length).toBeGreaterThan(30);
      return (error as RewardFormatError).kind;
    }
  };
  const open = (manifest: string, bytes: Uint8Array) => () =>
    importRewardModel(manifest, bytes, encoder);
  const edited = (edit: (m: Record<string, Record<string, unknown>>) => void): string => {
    const manifest = JSON.parse(exported.manifestJson);
    edit(manifest);
    return JSON.stringify(manifest);
  };

  it('a manifest that is not JSON, or not ours', async () => {
    expect(await kindOf(open('{"format":', exported.head))).toBe('bad-manifest');
    expect(await kindOf(open('[]', exported.head))).toBe('bad-manifest');
    const other = edited((m) => (m.format = 'other' as never));
    expect(await kindOf(open(other, exported.head))).toBe('bad-manifest');
    const later = edited((m) => (m.version = 2 as never));
    expect(await kindOf(open(later, exported.head))).toBe('bad-manifest');
    const noEncoder = edited((m) => delete m.encoder);
    expect(await kindOf(open(noEncoder, exported.head))).toBe('bad-manifest');
  });

  it('a head file that is not ONNX', async () => {
    const text = new TextEncoder().encode('<!doctype html><title>404</title>');
    expect(await kindOf(open(exported.manifestJson, text))).toBe('not-onnx');
    expect(await kindOf(open(exported.manifestJson, new Uint8Array(0)))).toBe('not-onnx');
    const junk = Uint8Array.from({ length: 256 }, (_, i) => (i * 37 + 11) % 256);
    expect(await kindOf(open(exported.manifestJson, junk))).toBe('not-onnx');
  });

  it('an ONNX file that is not a reward head (the encoder itself)', async () => {
    const bert = readFileSync(join(ENCODER_FOLDER, 'onnx/model.onnx'));
    expect(await kindOf(open(exported.manifestJson, bert))).toBe('not-reward-head');
  });

  it('sizes that disagree: head vs manifest, head vs encoder', async () => {
    const small = headToOnnx(initHead(16, 32, 0));
    expect(await kindOf(open(exported.manifestJson, small))).toBe('dims');
    const wider = headToOnnx(initHead(64, 8, 0));
    expect(await kindOf(open(exported.manifestJson, wider))).toBe('dims');
    const claims = edited((m) => ((m.head as Record<string, unknown>).inputDim = 100));
    expect(await kindOf(open(claims, exported.head))).toBe('dims');
    expect(await kindOf(() => RewardModel.create(ortWeb(), encoder, small))).toBe('dims');
    const otherSize = { ...encoder, modelId: 'x', dim: 32, fingerprint: encoder.fingerprint };
    expect(
      await kindOf(() => importRewardModel(exported.manifestJson, exported.head, otherSize)),
    ).toBe('dims');
  });

  it('a head edited after export (checksum)', async () => {
    const tampered = headToOnnx(readHeadOnnx(exported.head).head);
    const graph = readHeadOnnx(tampered);
    graph.head.w2[0] = (graph.head.w2[0] ?? 0) + 1;
    expect(await kindOf(open(exported.manifestJson, headToOnnx(graph.head)))).toBe('checksum');
  });

  it('another encoder (fingerprint differs)', async () => {
    const other = {
      modelId: 'Xenova/all-MiniLM-L6-v2',
      fingerprint: 'f'.repeat(64),
      dim: 64,
      maxLength: 512,
    };
    expect(await kindOf(() => importRewardModel(exported.manifestJson, exported.head, other))).toBe(
      'encoder-mismatch',
    );
    const embedder = { ...other, embed: encoder.embed.bind(encoder) };
    expect(
      await kindOf(() =>
        RewardModel.open(ortWeb(), embedder, exported.manifestJson, exported.head),
      ),
    ).toBe('encoder-mismatch');
  });

  it('accepts the good pair of files', async () => {
    expect(await kindOf(open(exported.manifestJson, exported.head))).toBe('none');
  });
});
