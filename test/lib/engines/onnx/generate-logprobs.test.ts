import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxEngine } from '../../../../src/lib/engines/onnx/engine';
import { loadModelFolder, type HfModelFiles } from '../../../../src/lib/engines/onnx/model-files';
import { policyPrompt, teacherForcedLogprobs } from '../../../../src/lib/policy/candidates';
import type { GenerateResult } from '../../../../src/lib/rlaif/engine';
import { fileFetch } from '../../../support/file-fetch';
import { loadLlamaReference } from '../../../support/llama-reference-node';
import { refLogSoftmax } from '../../../support/reference-engine';

// GenerateResult's log-probs (pi_SFT at temperature 1, and the sampler's q) against independent
// computations: the float64 reference Llama run over prompt + generated ids with teacher forcing,
// and the engine's own scoreNextToken position by position.
const BASE = 'http://models.test/';
const TOL = 1e-4;
ort.env.wasm.numThreads = 1;
const ref = loadLlamaReference('models/tiny-llama');
let files: HfModelFiles;
let engine: OnnxEngine;

beforeAll(async () => {
  files = await loadModelFolder(`${BASE}tiny-llama`, 'fp32', {
    fetch: fileFetch(BASE, 'models'),
    cache: null,
  });
  engine = await OnnxEngine.create({ ort, ep: 'wasm', modelId: 'tiny-llama', files });
});

const context = { task: 'summarization' as const, context: 'My cat knocks my coffee over.' };

/** The float64 reference's log-softmax rows (at temperature T) for each generated position. */
function referenceRows(result: GenerateResult, temperature = 1): number[][] {
  const prompt = policyPrompt(context, 'raw', engine);
  const promptIds = engine.tokenizer.encode(prompt.prefix.join('') + prompt.continuation);
  const ids = result.tokenLogprobs!.map((t) => t.id);
  const logits = ref.forward([...promptIds, ...ids]).logits;
  return ids.map((_, t) =>
    refLogSoftmax(logits[promptIds.length - 1 + t]!.map((l) => l / temperature)),
  );
}

describe('OnnxEngine.generate log-probabilities', () => {
  const prompt = () => policyPrompt(context, 'raw', engine);

  it('reports log pi_SFT per token at temperature 1, equal to the float64 reference', async () => {
    for (const seed of [1, 2, 3]) {
      const result = await engine.generate({ ...prompt(), maxTokens: 20, temperature: 0.9, seed });
      const tokens = result.tokenLogprobs!;
      expect(tokens.length).toBe(result.tokens + (result.finishReason === 'eos' ? 1 : 0));
      const rows = referenceRows(result);
      for (const [t, token] of tokens.entries()) {
        expect(Math.abs(token.logprob - rows[t]![token.id]!)).toBeLessThan(TOL);
      }
      const sum = tokens.reduce((s, t) => s + t.logprob, 0);
      expect(result.logprob).toBeCloseTo(sum, 10);
      expect(result.logprob!).toBeLessThan(0);
    }
  });

  it('reports log q of the sampler: the tempered softmax, and its nucleus renormalisation', async () => {
    const plain = await engine.generate({ ...prompt(), maxTokens: 16, temperature: 0.9, seed: 5 });
    const tempered = referenceRows(plain, 0.9);
    const expected = plain.tokenLogprobs!.reduce((s, t, i) => s + tempered[i]![t.id]!, 0);
    expect(Math.abs(plain.samplerLogprob! - expected)).toBeLessThan(TOL * tempered.length);
    // Under temperature 0.9 the sampled tokens are more likely than under pi_SFT on average,
    // but the two totals differ: the importance weight pi_SFT / q is not 1.
    expect(Math.abs(plain.samplerLogprob! - plain.logprob!)).toBeGreaterThan(1e-3);

    const nucleus = await engine.generate({
      ...prompt(),
      maxTokens: 16,
      temperature: 0.9,
      topP: 0.8,
      seed: 5,
    });
    const rows = referenceRows(nucleus, 0.9);
    let want = 0;
    for (const [i, t] of nucleus.tokenLogprobs!.entries()) {
      const sorted = rows[i]!.map(Math.exp).sort((a, b) => b - a);
      let mass = 0;
      for (const p of sorted) if ((mass += p) >= 0.8) break;
      want += rows[i]![t.id]! - Math.log(mass);
    }
    expect(Math.abs(nucleus.samplerLogprob! - want)).toBeLessThan(TOL * rows.length);
  });

  it('gives log q = 0 when greedy, with pi_SFT still reported', async () => {
    const greedy = await engine.generate({ ...prompt(), maxTokens: 12, temperature: 0 });
    expect(greedy.samplerLogprob).toBe(0);
    const rows = referenceRows(greedy);
    for (const [t, token] of greedy.tokenLogprobs!.entries()) {
      // Greedy picks the argmax of the reference too.
      expect(token.id).toBe(rows[t]!.indexOf(Math.max(...rows[t]!)));
      expect(Math.abs(token.logprob - rows[t]![token.id]!)).toBeLessThan(TOL);
    }
  });

  it('teacher-forces a canonical sequence through scoreNextToken like the reference does', async () => {
    // Teacher forcing sends text, so it needs tokens that re-encode to themselves: a written
    // sentence, not the random tiny model's samples (it often writes non-canonical splits).
    const p = prompt();
    const head = p.prefix.join('') + p.continuation;
    const before = engine.tokenizer.encode(head);
    const ids = engine.tokenizer.encode(head + ' The cat spilled the coffee.').slice(before.length);
    const forced = await teacherForcedLogprobs(engine, p, ids);
    const logits = ref.forward([...before, ...ids]).logits;
    for (const [t, token] of forced.entries()) {
      const want = refLogSoftmax(logits[before.length - 1 + t]!)[ids[t]!]!;
      expect(Math.abs(token.logprob - want)).toBeLessThan(TOL);
    }
    expect(forced.length).toBeGreaterThan(4);
  });

  it('refuses to teacher-force tokens that would re-encode differently', async () => {
    const p = prompt();
    const head = p.prefix.join('') + p.continuation;
    const word = engine.tokenizer.encode(head + ' the').slice(engine.tokenizer.encode(head).length);
    expect(word.length).toBe(1); // " the" is one token ...
    // ... so " the" spelled one character per token, then ".", is not what encode would give.
    const spelled = [...' the'].map((c) => engine.tokenizer.encode(c)[0]!);
    const dot = engine.tokenizer.encode('.')[0]!;
    await expect(teacherForcedLogprobs(engine, p, [...spelled, dot])).rejects.toThrow(
      /re-encodes differently/,
    );
  });
});
