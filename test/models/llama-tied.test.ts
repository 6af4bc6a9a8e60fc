// The generator's tied-embedding option (SmolLM2, Qwen2.5-0.5B): lm_head is embed_tokens, stored
// once, and the graph's logits still match the float64 reference on the WASM EP.
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_LLAMA } from '../../scripts/models/build.ts';
import { configJson, llamaOnnx, type LlamaConfig } from '../../scripts/models/llama.ts';
import { toJson } from '../../scripts/models/json.ts';
import { TOKEN_IDS } from '../../scripts/models/tokenizer.ts';
import { initializersFloat64 } from '../support/float64.ts';
import { referenceFromBytes, type LlamaReference } from '../support/llama-reference.ts';

const CFG: LlamaConfig = { ...TINY_LLAMA, numLayers: 1, tieWordEmbeddings: true };
const TOLERANCE = 1e-4;
const IDS = [5, 300, 17, 42, 511, 2];

describe('llamaOnnx with tied embeddings', () => {
  const bytes = llamaOnnx(CFG, 7);
  const config = configJson(CFG, TOKEN_IDS) as Record<string, unknown>;
  let session: ort.InferenceSession;
  let reference: LlamaReference;

  beforeAll(async () => {
    ort.env.wasm.numThreads = 1;
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    reference = referenceFromBytes(toJson(configJson(CFG, TOKEN_IDS)), bytes);
  });

  it('stores the embedding once and says so in config.json', () => {
    const names = [...initializersFloat64(bytes).keys()];
    expect(names).toContain('model.embed_tokens.weight');
    expect(names).not.toContain('lm_head.weight');
    expect(config.tie_word_embeddings).toBe(true);
    expect(reference.config.tieWordEmbeddings).toBe(true);
  });

  it('gives the logits of every position as the float64 reference with lm_head = embed_tokens', async () => {
    const { numKvHeads, headDim, vocabSize } = CFG;
    const int64 = (xs: number[]) =>
      new ort.Tensor('int64', BigInt64Array.from(xs, BigInt), [1, xs.length]);
    const empty = new ort.Tensor('float32', new Float32Array(0), [1, numKvHeads, 0, headDim]);
    const out = await session.run({
      input_ids: int64(IDS),
      attention_mask: int64(IDS.map(() => 1)),
      position_ids: int64(IDS.map((_, i) => i)),
      'past_key_values.0.key': empty,
      'past_key_values.0.value': empty,
    });
    expect(out.logits?.dims).toEqual([1, IDS.length, vocabSize]);
    const got = out.logits?.data as Float32Array;
    const expected = reference.forward(IDS).logits;
    let diff = 0;
    expected.forEach((row, s) =>
      row.forEach((v, k) => (diff = Math.max(diff, Math.abs(v - got[s * vocabSize + k]!)))),
    );
    expect(diff).toBeLessThan(TOLERANCE);
    // Tied is not untied under another name: the untied graph's logits differ.
    const untied = referenceFromBytes(
      toJson(configJson({ ...CFG, tieWordEmbeddings: false }, TOKEN_IDS)),
      llamaOnnx({ ...CFG, tieWordEmbeddings: false }, 7),
    );
    expect(Math.abs(untied.forward(IDS).logits[0]![0]! - expected[0]![0]!)).toBeGreaterThan(1e-3);
  });
});
