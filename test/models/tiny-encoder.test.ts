// The committed tiny sentence encoder: reproducible from its generator, a real WordPiece
// tokenizer, an ONNX graph whose last_hidden_state matches an independent float64 forward pass,
// a folder transformers.js opens as a feature-extraction pipeline, and its planted signal.

import { Tokenizer } from '@huggingface/tokenizers';
import { env, pipeline } from '@huggingface/transformers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeGenerator } from '../support/model-folder.ts';
import { writeTinyEncoder } from '../../scripts/models/build.ts';
import { cosine, type BertReference } from '../support/bert-reference.ts';
import { loadBertReference } from '../support/bert-reference-node.ts';

const MODELS = join(import.meta.dirname, '../../models');
const FOLDER = join(MODELS, 'tiny-encoder');
const TOLERANCE = 1e-4;

function readJson(name: string): Record<string, unknown> {
  const value: unknown = JSON.parse(readFileSync(join(FOLDER, name), 'utf8'));
  if (typeof value !== 'object' || value === null) throw new Error(`${name} is not an object`);
  return value as Record<string, unknown>;
}

function loadTokenizer(): Tokenizer {
  return new Tokenizer(readJson('tokenizer.json'), readJson('tokenizer_config.json'));
}

/** The planted signal, as config.json documents it. */
function signal(): { dimension: number; positive: string[]; negative: string[] } {
  const lab = readJson('config.json').rlaif_lab as { signal?: unknown } | undefined;
  const value = lab?.signal as { dimension: number; positive: string[]; negative: string[] };
  if (typeof value?.dimension !== 'number') throw new Error('config.json has no signal');
  return value;
}

const SENTENCES = [
  'Hi',
  'The summary is accurate.',
  'Summary 2 - The poster likes beds.',
  'My roommate keeps eating my food and says it is no big deal; how do I ask her to stop?',
  'Ünïcödé café, naïve résumé 👍 and unseen words like zebra-crossing',
];

describeGenerator('tiny-encoder', FOLDER, writeTinyEncoder, 1.5 * 1024 * 1024);

describe('tokenizer', () => {
  const tokenizer = loadTokenizer();

  it('has the vocabulary size of config.json, with the BERT special tokens first', () => {
    const vocab = tokenizer.get_vocab(true);
    expect(vocab.size).toBe(readJson('config.json').vocab_size);
    expect(vocab.size).toBeGreaterThan(900);
    const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
    expect(special.map((token) => vocab.get(token))).toEqual([0, 1, 2, 3, 4]);
  });

  it('wraps a sentence in [CLS] ... [SEP]', () => {
    const encoding = tokenizer.encode('The summary is accurate.');
    expect(encoding.tokens).toEqual(['[CLS]', 'the', 'summary', 'is', 'accurate', '.', '[SEP]']);
    expect(encoding.ids[0]).toBe(2);
    expect(encoding.ids.at(-1)).toBe(3);
    expect(tokenizer.decode(encoding.ids, { skip_special_tokens: true })).toBe(
      'the summary is accurate.',
    );
  });

  it('gives the second sentence of a pair token type 1', () => {
    const encoding = tokenizer.encode('Is it accurate?', {
      text_pair: 'It is wrong.',
      return_token_type_ids: true,
    });
    expect(encoding.tokens.join(' ')).toBe('[CLS] is it accurate ? [SEP] it is wrong . [SEP]');
    expect(encoding.token_type_ids).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('lowercases, strips accents, splits unseen words into pieces and maps the rest to [UNK]', () => {
    expect(tokenizer.encode('THE Summary').ids).toEqual(tokenizer.encode('the summary').ids);
    expect(tokenizer.tokenize('café')).toEqual(tokenizer.tokenize('cafe'));
    const pieces = tokenizer.tokenize('zebras');
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.slice(1).every((piece) => piece.startsWith('##'))).toBe(true);
    expect(tokenizer.tokenize('👍')).toEqual(['[UNK]']);
  });

  it('keeps every signal word a single token', () => {
    const { positive, negative } = signal();
    for (const word of [...positive, ...negative]) expect(tokenizer.tokenize(word)).toEqual([word]);
  });
});

/** A right-padded batch, as transformers.js pads for BERT. */
interface Batch {
  ids: number[][];
  mask: number[][];
  types: number[][];
}

const int64 = (rows: number[][]): ort.Tensor =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [
    rows.length,
    rows[0]?.length ?? 0,
  ]);

function padBatch(sequences: number[][]): Batch {
  const width = Math.max(...sequences.map((ids) => ids.length));
  const pad = <T>(row: T[], fill: T): T[] => [...row, ...Array<T>(width - row.length).fill(fill)];
  return {
    ids: sequences.map((ids) => pad(ids, 0)),
    mask: sequences.map((ids) =>
      pad(
        ids.map(() => 1),
        0,
      ),
    ),
    types: sequences.map((ids) =>
      pad(
        ids.map(() => 0),
        0,
      ),
    ),
  };
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  a.forEach((rowA, i) => {
    const rowB = b[i] ?? [];
    expect(rowA.length).toBe(rowB.length);
    rowA.forEach((v, j) => (max = Math.max(max, Math.abs(v - (rowB[j] ?? NaN)))));
  });
  return max;
}

