import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { SEED } from '../../../../scripts/models/build';
import { FLOAT, type GraphBuilder } from '../../../../scripts/models/onnx-graph';
import { IR_VERSION, llamaGraph, OPSET } from '../../../../scripts/models/llama';
import {
  CausalLM,
  shapeFromConfig,
  type LlamaLikeConfig,
  type OrtModule,
} from '../../../../src/lib/engines/onnx/causal-lm';
import { OnnxEngine } from '../../../../src/lib/engines/onnx/engine';
import { loadOnnxLabeler } from '../../../../src/lib/engines/onnx/load';
import {
  loadModelFolder,
  type FileProgress,
  type HfModelFiles,
  type OnnxVariant,
} from '../../../../src/lib/engines/onnx/model-files';
import { loadLlamaReference } from '../../../support/llama-reference-node';
import {
  gemmaLikeFolder,
  gqaFolder,
  graphBytes,
  llamaConfigOf,
  memoryFetch,
  publishedFolder,
  TINY_SEED,
  type BaseFiles,
} from '../../../support/llama-forms';
import { refLogSoftmax } from '../../../support/reference-engine';

// The engine on the forms published exports have (generated here, never committed), in Node on
// onnxruntime-web's WASM EP, each against the float64 reference of the committed tiny-llama over
// the full vocabulary. float32 interfaces agree within 1e-4 as the committed graph does; a float16
// interface rounds the cache and the logits to 11 significant bits: 2.9e-3 measured, 1e-2 allowed.
const FOLDER = 'models/tiny-llama';
const BASE = 'http://hub.test/m/';
const TOL = 1e-4;
const TOL_FP16 = 1e-2;
ort.env.wasm.numThreads = 1;

const base: BaseFiles = new Map(
  ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'].map((f) => [
    f,
    new Uint8Array(readFileSync(join(FOLDER, f))),
  ]),
);
const ref = loadLlamaReference(FOLDER);
const VOCAB = Array.from({ length: 512 }, (_, i) => i);

const prompts = [
  {
    prefix: ['You judge summaries.\n\n', 'Text - My cat hates Mondays.\n'],
    continuations: [
      'Summary 1 - A cat.\nSummary 2 - Coffee.\nPreferred Summary=',
      'Summary 1 - Coffee.\nSummary 2 - A cat on a mat.\nPreferred Summary=',
    ],
  },
  { prefix: ['A\n', 'B\n'], continuations: ['C', 'D'] },
];

/** onnxruntime-web whose sessions record every feed they run. */
function recordingOrt(feeds: Record<string, ort.Tensor>[]): OrtModule {
  const create = async (model: Uint8Array, options: ort.InferenceSession.SessionOptions) => {
    const session = await ort.InferenceSession.create(model, options);
    const run = session.run.bind(session);
    Object.assign(session, {
      run: (f: Record<string, ort.Tensor>) => (feeds.push(f), run(f)),
    });
    return session;
  };
  return { ...ort, InferenceSession: { ...ort.InferenceSession, create } } as unknown as OrtModule;
}

async function load(folder: Map<string, Uint8Array>, variant: OnnxVariant) {
  const requested: string[] = [];
  const progress: FileProgress[] = [];
  const files = await loadModelFolder(BASE, variant, {
    fetch: memoryFetch(BASE, folder, requested),
    cache: null,
    onProgress: (p) => progress.push(p),
  });
  return { files, requested: requested.map((u) => u.slice(BASE.length)), progress };
}

/** max |delta log-prob| over the full vocabulary, every prompt, with and without reuse. */
async function worstDelta(files: HfModelFiles, positionsFrom = 0): Promise<number> {
  let worst = 0;
  for (const options of [
    { reusePrefix: false },
    { batchContinuations: false },
    { batchContinuations: true },
  ]) {
    const engine = await OnnxEngine.create({ ort, ep: 'wasm', modelId: 'm', files, ...options });
    for (const p of prompts) {
      const got = await engine.scoreNextToken({ ...p, tokenIds: VOCAB });
      p.continuations.forEach((c, i) => {
        const ids = engine.tokenizer.encode(p.prefix.join('') + c);
        const positions = ids.map((_, t) => t + positionsFrom);
        const want = refLogSoftmax(ref.forward(ids, undefined, positions).logits.at(-1)!);
        worst = Math.max(worst, ...want.map((w, k) => Math.abs(got[i]!.logprobs[k]! - w)));
      });
    }
    await engine.dispose();
  }
  return worst;
}

describe('the generated forms', () => {
  it('share the committed weights: the default form is models/tiny-llama/onnx/model.onnx', () => {
    expect(TINY_SEED).toBe(SEED);
    const config = JSON.parse(new TextDecoder().decode(base.get('config.json'))) as Record<
      string,
      unknown
    >;
    const committed = readFileSync(join(FOLDER, 'onnx/model.onnx'));
    expect(Buffer.from(graphBytes(config)).equals(committed)).toBe(true);
  });
});

