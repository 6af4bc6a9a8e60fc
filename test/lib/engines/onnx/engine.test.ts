import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxEngine, PromptTooLongError } from '../../../../src/lib/engines/onnx/engine';
import { loadModelFolder, type HfModelFiles } from '../../../../src/lib/engines/onnx/model-files';
import { CancelledError, type LabelerEngine } from '../../../../src/lib/rlaif/engine';
import {
  createLabeler,
  DEFAULT_LABELING,
  type LabelingConfig,
} from '../../../../src/lib/rlaif/labeler';
import type { Exemplar } from '../../../../src/lib/rlaif/prompt';
import { fileFetch } from '../../../support/file-fetch';
import { loadLlamaReference } from '../../../support/llama-reference-node';
import { referenceEngine, refLogSoftmax } from '../../../support/reference-engine';

// The ONNX engine on onnxruntime-web's WASM EP in Node, checked against the float64 reference.
// The same checks run on the WebGPU EP in Chromium (engine.browser.test.ts).
const BASE = 'http://models.test/';
const TOL = 1e-4;
ort.env.wasm.numThreads = 1;

const exemplars = JSON.parse(readFileSync('data/exemplars.json', 'utf8')) as Record<
  string,
  Exemplar[]
>;
const probes = readFileSync('data/probes/summarization.jsonl', 'utf8')
  .trim()
  .split('\n')
  .slice(0, 2)
  .map((line) => JSON.parse(line) as { id: string; context: string; candidates: [string, string] });

let files: HfModelFiles;
let reference: LabelerEngine;
const ref = loadLlamaReference('models/tiny-llama');

async function engine(options: { reusePrefix?: boolean; batchContinuations?: boolean } = {}) {
  return OnnxEngine.create({ ort, ep: 'wasm', modelId: 'tiny-llama', files, ...options });
}

beforeAll(async () => {
  files = await loadModelFolder(`${BASE}tiny-llama`, 'fp32', {
    fetch: fileFetch(BASE, 'models'),
    cache: null,
  });
  reference = referenceEngine(ref, files.tokenizer, files.tokenizerConfig, 2);
});

