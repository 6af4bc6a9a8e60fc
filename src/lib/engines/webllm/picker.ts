// The web-llm catalog as the model picker shows it: every build of each small model, the one this
// adapter should load marked as recommended, builds it cannot run disabled with the reason, and
// the default choice. Pure: the picker gives it the catalog groups and the adapter status.
import type { GpuStatus } from '../../gpu/webgpu';
import { parseModelId, pickVariant, type ModelGroup, type ModelVariant } from './catalog';

export interface BuildRow {
  modelId: string;
  /** e.g. "q4f32_1". */
  quantization: string;
  vramMB: number | null;
  /** e.g. "≈ 580 MB VRAM". */
  vram: string;
  /** "1k context" for the short-context builds, "" for full-context ones. */
  context: string;
  recommended: boolean;
  /** Why this adapter cannot run the build; null when it can. */
  unavailable: string | null;
}

export interface CatalogSection {
  base: string;
  rows: BuildRow[];
}

export const NEEDS_F16_REASON = 'Needs shader-f16, which this GPU adapter does not have.';

/** VRAM as web-llm reports it (MB), in the unit a user reads fastest. */
export function formatVram(mb: number | null): string {
  if (mb === null || !Number.isFinite(mb)) return 'VRAM need unknown';
  return mb < 1000 ? `≈ ${Math.round(mb)} MB VRAM` : `≈ ${(mb / 1024).toFixed(1)} GB VRAM`;
}

function unavailableReason(variant: ModelVariant, gpu: GpuStatus): string | null {
  if (gpu.kind !== 'webgpu') return `Needs WebGPU: ${gpu.reason}`;
  if (variant.needsShaderF16 && !gpu.shaderF16) return NEEDS_F16_REASON;
  return null;
}

function rowOf(variant: ModelVariant, gpu: GpuStatus, recommendedId: string | null): BuildRow {
  const kilo = parseModelId(variant.modelId)?.kiloContext ?? null;
  return {
    modelId: variant.modelId,
    quantization: variant.quantization,
    vramMB: variant.vramMB,
    vram: formatVram(variant.vramMB),
    context: kilo === null ? '' : `${kilo}k context`,
    recommended: variant.modelId === recommendedId,
    unavailable: unavailableReason(variant, gpu),
  };
}

/** Recommended first, then the other runnable builds by VRAM, then the ones this GPU cannot run. */
function rowOrder(a: BuildRow, b: BuildRow): number {
  const tier = (r: BuildRow) => (r.recommended ? 0 : r.unavailable ? 2 : 1);
  return tier(a) - tier(b) || (a.vramMB ?? Infinity) - (b.vramMB ?? Infinity);
}

export function catalogSections(groups: ModelGroup[], gpu: GpuStatus): CatalogSection[] {
  return groups.map((group) => {
    const choice = pickVariant(group, gpu);
    const recommendedId = choice.available ? choice.variant.modelId : null;
    const rows = group.variants.map((v) => rowOf(v, gpu, recommendedId)).sort(rowOrder);
    return { base: group.base, rows };
  });
}

/**
 * What the picker selects first: the recommended build that needs the least VRAM, so a first try
 * is the cheapest download that can run here. Null when nothing can run.
 */
export function defaultModelId(sections: CatalogSection[]): string | null {
  const recommended = sections
    .flatMap((s) => s.rows)
    .filter((r) => r.recommended && !r.unavailable)
    .sort((a, b) => (a.vramMB ?? Infinity) - (b.vramMB ?? Infinity));
  return recommended[0]?.modelId ?? null;
}

/** One line on what this adapter can run, shown above the list. */
export function adapterSummary(gpu: GpuStatus): string {
  if (gpu.kind !== 'webgpu') return `web-llm needs WebGPU: ${gpu.reason}`;
  return gpu.shaderF16
    ? 'This GPU adapter has shader-f16: every build runs; q4f16 is the smallest and fastest.'
    : 'This GPU adapter has no shader-f16: only f32 builds (q4f32, q0f32) run here.';
}
