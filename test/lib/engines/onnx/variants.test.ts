import { describe, expect, it } from 'vitest';
import {
  filesFromHubInfo,
  formatBytes,
  HubListingError,
  recommendVariant,
  unavailableReason,
  variantOptions,
  variantsFromFiles,
  type Adapter,
} from '../../../../src/lib/engines/onnx/variants';
import { LISTINGS } from '../../../fixtures/hub-listings';

const variantsOf = (info: unknown, id = 'x/y') => variantsFromFiles(filesFromHubInfo(info, id));
const names = (info: unknown) => variantsOf(info).map((v) => v.variant);
const F16: Adapter = { ep: 'webgpu', shaderF16: true };
const GPU: Adapter = { ep: 'webgpu', shaderF16: false };
const WASM: Adapter = { ep: 'wasm', shaderF16: false };

describe('variantsFromFiles on published listings', () => {
  it('offers exactly the variants a repo publishes, with transformers.js suffixes', () => {
    expect(names(LISTINGS.smollm2_135m)).toEqual(['fp32', 'fp16', 'int8', 'uint8', 'q4', 'q4f16']);
    expect(names(LISTINGS.qwen25_05b)).toEqual([
      'fp32',
      'fp16',
      'int8',
      'uint8',
      'q8',
      'q4',
      'q4f16',
      'bnb4',
    ]);
    expect(names(LISTINGS.qwen3_06b)).toEqual(['int8', 'q8', 'q4', 'q4f16']);
    expect(names(LISTINGS.phi35_mini)).toEqual(['q4f16']);
  });

  it('counts a variant as its graph plus its own data chunks only', () => {
    const llama = variantsOf(LISTINGS.llama32_1b);
    const fp32 = llama.find((v) => v.variant === 'fp32')!;
    expect(fp32.files.map((f) => f.path)).toEqual(['onnx/model.onnx', 'onnx/model.onnx_data']);
    expect(fp32.bytes).toBe(524_000 + 4_940_000_000);
    const fp16 = llama.find((v) => v.variant === 'fp16')!;
    expect(fp16.bytes).toBe(532_000 + 2_470_000_000);
    // model_q4.onnx is not the prefix of any data file of model.onnx, nor the reverse.
    expect(llama.find((v) => v.variant === 'q4')!.files).toHaveLength(1);
    const phi = variantsOf(LISTINGS.phi35_mini)[0]!;
    expect(phi.bytes).toBe(220_000_000 + 2_100_000_000);
    expect(phi.needsF16).toBe(true);
  });

  it('orders numbered chunks and skips files that are not chunks', () => {
    const files = [
      { path: 'onnx/model.onnx_data_2', bytes: 3 },
      { path: 'onnx/model.onnx', bytes: 1 },
      { path: 'onnx/model.onnx_data', bytes: 10 },
      { path: 'onnx/model.onnx_data_1', bytes: 100 },
      { path: 'onnx/model.onnx_data_x', bytes: 1000 },
      { path: 'onnx/decoder_model_merged.onnx', bytes: 5 },
    ];
    const [fp32] = variantsFromFiles(files);
    expect(fp32!.files.map((f) => f.path)).toEqual([
      'onnx/model.onnx',
      'onnx/model.onnx_data',
      'onnx/model.onnx_data_1',
      'onnx/model.onnx_data_2',
    ]);
    expect(fp32!.bytes).toBe(114);
    expect(variantsFromFiles([{ path: 'onnx/model_q4.onnx', bytes: null }])[0]!.bytes).toBeNull();
  });

  it('refuses an answer without a file list, saying what to do', () => {
    expect(() => filesFromHubInfo({ error: 'Repository not found' }, 'a/b')).toThrow(
      HubListingError,
    );
    expect(() => filesFromHubInfo(null, 'a/b')).toThrow(/no file list.*folder URL/);
  });
});

describe('recommendVariant', () => {
  const rec = (info: unknown, adapter: Adapter) => recommendVariant(variantsOf(info), adapter);

  it('picks q4f16 on shader-f16 GPUs, q4 (else fp32) without, 8-bit on WASM', () => {
    expect(rec(LISTINGS.smollm2_135m, F16)!.variant).toBe('q4f16');
    expect(rec(LISTINGS.smollm2_135m, GPU)!.variant).toBe('q4');
    expect(rec(LISTINGS.smollm2_135m, WASM)!.variant).toBe('uint8');
    expect(rec(LISTINGS.qwen3_06b, WASM)!.variant).toBe('q8');
    expect(rec(LISTINGS.gemma3_270m, GPU)!.variant).toBe('fp32');
    expect(rec(LISTINGS.gemma3_270m, WASM)!.variant).toBe('fp32');
  });

  it('explains the choice in one line, naming what is missing', () => {
    expect(rec(LISTINGS.smollm2_135m, F16)!.why).toMatch(/shader-f16/);
    const gemma = rec(LISTINGS.gemma3_270m, GPU)!;
    expect(gemma.why).toBe(
      'the best for WebGPU without shader-f16 that this model publishes (no q4)',
    );
    expect(gemma.why).not.toContain('\n');
  });

  it('never recommends what the adapter cannot run; null when nothing fits', () => {
    expect(rec(LISTINGS.phi35_mini, GPU)).toBeNull();
    expect(rec(LISTINGS.phi35_mini, WASM)!.variant).toBe('q4f16');
    expect(unavailableReason('q4f16', GPU)).toMatch(/shader-f16/);
    expect(unavailableReason('fp16', F16)).toBeNull();
    expect(unavailableReason('fp16', WASM)).toBeNull();
  });
});

