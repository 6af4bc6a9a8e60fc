import { describe, expect, it } from 'vitest';
import { smallModelCatalog, type ModelGroup } from '../../../../src/lib/engines/webllm/catalog';
import {
  adapterSummary,
  catalogSections,
  defaultModelId,
  formatVram,
  NEEDS_F16_REASON,
} from '../../../../src/lib/engines/webllm/picker';
import type { GpuStatus } from '../../../../src/lib/gpu/webgpu';
import { F16, NO_F16 } from '../../../support/gpu-status';

const NO_GPU: GpuStatus = {
  kind: 'unavailable',
  reason: 'navigator.gpu is missing.',
  fallback: '',
};

const catalog = smallModelCatalog();
const rowsOf = (gpu: GpuStatus) => catalogSections(catalog, gpu).flatMap((s) => s.rows);

describe('formatVram', () => {
  it('uses MB below a thousand and GB (of 1024 MB) above', () => {
    expect(formatVram(579.61)).toBe('≈ 580 MB VRAM');
    expect(formatVram(1888.97)).toBe('≈ 1.8 GB VRAM');
    expect(formatVram(null)).toBe('VRAM need unknown');
  });
});

describe('catalogSections on the installed prebuiltAppConfig', () => {
  it('disables every f16 build, with the reason, on an adapter without shader-f16', () => {
    const rows = rowsOf(NO_F16);
    const f16 = rows.filter((r) => /f16/.test(r.quantization));
    expect(f16.length).toBeGreaterThan(5);
    for (const row of f16) expect(row.unavailable).toBe(NEEDS_F16_REASON);
    for (const row of rows.filter((r) => /f32/.test(r.quantization)))
      expect(row.unavailable).toBeNull();
  });

  it('recommends one build per model: q4f16 with shader-f16, else q4f32 (q0f32 for SmolLM2-135M)', () => {
    const recommended = (gpu: GpuStatus) =>
      catalogSections(catalog, gpu).map((s) => s.rows.filter((r) => r.recommended));
    for (const rows of recommended(NO_F16)) expect(rows).toHaveLength(1);
    const noF16 = catalogSections(catalog, NO_F16);
    const first = (base: string, sections = noF16) =>
      sections.find((s) => s.base === base)!.rows[0]!;
    expect(first('SmolLM2-360M-Instruct')).toMatchObject({
      modelId: 'SmolLM2-360M-Instruct-q4f32_1-MLC',
      recommended: true,
      vram: '≈ 580 MB VRAM',
    });
    expect(first('SmolLM2-135M-Instruct').modelId).toBe('SmolLM2-135M-Instruct-q0f32-MLC');
    const f16 = catalogSections(catalog, F16);
    expect(first('SmolLM2-360M-Instruct', f16).modelId).toBe('SmolLM2-360M-Instruct-q4f16_1-MLC');
    expect(rowsOf(F16).every((r) => r.unavailable === null)).toBe(true);
  });

  it('puts the recommended build first and the ones this adapter cannot run last', () => {
    for (const section of catalogSections(catalog, NO_F16)) {
      const tiers = section.rows.map((r) => (r.recommended ? 0 : r.unavailable ? 2 : 1));
      expect(tiers).toEqual([...tiers].sort());
    }
  });

  it('marks the short-context builds', () => {
    const phi = rowsOf(NO_F16).find((r) => r.modelId === 'Phi-3.5-mini-instruct-q4f32_1-MLC-1k');
    expect(phi?.context).toBe('1k context');
    const full = rowsOf(NO_F16).find((r) => r.modelId === 'Phi-3.5-mini-instruct-q4f32_1-MLC');
    expect(full?.context).toBe('');
  });

  it('without WebGPU nothing is available, and each row says why', () => {
    const rows = rowsOf(NO_GPU);
    expect(rows.every((r) => r.unavailable === 'Needs WebGPU: navigator.gpu is missing.')).toBe(
      true,
    );
    expect(defaultModelId(catalogSections(catalog, NO_GPU))).toBeNull();
  });

  it('disables all builds of an f16-only model', () => {
    const f16Only: ModelGroup[] = [
      { base: 'Tiny', variants: catalog[0]!.variants.filter((v) => v.needsShaderF16) },
    ];
    const [section] = catalogSections(f16Only, NO_F16);
    expect(section!.rows.length).toBeGreaterThan(0);
    expect(section!.rows.every((r) => !r.recommended && r.unavailable === NEEDS_F16_REASON)).toBe(
      true,
    );
  });
});

describe('defaultModelId', () => {
  it('picks the recommended build that needs the least VRAM', () => {
    expect(defaultModelId(catalogSections(catalog, NO_F16))).toBe(
      'SmolLM2-360M-Instruct-q4f32_1-MLC',
    );
    expect(defaultModelId(catalogSections(catalog, F16))).toBe('SmolLM2-135M-Instruct-q0f16-MLC');
  });
});

describe('adapterSummary', () => {
  it('says what this adapter can run', () => {
    expect(adapterSummary(NO_F16)).toMatch(/no shader-f16: only f32 builds/);
    expect(adapterSummary(F16)).toMatch(/has shader-f16/);
    expect(adapterSummary(NO_GPU)).toBe('web-llm needs WebGPU: navigator.gpu is missing.');
  });
});
