import { prebuiltAppConfig, type ModelRecord } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import type { GpuStatus } from '../../../../src/lib/gpu/webgpu';
import { F16, NO_F16 } from '../../../support/gpu-status';
import {
  needsShaderF16,
  parseModelId,
  pickVariant,
  smallModelCatalog,
  type ModelGroup,
} from '../../../../src/lib/engines/webllm/catalog';

const catalog = smallModelCatalog();
const group = (base: string) => catalog.find((g) => g.base === base)!;
const pick = (base: string, gpu: GpuStatus) => {
  const choice = pickVariant(group(base), gpu);
  return choice.available ? choice.variant.modelId : choice.reason;
};

describe('the web-llm catalog, built from the installed prebuiltAppConfig', () => {
  it('keeps the small chat models, grouped by base model', () => {
    expect(catalog.map((g) => g.base).sort()).toEqual([
      'Llama-3.2-1B-Instruct',
      'Llama-3.2-3B-Instruct',
      'Phi-3.5-mini-instruct',
      'Qwen2.5-0.5B-Instruct',
      'Qwen2.5-1.5B-Instruct',
      'SmolLM2-1.7B-Instruct',
      'SmolLM2-135M-Instruct',
      'SmolLM2-360M-Instruct',
      'gemma-2-2b-it',
    ]);
    // Other prebuilt models (165 in 0.2.86) and look-alikes such as gemma-2-2b-jpn-it are left out.
    expect(prebuiltAppConfig.model_list.length).toBeGreaterThan(100);
    expect(catalog.flatMap((g) => g.variants).some((v) => v.modelId.includes('jpn'))).toBe(false);
  });

  it('lists each build with its quantisation, context and VRAM from web-llm', () => {
    const smol = group('SmolLM2-360M-Instruct');
    expect(smol.variants.map((v) => [v.quantization, v.vramMB, v.needsShaderF16])).toEqual(
      expect.arrayContaining([
        ['q4f16_1', 376.06, true],
        ['q4f32_1', 579.61, false],
        ['q0f32', 1743.99, false],
      ]),
    );
    const phi = group('Phi-3.5-mini-instruct').variants.map((v) => [v.modelId, v.contextWindow]);
    expect(phi).toContainEqual(['Phi-3.5-mini-instruct-q4f16_1-MLC-1k', 1024]);
    expect(phi).toContainEqual(['Phi-3.5-mini-instruct-q4f16_1-MLC', 4096]);
  });

  it('treats every f16 build as needing shader-f16, even where required_features is missing', () => {
    const qwen = prebuiltAppConfig.model_list.find(
      (r) => r.model_id === 'Qwen2.5-0.5B-Instruct-q4f16_1-MLC',
    )!;
    expect(qwen.required_features).toBeUndefined(); // web-llm 0.2.86 does not mark it
    expect(needsShaderF16(qwen)).toBe(true);
    expect(parseModelId('gemma-2-2b-it-q4f32_1-MLC-1k')).toEqual({
      base: 'gemma-2-2b-it',
      quantization: 'q4f32_1',
      kiloContext: 1,
    });
  });

  it('picks q4f16 with shader-f16, else q4f32, else q0f32; full context over -1k', () => {
    expect(pick('Qwen2.5-0.5B-Instruct', F16)).toBe('Qwen2.5-0.5B-Instruct-q4f16_1-MLC');
    expect(pick('Qwen2.5-0.5B-Instruct', NO_F16)).toBe('Qwen2.5-0.5B-Instruct-q4f32_1-MLC');
    expect(pick('Phi-3.5-mini-instruct', NO_F16)).toBe('Phi-3.5-mini-instruct-q4f32_1-MLC');
    expect(pick('gemma-2-2b-it', F16)).toBe('gemma-2-2b-it-q4f16_1-MLC');
    // SmolLM2-135M has only unquantised builds.
    expect(pick('SmolLM2-135M-Instruct', NO_F16)).toBe('SmolLM2-135M-Instruct-q0f32-MLC');
    expect(pick('SmolLM2-135M-Instruct', F16)).toBe('SmolLM2-135M-Instruct-q0f16-MLC');
    for (const g of catalog) expect(pickVariant(g, NO_F16).available).toBe(true);
  });

  it('marks an f16-only model unavailable without shader-f16, and everything without WebGPU', () => {
    const record: ModelRecord = {
      model: 'https://example.org/m',
      model_id: 'Tiny-q4f16_1-MLC',
      model_lib: 'https://example.org/m.wasm',
    };
    const f16Only: ModelGroup = smallModelCatalog({ model_list: [record] }, [/^Tiny$/])[0]!;
    const choice = pickVariant(f16Only, NO_F16);
    expect(choice).toEqual({ available: false, reason: expect.stringMatching(/no shader-f16/) });
    expect(pickVariant(f16Only, F16).available).toBe(true);
    const none = pickVariant(group('Llama-3.2-1B-Instruct'), {
      kind: 'unavailable',
      reason: 'navigator.gpu is missing.',
      fallback: 'wasm',
    });
    expect(none).toEqual({
      available: false,
      reason: 'web-llm needs WebGPU: navigator.gpu is missing.',
    });
  });
});
