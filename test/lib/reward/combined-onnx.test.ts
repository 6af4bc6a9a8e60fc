// The reward model as one ONNX file: onnxruntime-node (a user's tool, a second runtime) runs it
// from token ids alone and agrees with the app's encoder + head, with whichever pooling the
// encoder's folder names; the app reads the head back out byte for byte and scores identically;
// files that are not such a model are refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  combineRewardModel,
  COMBINED_INPUTS,
  readCombinedRewardModel,
} from '../../../src/lib/reward/combined-onnx';
import { RewardFormatError } from '../../../src/lib/reward/errors';
import { exportRewardModel, type ExportedRewardModel } from '../../../src/lib/reward/export';
import { initHead, type Head } from '../../../src/lib/reward/head';
import { RewardModel } from '../../../src/lib/reward/model';
import { loadTokenizer } from '../../../src/lib/engines/tokenizer';
import { mulberry32 } from '../../../src/lib/rlaif/random';
import { loadSentenceEncoder } from '../../../src/lib/reward/encoder';
import {
  encoderFolderFiles,
  folderFetch,
  TINY_SHAPE,
  WEIGHT_FILES,
  type SentenceTransformersSpec,
} from '../../../scripts/models/encoder-folders';
import { ENCODER_FOLDER, openTinyEncoder, ortWeb, type SentenceEncoder } from './support';

let encoder: SentenceEncoder;
let head: Head;
let exported: ExportedRewardModel;
let combined: Uint8Array;
const file = (name: string) => readFileSync(join(ENCODER_FOLDER, name));

beforeAll(async () => {
  encoder = await openTinyEncoder();
  // Random weights of a realistic scale: what matters is that both paths compute the same thing.
  head = initHead(encoder.dim, 16, 3);
  const rand = mulberry32(4);
  head.b1.forEach((_, i) => (head.b1[i] = rand() - 0.5));
  exported = await exportRewardModel(head, encoder);
  combined = combineRewardModel({
    encoder: file('onnx/model.onnx'),
    tokenizer: file('tokenizer.json').toString('utf8'),
    tokenizerConfig: file('tokenizer_config.json').toString('utf8'),
    manifestJson: exported.manifestJson,
    head,
  });
});

const ITEMS = [
  { context: 'How do I fix a flat tyre?', response: 'A complete and accurate answer.' },
  { context: 'Summarize the post.', response: 'Wrong and vague, it misses the point.' },
  { context: 'x', response: 'A much longer response that talks about many things at once.' },
  { context: 'Why is the sky blue?', response: '' },
];

