import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxEngine } from '../../../../src/lib/engines/onnx/engine';
import { halfToNumber } from '../../../../src/lib/engines/onnx/float16';
import { loadOnnxLabeler } from '../../../../src/lib/engines/onnx/load';
import { loadModelFolder, type HfModelFiles } from '../../../../src/lib/engines/onnx/model-files';
import { loadOrt } from '../../../../src/lib/engines/onnx/runtime';
import {
  CausalLM,
  readLogitRows,
  shapeFromConfig,
  type LlamaLikeConfig,
  type OrtModule,
} from '../../../../src/lib/engines/onnx/causal-lm';
import { gqaFolder, memoryFetch, publishedFolder } from '../../../support/llama-forms';
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

/** The committed folder's JSON files, which the generated variants share. */
async function baseFiles(): Promise<Map<string, Uint8Array>> {
  const names = [
    'config.json',
    'generation_config.json',
    'tokenizer.json',
    'tokenizer_config.json',
  ];
  const read = async (f: string) =>
    [f, new Uint8Array(await (await fetch(`/models/tiny-llama/${f}`)).arrayBuffer())] as const;
  return new Map(await Promise.all(names.map(read)));
}

// A float16-interface graph (as fp16 and q4f16 exports are), generated here from the committed
// weights: on WASM it labels like the float64 reference within float16's rounding; on a WebGPU
// adapter without shader-f16 (SwiftShader) the load is refused, before any download, saying why.
describe('a float16-interface variant in Chromium', () => {
  const HUB = 'http://hub.test/m/';
  let folder: Map<string, Uint8Array>;

  beforeAll(async () => {
    folder = publishedFolder(await baseFiles());
  });

  it('labels within 1e-2 of the float64 reference on WASM, with float16 caches and logits', async () => {
    const engine = await loadOnnxLabeler(HUB, {
      ort,
      ep: 'wasm',
      variant: 'fp16',
      shaderF16: false,
      fetch: memoryFetch(HUB, folder),
      cache: null,
    });
    expect(engine.graph).toMatchObject({ kvDtype: 'float16', logitsDtype: 'float16' });
    const all = Array.from({ length: 512 }, (_, i) => i);
    let worst = 0;
    for (const p of prompts) {
      const [got] = await engine.scoreNextToken({
        prefix: p.prefix,
        continuations: [p.continuation],
        tokenIds: all,
      });
      const ids = engine.tokenizer.encode(p.prefix.join('') + p.continuation);
      worst = Math.max(
        worst,
        maxDiff(got!.logprobs, refLogSoftmax(ref.forward(ids).logits.at(-1)!)),
      );
    }
    const f16 = 'Float16Array' in globalThis ? 'Float16Array' : 'Uint16Array';
    console.log(
      `fp16 interface on wasm (${f16} data): max |delta log-prob| = ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThan(1e-2);
    await engine.dispose();
  });

  it('is refused on a WebGPU adapter without shader-f16, before anything downloads', async () => {
    const adapter = await navigator.gpu.requestAdapter();
    const shaderF16 = adapter?.features.has('shader-f16') ?? false;
    expect(shaderF16, 'SwiftShader has no shader-f16').toBe(false);
    const requested: string[] = [];
    await expect(
      loadOnnxLabeler(HUB, {
        ort,
        ep: 'webgpu',
        variant: 'fp16',
        shaderF16,
        fetch: memoryFetch(HUB, folder, requested),
        cache: null,
      }),
    ).rejects.toMatchObject({
      kind: 'needs-f16',
      message: expect.stringMatching(/need the shader-f16 GPU feature.*fp32 or q8.*WASM/),
    });
    expect(requested).toEqual([]);
  });
});

// The last-row copy from a GPU buffer in 4-byte units: float16 rows of an odd vocabulary start
// mid-word, and must come back exactly as written.
describe('readLogitRows from a WebGPU buffer', () => {
  it.each(['float32', 'float16'] as const)('cuts %s rows out at any offset', async (type) => {
    // A WebGPU session initialises the device the runtime shares.
    const lm = await CausalLM.create(
      ort,
      files.onnx,
      shapeFromConfig(files.config as unknown as LlamaLikeConfig),
      'webgpu',
    );
    await lm.forward([[1]], null, 'last');
    const device = await ort.env.webgpu.device;
    const vocab = 5;
    const values = Array.from({ length: 3 * vocab }, (_, i) => (i - 7) * 0.25);
    // Lowest bits last win, so 0 is +0 (0x0000), not -0 (0x8000).
    const bitsOf = new Map(
      Array.from({ length: 65536 }, (_, h) => [halfToNumber(h), h] as const).reverse(),
    );
    const bytes =
      type === 'float16'
        ? new Uint8Array(Uint16Array.from(values, (v) => bitsOf.get(v)!).buffer)
        : new Uint8Array(Float32Array.from(values).buffer);
    const buffer = device.createBuffer({
      size: Math.ceil(bytes.length / 4) * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const padded = new Uint8Array(buffer.size);
    padded.set(bytes);
    device.queue.writeBuffer(buffer, 0, padded);
    const tensor = ort.Tensor.fromGpuBuffer(buffer, { dataType: type, dims: [1, 3, vocab] });
    const rows = await readLogitRows(ort, tensor, [10, vocab, 0], vocab);
    expect(Array.from(rows)).toEqual([
      ...values.slice(10, 15),
      ...values.slice(5, 10),
      ...values.slice(0, 5),
    ]);
    buffer.destroy();
    await lm.release();
  });
});

// SmolLM2's current exports use com.microsoft GroupQueryAttention; it runs on both EPs here. The
// engine scores continuations one at a time after a shared prefix on it (the op refuses a batch),
// and on WebGPU feeds at most 16 new tokens per call: from 32 the op's logits are wrong there.
describe.each(['webgpu', 'wasm'] as const)('a GroupQueryAttention graph on %s', (ep) => {
  it('matches the float64 reference and decodes like the plain graph', async () => {
    const hub = 'http://hub.test/gqa/';
    const gqa = await loadModelFolder(hub, 'fp32', {
      fetch: memoryFetch(hub, gqaFolder(await baseFiles())),
      cache: null,
    });
    const engine = await OnnxEngine.create({ ort, ep, modelId: 'gqa', files: gqa });
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
    console.log(`GroupQueryAttention on ${ep}: max |delta log-prob| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(TOL);
    const plain = await OnnxEngine.create({ ort, ep, modelId: 'tiny-llama', files });
    const request = {
      prefix: ['Human: Tell me about cats.\n'],
      continuation: 'Assistant:',
      maxTokens: 10,
      temperature: 0,
    };
    expect((await engine.generate(request)).text).toBe((await plain.generate(request)).text);
    await Promise.all([engine.dispose(), plain.dispose()]);
  });
});

describe.each(['webgpu', 'wasm'] as const)(
  'CausalLM on a GroupQueryAttention graph on %s',
  (ep) => {
    it('gives every position of a 100-token call the reference logits', async () => {
      const hub = 'http://hub.test/gqa/';
      const gqa = await loadModelFolder(hub, 'fp32', {
        fetch: memoryFetch(hub, gqaFolder(await baseFiles())),
        cache: null,
      });
      const shape = shapeFromConfig(gqa.config as unknown as LlamaLikeConfig);
      const lm = await CausalLM.create(ort, gqa.onnx, shape, ep);
      const ids = Array.from({ length: 100 }, (_, i) => ((i * 37) % 500) + 3);
      const want = ref.forward(ids).logits;
      const all = await lm.forward([ids], null, 'all');
      const last = await lm.forward([ids], null, 'last');
      const worst = Math.max(...want.map((w, t) => maxDiff(Array.from(lm.row(all, 0, t)), w)));
      console.log(
        `GroupQueryAttention, 100 tokens in one forward on ${ep}: max |delta logit| = ${worst.toExponential(2)}`,
      );
      expect(worst).toBeLessThan(TOL);
      expect(Array.from(lm.row(last, 0, 99))).toEqual(Array.from(lm.row(all, 0, 99)));
      await lm.release();
    });
  },
);
