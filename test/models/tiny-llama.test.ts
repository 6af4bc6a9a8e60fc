// The committed tiny model: reproducible from its generator, a real tokenizer, a working chat
// template, and an ONNX graph whose logits match an independent float64 forward pass.

import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeGenerator } from '../support/model-folder.ts';
import { writeTinyLlama } from '../../scripts/models/build.ts';
import type { LlamaReference } from '../support/llama-reference.ts';
import { loadLlamaReference } from '../support/llama-reference-node.ts';

const FOLDER = join(import.meta.dirname, '../../models/tiny-llama');
const TOLERANCE = 1e-4;

function readJson(name: string): object {
  const value: unknown = JSON.parse(readFileSync(join(FOLDER, name), 'utf8'));
  if (typeof value !== 'object' || value === null) throw new Error(`${name} is not an object`);
  return value;
}

function loadTokenizer(): Tokenizer {
  return new Tokenizer(readJson('tokenizer.json'), readJson('tokenizer_config.json'));
}

describeGenerator('tiny-llama', FOLDER, writeTinyLlama, 3 * 1024 * 1024);

describe('tokenizer', () => {
  const tokenizer = loadTokenizer();
  const ids = (text: string): number[] => tokenizer.encode(text).ids;

  it('has the configured vocabulary size', () => {
    expect(tokenizer.get_vocab(true).size).toBe(512);
  });

  it.each([
    'Summary 1 - The poster asks for advice.',
    '  leading spaces, tabs\tand\nnew lines  ',
    'emoji: 👍🏽 🎉 👨‍👩‍👧',
    '中文文本：这是一个测试。',
    'עברית: שלום עולם, العربية: مرحبا بالعالم',
    'Ünïcödé ß ﬁ and a null \u0000 byte',
  ])('round-trips %j', (text) => {
    expect(tokenizer.decode(ids(text))).toBe(text);
  });

  it('encodes the label digits as the BPE learned them', () => {
    // "1" and "2" are bytes, hence single tokens; " 1", " 2" and " 10" are learned merges.
    expect(ids('1')).toEqual([52]);
    expect(ids('2')).toEqual([53]);
    expect(ids(' 1')).toEqual([302]);
    expect(ids(' 2')).toEqual([317]);
    expect(ids('10')).toEqual([52, 51]);
    expect(ids(' 10')).toEqual([472]);
    expect(tokenizer.tokenize('Preferred Summary=1')).toEqual(['Preferred', 'ĠSummary', '=', '1']);
  });

  it('keeps the special tokens whole', () => {
    expect(ids('<|im_start|>user\nHi<|im_end|>')).toEqual([1, ...ids('user\nHi'), 2]);
    expect(tokenizer.decode([1, 2], { skip_special_tokens: true })).toBe('');
  });
});

describe('chat template', () => {
  it('renders ChatML with a generation prompt', () => {
    const config = readJson('tokenizer_config.json') as { chat_template?: unknown };
    if (typeof config.chat_template !== 'string') throw new Error('no chat_template');
    const rendered = new Template(config.chat_template).render({
      messages: [
        { role: 'system', content: 'You compare summaries.' },
        { role: 'user', content: 'Summary 1 - A\nSummary 2 - B' },
      ],
      add_generation_prompt: true,
    });
    expect(rendered).toBe(
      '<|im_start|>system\nYou compare summaries.<|im_end|>\n' +
        '<|im_start|>user\nSummary 1 - A\nSummary 2 - B<|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
  });
});

/** A batch for the decoder-with-past graph: rows of equal length, with their masks. */
interface Batch {
  ids: number[][];
  mask: number[][];
  positions: number[][];
  past?: ort.InferenceSession.OnnxValueMapType;
}

interface RunResult {
  /** logits[row][position] over the vocabulary. */
  logits: number[][][];
  present: ort.InferenceSession.OnnxValueMapType;
}

const int64 = (rows: number[][]): ort.Tensor =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [
    rows.length,
    rows[0]?.length ?? 0,
  ]);

