import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxEngine } from '../../../../src/lib/engines/onnx/engine';
import { loadModelFolder, type HfModelFiles } from '../../../../src/lib/engines/onnx/model-files';
import { loadOrt } from '../../../../src/lib/engines/onnx/runtime';
import {
  CausalLM,
  shapeFromConfig,
  type LlamaLikeConfig,
  type OrtModule,
} from '../../../../src/lib/engines/onnx/causal-lm';
import { referenceFromBytes, type LlamaReference } from '../../../support/llama-reference';
import { refLogSoftmax } from '../../../support/reference-engine';

// The ONNX engine in real Chromium, on the WebGPU EP (SwiftShader here, the user's GPU elsewhere)
// and the WASM EP, against the float64 reference: full next-token distributions within 1e-4.
const TOL = 1e-4;
let ort: OrtModule;
let files: HfModelFiles;
let ref: LlamaReference;

const prompts = [
  {
    prefix: ['You judge summaries.\n\n', 'Text - My cat hates Mondays.\n'],
    continuation: 'Summary 1 - A cat.\nSummary 2 - Coffee.\nPreferred Summary=',
  },
  {
    prefix: ['<|im_start|>user\nHi there, how are you?\n', ''],
    continuation: '<|im_end|>\n<|im_start|>assistant\n',
  },
  { prefix: ['A\n', 'B\n'], continuation: 'C' },
  // A prefix over 256 tokens is computed in chunks.
  {
    prefix: [`${'The quick brown fox jumps over the lazy dog. '.repeat(30)}\n`, 'Text - x\n'],
    continuation: 'Summary=',
  },
];

beforeAll(async () => {
  ort = await loadOrt();
  files = await loadModelFolder('/models/tiny-llama/', 'fp32', { cache: null });
  ref = referenceFromBytes(JSON.stringify(files.config), files.onnx);
});

function maxDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
}

describe.each(['webgpu', 'wasm'] as const)('OnnxEngine on %s in Chromium', (ep) => {
  it.each([true, false])(
    'matches the float64 reference over the full vocabulary (prefix reuse: %s)',
    async (reusePrefix) => {
      const engine = await OnnxEngine.create({
        ort,
        ep,
        modelId: 'tiny-llama',
        files,
        reusePrefix,
      });
      expect(engine.executionProvider).toBe(ep);
      const all = Array.from({ length: 512 }, (_, i) => i);
      let worst = 0;
      for (const p of prompts) {
        const [got] = await engine.scoreNextToken({
          prefix: p.prefix,
          continuations: [p.continuation],
          tokenIds: all,
        });
        const ids = engine.tokenizer.encode(p.prefix.join('') + p.continuation);
        const want = refLogSoftmax(ref.forward(ids).logits.at(-1)!);
        worst = Math.max(worst, maxDiff(got!.logprobs, want));
      }
      console.log(
        `${ep} reuse=${reusePrefix}: max |delta log-prob| vs float64 = ${worst.toExponential(2)}`,
      );
      expect(worst).toBeLessThan(TOL);
      if (reusePrefix)
        expect(engine.stats.prefixHits + engine.stats.forwardCalls).toBeGreaterThan(prompts.length);
      await engine.dispose();
    },
  );

  it('scores both orders of a pair after one shared prefix, equal to scoring them apart', async () => {
    const engine = await OnnxEngine.create({ ort, ep, modelId: 'tiny-llama', files });
    const request = {
      prefix: ['You judge summaries.\n\n', 'Text - The post.\n'],
      continuations: [
        'Summary 1 - one\nSummary 2 - two\nPreferred Summary=',
        'Summary 1 - two\nSummary 2 - one\nPreferred Summary=',
      ],
      tokenIds: [52, 53],
    };
    const together = await engine.scoreNextToken(request);
    expect(engine.stats.forwardCalls).toBe(ep === 'wasm' ? 3 : 4); // 2 prefixes + batch (wasm) or 2 runs
    for (const [i, c] of request.continuations.entries()) {
      const ids = engine.tokenizer.encode(request.prefix.join('') + c);
      const want = refLogSoftmax(ref.forward(ids).logits.at(-1)!);
      expect(maxDiff(together[i]!.logprobs, [want[52]!, want[53]!])).toBeLessThan(TOL);
    }
    await engine.dispose();
  });
});

// Scoring brings back only each sequence's last logits row; from a GPU buffer that is a copy of
// those rows alone. They must be the very rows a full read holds, for every row of a padded batch.
describe.each(['webgpu', 'wasm'] as const)('CausalLM last-row logits on %s', (ep) => {
  it('equal the full read at each sequence’s last real position, bit for bit', async () => {
    const shape = shapeFromConfig(files.config as unknown as LlamaLikeConfig);
    const lm = await CausalLM.create(ort, files.onnx, shape, ep);
    const rows = [
      [5, 17, 42, 99, 3],
      [7, 8],
    ];
    const full = await lm.forward(rows, null, 'all');
    const last = await lm.forward(rows, null, 'last');
    expect(last.logits.length).toBe(rows.length * full.vocab);
    rows.forEach((row, b) => {
      expect(Array.from(lm.row(last, b, row.length - 1))).toEqual(
        Array.from(lm.row(full, b, row.length - 1)),
      );
    });
    // And they are rows of the right position: the float64 reference agrees.
    const expected = ref.forward(rows[1]!).logits.at(-1)!;
    expect(maxDiff(Array.from(lm.row(last, 1, 1)), expected)).toBeLessThan(1e-4);
    await lm.release();
  });
});