describe('recommendVariant for a sentence encoder', () => {
  /** A folder publishing exactly these variants (sizes irrelevant here). */
  const folder = (...variants: string[]) =>
    variantsFromFiles(
      variants.map((v) => ({ path: `onnx/model${v === 'fp32' ? '' : `_${v}`}.onnx`, bytes: 1 })),
    );
  const rec = (adapter: Adapter, ...variants: string[]) =>
    recommendVariant(folder(...variants), adapter, 'encoder');
  // MiniLM's folder as published on the Hub: fp32, fp16, int8, uint8, q8, q4, q4f16, bnb4.
  const all = ['fp16', 'int8', 'uint8', 'quantized', 'q4', 'q4f16', 'bnb4', 'fp32'];

  it('on WASM: uint8, else q8 or int8, else fp32; never a 4-bit or float16 graph first', () => {
    expect(rec(WASM, ...all)).toEqual({
      variant: 'uint8',
      why: 'on the CPU (WASM) 8-bit weights are 4x smaller and embed faster, for live scoring',
    });
    expect(rec(WASM, 'fp32', 'quantized', 'int8')!.variant).toBe('q8');
    expect(rec(WASM, 'fp32', 'int8', 'q4')!.variant).toBe('int8');
    expect(rec(WASM, 'fp32', 'q4', 'fp16')).toEqual({
      variant: 'fp32',
      why: 'the best for an encoder on WASM that this model publishes (no uint8)',
    });
  });

  it('on WebGPU: fp32 even with shader-f16, as float16 vectors go wrong there', () => {
    expect(rec(F16, ...all)!.variant).toBe('fp32');
    expect(rec(GPU, ...all)!.why).toMatch(/float16 is known to give NaN/);
    expect(rec(F16, 'fp16', 'uint8')!.variant).toBe('uint8');
    expect(rec(GPU, 'fp16', 'q4f16')).toBeNull(); // nothing runs without shader-f16
  });

  it('labels float16 on WebGPU with the caution, and leaves the labeler’s labels alone', () => {
    const options = variantOptions(folder('fp32', 'fp16'), F16, ['fp32'], 'encoder');
    expect(options.map((o) => o.label)).toEqual([
      'fp32 · 1 B (recommended, cached)',
      'fp16 · 1 B (float16 vectors can be NaN on WebGPU)',
    ]);
    expect(variantOptions(folder('fp32', 'fp16'), F16).map((o) => o.label)).toEqual([
      'fp32 · 1 B',
      'fp16 · 1 B (recommended)',
    ]);
  });
});

describe('formatBytes', () => {
  it('writes sizes in the decimal units the Hub uses', () => {
    expect(formatBytes(134_000_000)).toBe('134 MB');
    expect(formatBytes(4_940_524_000)).toBe('4.94 GB');
    expect(formatBytes(524_000)).toBe('524 kB');
    expect(formatBytes(null)).toBe('size unknown');
  });
});

describe('variantOptions', () => {
  it('labels sizes, the recommendation and cached copies; disables f16 without shader-f16', () => {
    const smol = variantsOf(LISTINGS.smollm2_135m);
    const options = variantOptions(smol, GPU, ['q4']);
    expect(options.map((o) => o.label)).toEqual([
      'fp32 · 654 MB',
      'fp16 · 327 MB (needs shader-f16, which this GPU lacks)',
      'int8 · 165 MB',
      'uint8 · 165 MB',
      'q4 · 200 MB (recommended, cached)',
      'q4f16 · 134 MB (needs shader-f16, which this GPU lacks)',
    ]);
    expect(options.filter((o) => o.disabled).map((o) => o.variant)).toEqual(['fp16', 'q4f16']);
    expect(variantOptions(smol, F16).find((o) => o.recommended)!.variant).toBe('q4f16');
    expect(variantOptions(smol, WASM).every((o) => !o.disabled)).toBe(true);
  });
});
