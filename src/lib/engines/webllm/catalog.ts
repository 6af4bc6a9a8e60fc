// The web-llm models a laptop can hold, read from web-llm's own prebuiltAppConfig (so model URLs,
// wasm libraries and VRAM figures always match the installed package), grouped by base model with
// their quantisations, and the choice of the build an adapter can run.
import { prebuiltAppConfig, type AppConfig, type ModelRecord } from '@mlc-ai/web-llm';
import type { GpuStatus } from '../../gpu/webgpu';

/** Base models (the id before the quantisation) small enough for a laptop GPU. */
export const SMALL_CHAT_MODELS: readonly RegExp[] = [
  /^SmolLM2-(135M|360M|1\.7B)-Instruct$/,
  /^Qwen2\.5-(0\.5B|1\.5B)-Instruct$/,
  /^Llama-3\.2-(1B|3B)-Instruct$/,
  /^gemma-2-2b-it$/,
  /^Phi-3\.5-mini-instruct$/,
];

export interface ModelVariant {
  modelId: string;
  /** e.g. "q4f16_1", "q4f32_1", "q0f32". */
  quantization: string;
  /** Context window the build was configured with (the "-1k" ids are 1024). */
  contextWindow: number | null;
  vramMB: number | null;
  /** f16 builds need the adapter's shader-f16 feature. */
  needsShaderF16: boolean;
  record: ModelRecord;
}

export interface ModelGroup {
  /** e.g. "Qwen2.5-0.5B-Instruct". */
  base: string;
  variants: ModelVariant[];
}

/** "<base>-<quantization>-MLC" with an optional "-1k" style suffix for a shorter context. */
const MODEL_ID = /^(.+)-(q\d+f\d+(?:_\d+)?)-MLC(?:-(\d+)k)?$/;

export function parseModelId(
  modelId: string,
): { base: string; quantization: string; kiloContext: number | null } | null {
  const match = MODEL_ID.exec(modelId);
  if (!match) return null;
  return {
    base: match[1]!,
    quantization: match[2]!,
    kiloContext: match[3] ? Number(match[3]) : null,
  };
}

/**
 * Whether a build needs shader-f16. web-llm's required_features is not set on every f16 build
 * (Qwen2.5 and Llama-3.2 q4f16 lack it in 0.2.86), so the quantisation name decides too.
 */
export function needsShaderF16(record: ModelRecord): boolean {
  const quantization = parseModelId(record.model_id)?.quantization ?? '';
  return /f16/.test(quantization) || (record.required_features ?? []).includes('shader-f16');
}

function variantOf(record: ModelRecord): ModelVariant | null {
  const parsed = parseModelId(record.model_id);
  if (!parsed) return null;
  const configured = record.overrides?.context_window_size;
  return {
    modelId: record.model_id,
    quantization: parsed.quantization,
    contextWindow: typeof configured === 'number' ? configured : null,
    vramMB: record.vram_required_MB ?? null,
    needsShaderF16: needsShaderF16(record),
    record,
  };
}

/** The small chat models of an app config, grouped by base model, groups in list order. */
export function smallModelCatalog(
  appConfig: AppConfig = prebuiltAppConfig,
  patterns: readonly RegExp[] = SMALL_CHAT_MODELS,
): ModelGroup[] {
  const groups = new Map<string, ModelVariant[]>();
  for (const record of appConfig.model_list) {
    const variant = variantOf(record);
    const base = parseModelId(record.model_id)?.base;
    if (!variant || !base || !patterns.some((p) => p.test(base))) continue;
    groups.set(base, [...(groups.get(base) ?? []), variant]);
  }
  return [...groups].map(([base, variants]) => ({ base, variants }));
}

export type VariantChoice =
  { available: true; variant: ModelVariant } | { available: false; reason: string };

/** Preference order: q4f16 is smallest and fastest where the adapter has shader-f16. */
const F16_ORDER = ['q4f16', 'q4f32', 'q0f16', 'q0f32'];
const F32_ORDER = ['q4f32', 'q0f32'];

/**
 * The build of a base model this adapter should load: the q4f16 one with shader-f16, else q4f32,
 * else q0f32. Full-context builds win over the "-1k" ones. Without WebGPU nothing is available.
 */
export function pickVariant(group: ModelGroup, gpu: GpuStatus): VariantChoice {
  if (gpu.kind !== 'webgpu') {
    return { available: false, reason: `web-llm needs WebGPU: ${gpu.reason}` };
  }
  const order = gpu.shaderF16 ? F16_ORDER : F32_ORDER;
  const rank = (v: ModelVariant) => {
    const i = order.findIndex((q) => v.quantization.startsWith(q));
    return i < 0 ? Infinity : i * 2 + (parseModelId(v.modelId)?.kiloContext === null ? 0 : 1);
  };
  const usable = group.variants
    .filter((v) => Number.isFinite(rank(v)) && (gpu.shaderF16 || !v.needsShaderF16))
    .sort((a, b) => rank(a) - rank(b));
  if (usable[0]) return { available: true, variant: usable[0] };
  const f16Only = group.variants.length > 0 && group.variants.every((v) => v.needsShaderF16);
  return {
    available: false,
    reason: f16Only
      ? `${group.base} is only built with f16 weights, and this GPU adapter has no shader-f16 ` +
        'feature. Pick a model with a q4f32 or q0f32 build, or use a browser/GPU with shader-f16.'
      : `${group.base} has no build this adapter can run.`,
  };
}

/** The record of a model id, from the app config the engine will be given. */
export function findRecord(modelId: string, appConfig: AppConfig): ModelRecord | undefined {
  return appConfig.model_list.find((r) => r.model_id === modelId);
}