describe('onnx graph on the WASM EP', () => {
  let session: ort.InferenceSession;
  let reference: LlamaReference;
  const tokenizer = loadTokenizer();
  const encode = (text: string): number[] => tokenizer.encode(text).ids;

  beforeAll(async () => {
    ort.env.wasm.numThreads = 1;
    const bytes = readFileSync(join(FOLDER, 'onnx/model.onnx'));
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    reference = loadLlamaReference(FOLDER);
  });

  async function run(batch: Batch): Promise<RunResult> {
    const { numLayers, numKvHeads, headDim, vocabSize } = reference.config;
    const emptyPast = new ort.Tensor('float32', new Float32Array(0), [
      batch.ids.length,
      numKvHeads,
      0,
      headDim,
    ]);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64(batch.ids),
      attention_mask: int64(batch.mask),
      position_ids: int64(batch.positions),
    };
    for (let i = 0; i < numLayers; i++) {
      for (const kind of ['key', 'value']) {
        feeds[`past_key_values.${i}.${kind}`] = batch.past?.[`present.${i}.${kind}`] ?? emptyPast;
      }
    }
    const out = await session.run(feeds);
    const flat = out.logits?.data;
    if (!(flat instanceof Float32Array)) throw new Error('logits are not float32');
    const seq = batch.ids[0]?.length ?? 0;
    const logits = batch.ids.map((_, b) =>
      Array.from({ length: seq }, (_, s) => {
        const start = (b * seq + s) * vocabSize;
        return Array.from(flat.subarray(start, start + vocabSize));
      }),
    );
    return { logits, present: out };
  }

  /** One unpadded sequence, continuing after `pastLength` cached tokens. */
  function single(ids: number[], pastLength = 0, past?: RunResult): Batch {
    return {
      ids: [ids],
      mask: [Array<number>(pastLength + ids.length).fill(1)],
      positions: [ids.map((_, i) => pastLength + i)],
      past: past?.present,
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

  const PROMPTS = [
    'Hi',
    'Summary 1 - The roommate eats her food.',
    '<|im_start|>user\nWhich summary is better?\nSummary 1 - The poster must choose a job by ' +
      'Friday.\nSummary 2 - Someone got two jobs.<|im_end|>\n<|im_start|>assistant\n' +
      'Preferred Summary=',
  ];

  it.each(PROMPTS)('matches the float64 reference on %j', async (text) => {
    const ids = encode(text);
    const { logits } = await run(single(ids));
    expect(maxAbsDiff(logits[0] ?? [], reference.forward(ids).logits)).toBeLessThan(TOLERANCE);
  });

  it('continues from a KV cache exactly as a full run', async () => {
    const ids = encode(PROMPTS[2] ?? '');
    const split = 17;
    const full = await run(single(ids));
    const prefix = await run(single(ids.slice(0, split)));
    const suffix = await run(single(ids.slice(split), split, prefix));
    expect(prefix.present['present.0.key']?.dims).toEqual([1, 2, split, 16]);
    expect(suffix.present['present.1.value']?.dims).toEqual([1, 2, ids.length, 16]);
    const fullSuffix = (full.logits[0] ?? []).slice(split);
    expect(maxAbsDiff(suffix.logits[0] ?? [], fullSuffix)).toBeLessThan(TOLERANCE);

    const refPrefix = reference.forward(ids.slice(0, split));
    const refSuffix = reference.forward(ids.slice(split), refPrefix.cache);
    expect(maxAbsDiff(suffix.logits[0] ?? [], refSuffix.logits)).toBeLessThan(TOLERANCE);
  });

  it('gives left-padded batch rows the logits of their unpadded runs', async () => {
    const short = encode(PROMPTS[1] ?? '');
    const long = encode(PROMPTS[2] ?? '');
    const pad = long.length - short.length;
    // Hugging Face's convention: positions count real tokens only; pads get position 1.
    const batch: Batch = {
      ids: [[...Array<number>(pad).fill(0), ...short], long],
      mask: [[...Array<number>(pad).fill(0), ...short.map(() => 1)], long.map(() => 1)],
      positions: [
        [...Array<number>(pad).fill(1), ...short.map((_, i) => i)],
        long.map((_, i) => i),
      ],
    };
    const padded = await run(batch);
    const shortAlone = await run(single(short));
    const longAlone = await run(single(long));
    const shortRows = (padded.logits[0] ?? []).slice(pad);
    expect(maxAbsDiff(shortRows, shortAlone.logits[0] ?? [])).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(padded.logits[1] ?? [], longAlone.logits[0] ?? [])).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(shortRows, reference.forward(short).logits)).toBeLessThan(TOLERANCE);

    // One decoding step for both rows on top of the padded cache.
    const next = encode(' 1');
    const step = await run({
      ids: [next, next],
      mask: batch.mask.map((row) => [...row, 1]),
      positions: [[short.length], [long.length]],
      past: padded.present,
    });
    const refShort = reference.forward([...short, ...next]).logits.slice(-1);
    const refLong = reference.forward([...long, ...next]).logits.slice(-1);
    expect(maxAbsDiff(step.logits[0] ?? [], refShort)).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(step.logits[1] ?? [], refLong)).toBeLessThan(TOLERANCE);
  });

  it('produces next-token distributions that vary with the prompt', async () => {
    const last = async (text: string): Promise<number[]> => {
      const { logits } = await run(single(encode(text)));
      return logits[0]?.at(-1) ?? [];
    };
    const a = await last(PROMPTS[1] ?? '');
    const b = await last(PROMPTS[2] ?? '');
    for (const logits of [a, b]) expect(std(logits)).toBeGreaterThan(0.5);
    expect(topK(a, 5)).not.toEqual(topK(b, 5));
    expect(argmax(a)).not.toBe(argmax(b));
  });
});

function std(values: number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

function argmax(values: number[]): number {
  return values.reduce((best, v, i) => (v > (values[best] ?? -Infinity) ? i : best), 0);
}

function topK(values: number[], k: number): number[] {
  return values
    .map((v, i) => [v, i] as const)
    .sort((x, y) => y[0] - x[0])
    .slice(0, k)
    .map(([, i]) => i);
}