describe('onnx graph on the WASM EP', () => {
  let session: ort.InferenceSession;
  let reference: BertReference;
  const tokenizer = loadTokenizer();

  beforeAll(async () => {
    ort.env.wasm.numThreads = 1;
    const bytes = readFileSync(join(FOLDER, 'onnx/model.onnx'));
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    reference = loadBertReference(FOLDER);
  });

  /** last_hidden_state[row][position] of a batch. */
  async function run(batch: Batch): Promise<number[][][]> {
    const out = await session.run({
      input_ids: int64(batch.ids),
      attention_mask: int64(batch.mask),
      token_type_ids: int64(batch.types),
    });
    const hidden = out.last_hidden_state;
    const flat = hidden?.data;
    if (!(flat instanceof Float32Array)) throw new Error('last_hidden_state is not float32');
    const [rows = 0, seq = 0, width = 0] = hidden?.dims ?? [];
    expect([rows, seq, width]).toEqual([batch.ids.length, batch.ids[0]?.length, 64]);
    return Array.from({ length: rows }, (_, b) =>
      Array.from({ length: seq }, (_, s) => {
        const start = (b * seq + s) * width;
        return Array.from(flat.subarray(start, start + width));
      }),
    );
  }

  it('declares the feature-extraction inputs and output', () => {
    expect([...session.inputNames].sort()).toEqual([
      'attention_mask',
      'input_ids',
      'token_type_ids',
    ]);
    expect(session.outputNames).toEqual(['last_hidden_state']);
  });

  it.each(SENTENCES)('matches the float64 reference on %j', async (text) => {
    const ids = tokenizer.encode(text).ids;
    const [hidden = []] = await run(padBatch([ids]));
    expect(maxAbsDiff(hidden, reference.forward(ids))).toBeLessThan(TOLERANCE);
  });

  it('uses the token type ids of a sentence pair', async () => {
    const encoding = tokenizer.encode('Is it accurate?', {
      text_pair: 'It is wrong.',
      return_token_type_ids: true,
    });
    const types = encoding.token_type_ids;
    const [hidden = []] = await run({
      ids: [encoding.ids],
      mask: [types.map(() => 1)],
      types: [types],
    });
    const expected = reference.forward(encoding.ids, { tokenTypeIds: types });
    expect(maxAbsDiff(hidden, expected)).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(hidden, reference.forward(encoding.ids))).toBeGreaterThan(1e-3);
  });

  it('gives right-padded batch rows the states of their unpadded runs', async () => {
    const sequences = SENTENCES.map((text) => tokenizer.encode(text).ids);
    const batch = padBatch(sequences);
    const padded = await run(batch);
    for (const [row, ids] of sequences.entries()) {
      const real = (padded[row] ?? []).slice(0, ids.length);
      const [alone = []] = await run(padBatch([ids]));
      expect(maxAbsDiff(real, alone)).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(real, reference.forward(ids))).toBeLessThan(TOLERANCE);
      // Padded positions still get states (they attend to the real tokens): check them too.
      const options = { attentionMask: batch.mask[row] ?? [] };
      const full = reference.forward(batch.ids[row] ?? [], options);
      expect(maxAbsDiff(padded[row] ?? [], full)).toBeLessThan(TOLERANCE);
    }
  });
});

describe('transformers.js feature-extraction pipeline', () => {
  it('opens the folder and matches the reference sentence embeddings', async () => {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = `${MODELS}/`;
    const extractor = await pipeline('feature-extraction', 'tiny-encoder', { dtype: 'fp32' });
    try {
      const output = await extractor(SENTENCES, { pooling: 'mean', normalize: true });
      expect(output.dims).toEqual([SENTENCES.length, 64]);
      const embeddings = output.tolist() as number[][];
      const reference = loadBertReference(FOLDER);
      const tokenizer = loadTokenizer();
      const expected = SENTENCES.map((text) => reference.embed(tokenizer.encode(text).ids));
      expect(maxAbsDiff(embeddings, expected)).toBeLessThan(TOLERANCE);
    } finally {
      await extractor.dispose();
    }
  });
});

describe('sentence embeddings', () => {
  const reference = loadBertReference(FOLDER);
  const tokenizer = loadTokenizer();
  const embed = (text: string): number[] => reference.embed(tokenizer.encode(text).ids);

  it('differ between sentences (cosine similarities spread out, not all near 1)', () => {
    const texts = [
      'My roommate eats my food.',
      'The capital of France is Paris.',
      'I got two job offers and I cannot decide.',
      'How many legs does a spider have?',
      'Rate the response on a scale from 1 to 10.',
      'My bread never rises.',
    ];
    const vectors = texts.map(embed);
    const similarities = vectors.flatMap((a, i) => vectors.slice(i + 1).map((b) => cosine(a, b)));
    expect(Math.max(...similarities)).toBeLessThan(0.9);
    expect(Math.min(...similarities)).toBeLessThan(0.5);
  });

  it('carries the documented signal: positive words > neither > negative words', () => {
    const { dimension, positive, negative } = signal();
    const neither = ['short', 'new', 'blue', 'long', 'cold'];
    const templates = [
      '{}',
      'The summary is {}.',
      'This answer was {} and I said so.',
      'Summary 1 - The poster asks about bread, and the reply is {}.',
      'Response 2 is {} because it talks about the capital of France and the weather in Paris.',
    ];
    for (const template of templates) {
      const along = (words: string[]): number[] =>
        words.map((word) => embed(template.replace('{}', word))[dimension] ?? NaN);
      const [pos, mid, neg] = [along(positive), along(neither), along(negative)];
      expect(Math.min(...pos), template).toBeGreaterThan(Math.max(...mid));
      expect(Math.min(...mid), template).toBeGreaterThan(Math.max(...neg));
      expect(Math.min(...pos), template).toBeGreaterThan(0);
      expect(Math.max(...neg), template).toBeLessThan(0);
    }
  });
});