describe('OnnxEngine.scoreNextToken', () => {
  const request = (tokenIds: number[]) => ({
    prefix: ['You judge summaries.\n\n', 'Text - My cat knocks my coffee over.\n'],
    continuations: [
      'Summary 1 - A cat.\nSummary 2 - Coffee.\nPreferred Summary=',
      'Summary 1 - Coffee.\nPreferred Summary=',
    ],
    tokenIds,
    topK: 5,
  });

  it('gives full-vocabulary log-probs equal to the float64 reference, with and without reuse', async () => {
    const ids = [52, 53, 0, 100, 511];
    const expected = await reference.scoreNextToken(request(ids));
    for (const options of [
      { reusePrefix: false },
      { batchContinuations: false },
      { batchContinuations: true },
    ]) {
      const e = await engine(options);
      const got = await e.scoreNextToken(request(ids));
      for (const [i, scores] of got.entries()) {
        const diff = Math.max(
          ...scores.logprobs.map((lp, k) => Math.abs(lp - expected[i]!.logprobs[k]!)),
        );
        expect(diff, JSON.stringify(options)).toBeLessThan(TOL);
        expect(scores.promptTokens).toBe(expected[i]!.promptTokens);
      }
      await e.dispose();
    }
  });

  it('returns the top tokens in order, consistent with the log-probs', async () => {
    const e = await engine();
    const [scores] = await e.scoreNextToken(request([]));
    const full = refLogSoftmax(
      ref
        .forward(e.tokenizer.encode(request([]).prefix.join('') + request([]).continuations[0]))
        .logits.at(-1)!,
    );
    const best = full
      .map((lp, id) => ({ id, lp }))
      .sort((a, b) => b.lp - a.lp)
      .slice(0, 5);
    expect(scores!.top.map((t) => t.id)).toEqual(best.map((b) => b.id));
    for (const t of scores!.top) expect(Math.abs(t.logprob - full[t.id]!)).toBeLessThan(TOL);
  });

  it('computes a shared prefix once: the dataset prefix across pairs, the context across orders', async () => {
    const e = await engine();
    await e.scoreNextToken(request([52]));
    const afterFirst = { ...e.stats };
    expect(afterFirst.prefixHits).toBe(0);
    const other = {
      ...request([52]),
      prefix: [request([52]).prefix[0]!, 'Text - Another post.\n'],
    };
    await e.scoreNextToken(other);
    expect(e.stats.prefixHits).toBe(1); // the dataset prefix
    await e.scoreNextToken(other);
    expect(e.stats.prefixHits).toBe(3); // both segments
    const naive = await engine({ reusePrefix: false });
    await naive.scoreNextToken(request([52]));
    await naive.scoreNextToken(other);
    await naive.scoreNextToken(other);
    expect(e.stats.tokensComputed).toBeLessThan(naive.stats.tokensComputed / 1.5);
  });

  it('cuts the cache short where a boundary falls inside a token, says why, and stays exact', async () => {
    const e = await engine();
    // "Summary" split as "Sum" | "mary": the boundary falls inside the whole word's token.
    const request = { prefix: ['Preferred Sum', 'mary'], continuations: ['='], tokenIds: [52] };
    const [scores] = await e.scoreNextToken(request);
    const [expected] = await reference.scoreNextToken({
      prefix: ['Preferred Summary'],
      continuations: ['='],
      tokenIds: [52],
    });
    expect(e.stats.reuseFallbacks).toBe(1);
    expect(e.stats.lastReuseFallback).toMatchObject({
      reason: 'boundary-inside-token',
      segment: 0,
    });
    expect(Math.abs(scores!.logprobs[0]! - expected!.logprobs[0]!)).toBeLessThan(TOL);
    // The boundary after "mary" is a token edge: its cache is kept and found again.
    await e.scoreNextToken(request);
    expect(e.stats.prefixHits).toBeGreaterThanOrEqual(1);
    expect(e.stats.reuseFallbacks).toBe(2);
  });

  it('keys prefix caches by token ids: the same ids from other segment texts hit', async () => {
    const e = await engine();
    const ask = (prefix: string[]) =>
      e.scoreNextToken({ prefix, continuations: ['Summary='], tokenIds: [52] });
    const [split] = await ask(['You judge summaries.\n', '\nText - A cat.\n']);
    const [joined] = await ask(['You judge summaries.\n\nText - A cat.\n']);
    expect(e.stats.prefixHits).toBe(1);
    expect(joined!.logprobs).toEqual(split!.logprobs);
  });
});

describe('OnnxEngine, long prompts', () => {
  it('refuses a prompt longer than the model reads, saying what to do', async () => {
    const e = await engine();
    const long = 'zq '.repeat(3000); // about 6000 tokens
    await expect(
      e.scoreNextToken({ prefix: [long, ''], continuations: ['='], tokenIds: [52] }),
    ).rejects.toThrow(PromptTooLongError);
    await expect(
      e.scoreNextToken({ prefix: [], continuations: [long], tokenIds: [52] }),
    ).rejects.toThrow(/reads at most 4096.*fewer few-shot/);
  });
});

describe('OnnxEngine, concurrent calls', () => {
  it('runs overlapping requests one at a time with the same results as alone', async () => {
    const e = await engine();
    const req = (c: string) => ({
      prefix: ['Shared prefix.\n'],
      continuations: [c],
      tokenIds: [52, 53],
    });
    const alone = await Promise.all(
      ['A=', 'B='].map(async (c) => (await e.scoreNextToken(req(c)))[0]!),
    );
    const fresh = await engine();
    const overlapping = await Promise.all([
      fresh.scoreNextToken(req('A=')),
      fresh.generate({
        prefix: ['Shared prefix.\n'],
        continuation: 'X',
        maxTokens: 5,
        temperature: 0,
      }),
      fresh.scoreNextToken(req('B=')),
    ]);
    expect(overlapping[0]![0]!.logprobs).toEqual(alone[0]!.logprobs);
    expect((overlapping[2] as typeof alone)[0]!.logprobs).toEqual(alone[1]!.logprobs);
  });
});

