// The whole ONNX engine on a real sentencepiece tokenizer: Llama 2's tokenizer.json (Prepend "▁"
// normalizer, <s> by post-processor) with a small random Llama graph of its vocabulary size,
// generated here. Labels must equal the float64 reference with and without KV reuse, the BOS must
// be fed once, and reuse must now apply (the old segment-wise check never let it).
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { configJson, llamaOnnx, type LlamaConfig } from '../../../../scripts/models/llama.ts';
import { OnnxEngine } from '../../../../src/lib/engines/onnx/engine';
import type { HfModelFiles } from '../../../../src/lib/engines/onnx/model-files';
import type { LabelerEngine } from '../../../../src/lib/rlaif/engine';
import { createLabeler, DEFAULT_LABELING, promptsFor } from '../../../../src/lib/rlaif/labeler';
import { EXEMPLARS } from '../../../../src/lib/rlaif/probes';
import { fullText } from '../../../../src/lib/rlaif/prompt';
import { referenceFromBytes, type LlamaReference } from '../../../support/llama-reference';
import { realTokenizerFiles } from '../../../support/real-tokenizers';
import { referenceEngine, refLogSoftmax } from '../../../support/reference-engine';

ort.env.wasm.numThreads = 1;
const TOL = 1e-4;

/** Llama 2's vocabulary, everything else as small as a graph can be. */
const CFG: LlamaConfig = {
  vocabSize: 32000,
  hiddenSize: 16,
  intermediateSize: 32,
  numLayers: 1,
  numHeads: 2,
  numKvHeads: 1,
  headDim: 8,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  maxPositions: 1024,
};

const pairs = [
  {
    id: 'a',
    context: 'My cat knocks my coffee over every morning. How do I stop her?',
    candidates: ['Cat spills coffee daily; wants a fix.', 'A post about dogs.'] as [string, string],
  },
  {
    id: 'b',
    context: 'The bakery on our street closed after forty years.',
    candidates: ['A long-lived bakery shut down.', 'A new bakery opened.'] as [string, string],
  },
];

/** The digit tokens, looked up in the vocabulary. */
const vocab = (realTokenizerFiles('llama2').tokenizer.model as { vocab: Record<string, number> })
  .vocab;
const ONE = vocab['1']!;
const TWO = vocab['2']!;

let files: HfModelFiles;
let model: LlamaReference;
let reference: LabelerEngine;

beforeAll(() => {
  const { tokenizer, config: tokenizerConfig } = realTokenizerFiles('llama2');
  const onnx = llamaOnnx(CFG, 7);
  const config = configJson(CFG, { bos: 1, eos: 2, pad: 0 }) as Record<string, unknown>;
  files = {
    folder: 'generated://llama2-vocab',
    variant: 'fp32',
    config,
    generationConfig: { eos_token_id: 2 },
    tokenizer,
    tokenizerConfig,
    onnx,
    externalData: [],
  };
  model = referenceFromBytes(JSON.stringify(config), onnx);
  reference = referenceEngine(model, tokenizer, tokenizerConfig, 2);
});

const engine = (reusePrefix: boolean) =>
  OnnxEngine.create({ ort, ep: 'wasm', modelId: 'llama2-vocab', files, reusePrefix });

describe('OnnxEngine with the Llama 2 tokenizer and a graph of its vocabulary', () => {
  it('feeds <s> once and scores the full prompt like the float64 reference', async () => {
    const e = await engine(true);
    const [prompt] = promptsFor(DEFAULT_LABELING, [], pairs[0]!, e);
    const ids = e.tokenizer.encode(fullText(prompt!));
    expect(ids[0]).toBe(1);
    expect(ids.filter((id) => id === 1)).toHaveLength(1);
    const [scores] = await e.scoreNextToken({
      prefix: prompt!.prefix,
      continuations: [prompt!.continuation],
      tokenIds: [ONE, TWO],
    });
    const want = refLogSoftmax(model.forward(ids).logits.at(-1)!);
    expect(scores!.promptTokens).toBe(ids.length);
    expect(Math.abs(scores!.logprobs[0]! - want[ONE]!)).toBeLessThan(TOL);
    expect(Math.abs(scores!.logprobs[1]! - want[TWO]!)).toBeLessThan(TOL);
    await e.dispose();
  }, 60_000);

  // Base 0-shot only: the float64 reference computes every position's 32000 logits, so longer
  // prompts cost seconds here; engine.test.ts covers the other configs on the embedded model.
  it('labels equal the reference with and without reuse; reuse hits, never falls back', async () => {
    const config = DEFAULT_LABELING;
    const oracle = createLabeler(reference, config, EXEMPLARS.summarization);
    const want = [];
    for (const pair of pairs) want.push(await oracle.label(pair));
    const tokens: Record<string, number> = {};
    for (const reuse of [true, false]) {
      const e = await engine(reuse);
      const labeler = createLabeler(e, config, EXEMPLARS.summarization);
      expect(labeler.answerTokens.map((t) => t.id)).toEqual([ONE, TWO]);
      for (const [i, pair] of pairs.entries()) {
        const got = await labeler.label(pair);
        expect(Math.abs(got.label[0] - want[i]!.label[0])).toBeLessThan(TOL);
        const lp = (l: typeof got) => l.orders.swapped!.logprobs;
        expect(Math.abs(lp(got)[0] - lp(want[i]!)[0])).toBeLessThan(TOL);
      }
      // The second pair finds the dataset prefix (preamble, exemplar) computed by the first.
      expect(e.stats.prefixHits).toBe(reuse ? 1 : 0);
      expect(e.stats.reuseFallbacks).toBe(0);
      expect(e.stats.lastReuseFallback).toBeNull();
      tokens[String(reuse)] = e.stats.tokensComputed;
      await e.dispose();
    }
    // Reused: each pair's context once for both orders, the dataset prefix once for both pairs.
    expect(tokens.true).toBeLessThan(tokens.false!);
  }, 120_000);
});