describe('a published folder: object-form external data and a float16 variant', () => {
  const folder = publishedFolder(base);

  it('fetches model.onnx with its 2 data chunks, with progress, and matches the reference', async () => {
    const { files, requested, progress } = await load(folder, 'fp32');
    expect(requested.filter((u) => u.startsWith('onnx/'))).toEqual([
      'onnx/model.onnx',
      'onnx/model.onnx_data',
      'onnx/model.onnx_data_1',
    ]);
    expect(files.externalData.map((d) => d.path)).toEqual(['model.onnx_data', 'model.onnx_data_1']);
    for (const chunk of ['onnx/model.onnx_data', 'onnx/model.onnx_data_1']) {
      expect(progress.filter((p) => p.file === chunk).at(-1)).toMatchObject({
        loaded: folder.get(chunk)!.length,
        total: folder.get(chunk)!.length,
      });
    }
    // The graph alone holds no weights: without its data files it cannot be opened.
    expect(files.onnx.length).toBeLessThan(folder.get('onnx/model.onnx_data')!.length / 4);
    const worst = await worstDelta(files);
    console.log(`external data (2 chunks), fp32: max |delta log-prob| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(TOL);
  });

  it('runs the fp16 variant with float16 caches and logits, fetching no data files', async () => {
    const { files, requested } = await load(folder, 'fp16');
    expect(requested.filter((u) => u.startsWith('onnx/'))).toEqual(['onnx/model_fp16.onnx']);
    const engine = await OnnxEngine.create({ ort, ep: 'wasm', modelId: 'm', files });
    expect(engine.graph).toMatchObject({
      kvDtype: 'float16',
      logitsDtype: 'float16',
      positionIds: 'from-0',
      numLogitsToKeep: false,
      useCacheBranch: false,
    });
    await engine.dispose();
    const worst = await worstDelta(files);
    console.log(`float16 interface: max |delta log-prob| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(TOL_FP16);
    expect(worst).toBeGreaterThan(TOL); // float16 really is in the loop
  });

  it('labels with the fp16 variant through loadOnnxLabeler on WASM', async () => {
    const engine = await loadOnnxLabeler(BASE, {
      ort,
      ep: 'wasm',
      variant: 'fp16',
      shaderF16: false,
      fetch: memoryFetch(BASE, folder),
      cache: null,
    });
    const [scores] = await engine.scoreNextToken({
      prefix: ['Text - x\n'],
      continuations: ['Preferred Summary='],
      tokenIds: [52, 53],
    });
    const ids = engine.tokenizer.encode('Text - x\nPreferred Summary=');
    const want = refLogSoftmax(ref.forward(ids).logits.at(-1)!);
    expect(Math.abs(scores!.logprobs[0]! - want[52]!)).toBeLessThan(TOL_FP16);
    expect(Math.abs(scores!.logprobs[1]! - want[53]!)).toBeLessThan(TOL_FP16);
    await engine.dispose();
  });
});

describe('a Gemma-like graph: num_logits_to_keep, use_cache_branch, positions by model_type', () => {
  it('numbers positions from 1 for gemma3_text, and matches the reference so numbered', async () => {
    const { files } = await load(gemmaLikeFolder(base, 'gemma3_text'), 'fp32');
    const engine = await OnnxEngine.create({ ort, ep: 'wasm', modelId: 'm', files });
    expect(engine.graph).toEqual({
      kvDtype: 'float32',
      logitsDtype: 'float32',
      inputs: [
        'input_ids',
        'attention_mask',
        'position_ids',
        'num_logits_to_keep',
        'use_cache_branch',
        'past_key_values.0.key',
        'past_key_values.0.value',
        'past_key_values.1.key',
        'past_key_values.1.value',
      ],
      outputs: ['logits', 'present.0.key', 'present.0.value', 'present.1.key', 'present.1.value'],
      positionIds: 'from-1',
      numLogitsToKeep: true,
      useCacheBranch: true,
    });
    await engine.dispose();
    const worst = await worstDelta(files, 1);
    console.log(
      `num_logits_to_keep + use_cache_branch, from 1: max |delta| = ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThan(TOL);
  });

  // Rotary attention depends on relative positions only, so logits cannot tell the numbering
  // apart: the feeds themselves are checked, for a prefix and then a continuation after it.
  it.each([
    ['gemma3_text', 1],
    ['llama', 0],
  ])(
    'feeds %s positions from %i, the branch flag, and keeps 1 logit row when it can',
    async (type, from) => {
      const { files } = await load(gemmaLikeFolder(base, type), 'fp32');
      const feeds: Record<string, ort.Tensor>[] = [];
      const engine = await OnnxEngine.create({
        ort: recordingOrt(feeds),
        ep: 'wasm',
        modelId: 'm',
        files,
      });
      const prefix = engine.tokenizer.encode('A\n');
      await engine.scoreNextToken({ prefix: ['A\n'], continuations: ['B', 'CD'], tokenIds: [52] });
      const read = (f: Record<string, ort.Tensor>, name: string) =>
        Array.from(f[name]!.data as BigInt64Array | Uint8Array, Number);
      const n = prefix.length;
      expect(read(feeds[0]!, 'position_ids')).toEqual(prefix.map((_, t) => t + from));
      expect(read(feeds[0]!, 'use_cache_branch')).toEqual([0]);
      expect(read(feeds[0]!, 'num_logits_to_keep')).toEqual([1]); // a prefix: logits unread
      const [b, cd] = ['B', 'CD'].map((c) => engine.tokenizer.encode(c).length);
      const seq = Math.max(b!, cd!);
      const batch = read(feeds[1]!, 'position_ids');
      expect(batch.slice(0, b)).toEqual(Array.from({ length: b! }, (_, t) => n + t + from));
      expect(batch.slice(seq, seq + cd!)).toEqual(
        Array.from({ length: cd! }, (_, t) => n + t + from),
      );
      expect(read(feeds[1]!, 'use_cache_branch')).toEqual([1]);
      expect(read(feeds[1]!, 'num_logits_to_keep')).toEqual([b === cd ? 1 : 0]);
      await engine.dispose();
    },
  );

  it('numbers positions from 0 for llama, and matches the reference', async () => {
    const { files } = await load(gemmaLikeFolder(base, 'llama'), 'fp32');
    const worst = await worstDelta(files);
    console.log(
      `num_logits_to_keep + use_cache_branch, from 0: max |delta| = ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThan(TOL);
  });

  it('asks for the last logits only when every row ends at the same position', async () => {
    const { files } = await load(gemmaLikeFolder(base, 'llama'), 'fp32');
    const shape = shapeFromConfig(files.config as unknown as LlamaLikeConfig);
    const lm = await CausalLM.create(ort, files.onnx, shape, 'wasm');
    const even = [
      [5, 17, 42],
      [7, 8, 9],
    ];
    const ragged = [
      [5, 17, 42, 99, 3],
      [7, 8],
    ];
    for (const rows of [even, ragged, [[4, 5, 6, 7]]]) {
      const full = await lm.forward(rows, null, 'all');
      const last = await lm.forward(rows, null, 'last');
      expect(full.kept).toBe(full.seq);
      expect(last.kept).toBe(rows.every((r) => r.length === full.seq) ? 1 : full.seq);
      rows.forEach((row, b) => {
        expect(Array.from(lm.row(last, b, row.length - 1))).toEqual(
          Array.from(lm.row(full, b, row.length - 1)),
        );
        const want = ref.forward(row).logits.at(-1)!;
        const got = lm.row(last, b, row.length - 1);
        expect(Math.max(...want.map((w, k) => Math.abs(w - got[k]!)))).toBeLessThan(TOL);
      });
    }
    await lm.release();
  });
});

describe('a GroupQueryAttention graph (com.microsoft contrib op, as SmolLM2 exports)', () => {
  it('matches the reference, running continuations one by one where the op refuses a batch', async () => {
    const { files } = await load(gqaFolder(base), 'fp32');
    // GroupQueryAttention on WASM: "batch_size must be 1 when sequence_length > 1 and past
    // context is given"; the engine then scores each continuation after the shared prefix alone.
    const worst = await worstDelta(files);
    console.log(`GroupQueryAttention: max |delta log-prob| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(TOL);
    // By default the engine sees the op and does not batch; forced to, it falls back once.
    const plain = await OnnxEngine.create({ ort, ep: 'wasm', modelId: 'm', files });
    await plain.scoreNextToken({ ...prompts[0]!, tokenIds: [52] });
    expect(plain.stats.forwardCalls).toBe(2 + 2); // 2 prefix segments, 2 continuations alone
    await plain.dispose();
    const forced = { ort, ep: 'wasm' as const, modelId: 'm', files, batchContinuations: true };
    const engine = await OnnxEngine.create(forced);
    await engine.scoreNextToken({ ...prompts[0]!, tokenIds: [52] });
    expect(engine.stats.forwardCalls).toBe(2 + 1 + 2); // 2 prefix segments, the refused batch, 2 alone
    await engine.scoreNextToken({ ...prompts[1]!, tokenIds: [52] });
    expect(engine.stats.forwardCalls).toBe(5 + 2 + 2); // no second try at a batch
    await engine.dispose();
  });
});

describe('graphs the engine cannot feed', () => {
  it('names the input it cannot fill, as an unsupported model', async () => {
    const config = JSON.parse(new TextDecoder().decode(base.get('config.json'))) as Record<
      string,
      unknown
    >;
    const g: GraphBuilder = llamaGraph(llamaConfigOf(config), TINY_SEED);
    g.input('pixel_values', FLOAT, ['batch_size', 3, 8, 8]);
    const folder = new Map(base);
    folder.set('onnx/model.onnx', g.encode('vision', OPSET, IR_VERSION));
    await expect(
      loadOnnxLabeler(BASE, {
        ort,
        ep: 'wasm',
        variant: 'fp32',
        shaderF16: false,
        fetch: memoryFetch(BASE, folder),
        cache: null,
      }),
    ).rejects.toMatchObject({
      kind: 'unsupported',
      message: expect.stringMatching(/cannot fill: pixel_values\./),
    });
  });
});