describe('one-file reward model', () => {
  it('runs in onnxruntime-node from token ids and agrees with the app within 1e-5', async () => {
    // The tokenizer comes out of the file itself: nothing else is needed to use it.
    const { tokenizer, tokenizerConfig } = readCombinedRewardModel(combined);
    const tok = loadTokenizer(JSON.parse(tokenizer), JSON.parse(tokenizerConfig ?? '{}'), {
      addSpecialTokens: true,
    });
    const session = await ortNode.InferenceSession.create(combined);
    expect(session.inputNames).toEqual([...COMBINED_INPUTS]);
    const app = await RewardModel.create(ortWeb(), encoder, exported.head);
    const expected = await app.scoreMany(ITEMS);
    const got: number[] = [];
    for (const { context, response } of ITEMS) {
      const int64 = (ids: number[]) =>
        new ortNode.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
      const [x, y] = [tok.encode(context), tok.encode(response)];
      expect(x).toEqual(encoder.tokenize(context));
      const out = await session.run({
        context_input_ids: int64(x),
        context_attention_mask: int64(x.map(() => 1)),
        response_input_ids: int64(y),
        response_attention_mask: int64(y.map(() => 1)),
      });
      got.push(...(out.reward?.data as Float32Array));
    }
    const diff = Math.max(...got.map((g, i) => Math.abs(g - (expected[i] ?? NaN))));
    console.info(`one-file model (onnxruntime-node) vs app: max |diff| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-5);
    expect(new Set(got.map((g) => g.toFixed(4))).size).toBe(ITEMS.length); // not a constant
    await session.release();
    await app.release();
  });

  it('pads batches: a padded row scores like the row alone', async () => {
    const session = await ortNode.InferenceSession.create(combined);
    const rows = [encoder.tokenize('short'), encoder.tokenize('a longer context with words')];
    const y = encoder.tokenize('An answer.');
    const seq = Math.max(...rows.map((r) => r.length));
    const ids = rows.flatMap((r) => [...r, ...Array(seq - r.length).fill(0)]);
    const mask = rows.flatMap((r) => [...r.map(() => 1), ...Array(seq - r.length).fill(0)]);
    const t = (v: number[], n: number) =>
      new ortNode.Tensor('int64', BigInt64Array.from(v, BigInt), [2, n]);
    const out = await session.run({
      context_input_ids: t(ids, seq),
      context_attention_mask: t(mask, seq),
      response_input_ids: t([...y, ...y], y.length),
      response_attention_mask: t(
        [...y, ...y].map(() => 1),
        y.length,
      ),
    });
    const app = await RewardModel.create(ortWeb(), encoder, exported.head);
    const expected = await app.scoreMany([
      { context: 'short', response: 'An answer.' },
      { context: 'a longer context with words', response: 'An answer.' },
    ]);
    const batch = out.reward?.data as Float32Array;
    expect(Math.abs((batch[0] ?? NaN) - (expected[0] ?? NaN))).toBeLessThan(1e-5);
    expect(Math.abs((batch[1] ?? NaN) - (expected[1] ?? NaN))).toBeLessThan(1e-5);
    await session.release();
    await app.release();
  });

  it('gives back the exported head byte for byte, so the app opens it with the same scores', async () => {
    const back = readCombinedRewardModel(combined);
    expect(back.head).toEqual(exported.head);
    expect(back.manifestJson).toBe(exported.manifestJson);
    const reopened = await RewardModel.open(ortWeb(), encoder, back.manifestJson, back.head);
    const original = await RewardModel.create(ortWeb(), encoder, exported.head);
    expect(await reopened.scoreMany(ITEMS)).toEqual(await original.scoreMany(ITEMS));
    await reopened.release();
    await original.release();
  });

  it('refuses files that are not a combined reward model, saying why', () => {
    const kind = (bytes: Uint8Array) => {
      try {
        readCombinedRewardModel(bytes);
        return 'none';
      } catch (error) {
        expect(error).toBeInstanceOf(RewardFormatError);
        return (error as RewardFormatError).kind;
      }
    };
    expect(kind(new TextEncoder().encode('{"not": "onnx"}'))).toBe('not-onnx');
    expect(kind(exported.head)).toBe('not-reward-head'); // a head alone has no manifest
    expect(kind(file('onnx/model.onnx'))).toBe('not-reward-head');
  });
});

describe('one-file reward model on other poolings', () => {
  const cases: [string, SentenceTransformersSpec, 'fp32' | 'int8'][] = [
    ['CLS + Normalize (bge-small-en-v1.5)', { pooling: 'cls', normalize: true }, 'fp32'],
    ['mean without Normalize', { pooling: 'mean', normalize: false }, 'fp32'],
    ['the int8 variant, CLS + Normalize', { pooling: 'cls', normalize: true }, 'int8'],
  ];

  it.each(cases)('%s: onnxruntime-node scores as the app', async (_, st, variant) => {
    const files = encoderFolderFiles({
      shape: TINY_SHAPE,
      seed: 11,
      weights: [variant],
      sentenceTransformers: st,
    });
    const base = 'http://generated.test/';
    const enc = await loadSentenceEncoder(base, {
      ort: ortWeb(),
      fetch: folderFetch(base, files),
      cache: null,
      variant,
    });
    const graph = files.get(`onnx/${WEIGHT_FILES[variant]}`)!;
    expect(enc.pooling).toBe(st.pooling);
    const h = initHead(enc.dim, 16, 5);
    const out = await exportRewardModel(h, enc);
    const text = (path: string) => new TextDecoder().decode(files.get(path));
    const bytes = combineRewardModel({
      encoder: graph,
      tokenizer: text('tokenizer.json'),
      tokenizerConfig: text('tokenizer_config.json'),
      manifestJson: out.manifestJson,
      head: h,
    });
    const session = await ortNode.InferenceSession.create(bytes);
    const app = await RewardModel.create(ortWeb(), enc, out.head);
    const expected = await app.scoreMany(ITEMS);
    const got: number[] = [];
    for (const { context, response } of ITEMS) {
      got.push(await rewardOf(session, enc.tokenize(context), enc.tokenize(response)));
    }
    const diff = Math.max(...got.map((g, i) => Math.abs(g - (expected[i] ?? NaN))));
    expect(diff).toBeLessThan(1e-5);
    // The pooling matters: the default (mean + L2) file on the same weights scores differently.
    const meanManifest = JSON.stringify({
      ...out.manifest,
      encoder: { ...out.manifest.encoder, pooling: 'mean', normalize: 'l2' },
    });
    const plain = combineRewardModel({
      encoder: graph,
      tokenizer: text('tokenizer.json'),
      manifestJson: meanManifest,
      head: h,
    });
    const other = await ortNode.InferenceSession.create(plain);
    const first = ITEMS[0]!;
    const mean = await rewardOf(other, enc.tokenize(first.context), enc.tokenize(first.response));
    expect(Math.abs(mean - got[0]!)).toBeGreaterThan(1e-3);
    await Promise.all([session.release(), other.release(), app.release(), enc.release()]);
  });
});

/** One (context, response) through a combined file in onnxruntime-node. */
async function rewardOf(session: ortNode.InferenceSession, x: number[], y: number[]) {
  const int64 = (ids: number[]) =>
    new ortNode.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
  const out = await session.run({
    context_input_ids: int64(x),
    context_attention_mask: int64(x.map(() => 1)),
    response_input_ids: int64(y),
    response_attention_mask: int64(y.map(() => 1)),
  });
  return (out.reward?.data as Float32Array)[0] ?? NaN;
}