describe('OnnxEngine.generate', () => {
  const prompt = { prefix: ['Human: Tell me about cats.\n'], continuation: 'Assistant:' };

  it('decodes greedily exactly like the reference', async () => {
    const e = await engine();
    const got = await e.generate({ ...prompt, maxTokens: 12, temperature: 0 });
    const expected = await reference.generate({ ...prompt, maxTokens: 12, temperature: 0 });
    expect(got.text).toBe(expected.text);
    expect(got.tokens).toBe(expected.tokens);
  });

  it('stops before a stop string, streams the text, and honours maxTokens', async () => {
    const e = await engine();
    const free = await e.generate({ ...prompt, maxTokens: 20, temperature: 0 });
    expect(free.finishReason).toBe('length');
    const stop = free.text.slice(6, 9);
    const pieces: string[] = [];
    const stopped = await e.generate({
      ...prompt,
      maxTokens: 20,
      temperature: 0,
      stop: [stop],
      onToken: (t) => pieces.push(t),
    });
    expect(stopped.finishReason).toBe('stop');
    expect(stopped.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
    expect(pieces.join('')).toBe(stopped.text);
  });

  it('samples reproducibly for a seed, and differently for another', async () => {
    const e = await engine();
    const run = (seed: number) =>
      e.generate({ ...prompt, maxTokens: 16, temperature: 1, topP: 0.95, seed });
    const a = await run(1);
    expect((await run(1)).text).toBe(a.text);
    const others = await Promise.all([2, 3, 4].map(async (s) => (await run(s)).text));
    expect(others.some((t) => t !== a.text)).toBe(true);
  });

  it('can be cancelled mid-generation', async () => {
    const e = await engine();
    const controller = new AbortController();
    const run = e.generate({
      ...prompt,
      maxTokens: 50,
      temperature: 0,
      signal: controller.signal,
      onToken: () => controller.abort(),
    });
    await expect(run).rejects.toThrow(CancelledError);
  }, 180_000);
});

describe('labeling probes with the ONNX engine', () => {
  const configs: [string, LabelingConfig][] = [
    ['Base 0-shot, raw', DEFAULT_LABELING],
    [
      'Detailed 2-shot, chat',
      {
        ...DEFAULT_LABELING,
        prompt: {
          task: 'summarization',
          preamble: 'detailed',
          shots: 2,
          cot: false,
          format: 'chat',
        },
      },
    ],
    [
      'Base 0-shot + CoT',
      {
        ...DEFAULT_LABELING,
        prompt: { ...DEFAULT_LABELING.prompt, cot: true },
        maxRationaleTokens: 8,
      },
    ],
  ];

  it.each(configs)(
    '%s: labels equal the float64 reference labeler within 1e-4',
    async (_name, config) => {
      const e = await engine();
      const onnx = createLabeler(e, config, exemplars.summarization!);
      const oracle = createLabeler(reference, config, exemplars.summarization!);
      expect(onnx.answerTokens.map((t) => t.id)).toEqual([52, 53]);
      for (const pair of probes) {
        const got = await onnx.label(pair);
        const want = await oracle.label(pair);
        expect(Math.abs(got.label[0] - want.label[0])).toBeLessThan(TOL);
        expect(Math.abs(got.orders.stored.otherMass - want.orders.stored.otherMass)).toBeLessThan(
          TOL,
        );
        expect(got.samePosition).toBe(want.samePosition);
        expect(got.rationales).toEqual(want.rationales);
        expect(got.label[0] + got.label[1]).toBeCloseTo(1, 12);
      }
    },
    180_000,
  );
});
