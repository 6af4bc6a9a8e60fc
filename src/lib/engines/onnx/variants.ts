// Which weight variants a transformers.js-format folder really has, how big each is, and which one
// suits this adapter. Pure: the inputs are a Hub API answer or a plain list of files with sizes.
import { NEEDS_SHADER_F16, VARIANT_FILES, type OnnxVariant } from './model-files';

/** A file of the folder, relative to it ("onnx/model_q4.onnx"); bytes null when unknown. */
export interface FolderFile {
  path: string;
  bytes: number | null;
}

export interface VariantInfo {
  variant: OnnxVariant;
  /** The graph, then its external data chunks (X.onnx_data, X.onnx_data_1, ...). */
  files: FolderFile[];
  /** Graph plus data; null when any size is unknown. */
  bytes: number | null;
  needsF16: boolean;
}

export class HubListingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HubListingError';
  }
}

/** Display order: full precision first, then smaller and smaller (VARIANT_FILES' own order). */
export const VARIANT_ORDER = Object.keys(VARIANT_FILES) as readonly OnnxVariant[];

/** The chunk index of `path` as external data of `graph` (0 for X.onnx_data), or -1. */
function chunkIndex(path: string, graph: string): number {
  if (path === `${graph}_data`) return 0;
  const match = path.startsWith(`${graph}_data_`) && /^\d+$/.exec(path.slice(graph.length + 6));
  return match ? Number(match[0]) : -1;
}

/** Every variant whose graph is among `files` (paths relative to the folder). */
export function variantsFromFiles(files: FolderFile[]): VariantInfo[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  return VARIANT_ORDER.flatMap((variant) => {
    const graph = `onnx/${VARIANT_FILES[variant]}`;
    const main = byPath.get(graph);
    if (!main) return [];
    const chunks = files
      .map((f) => ({ file: f, index: chunkIndex(f.path, graph) }))
      .filter((c) => c.index >= 0)
      .sort((a, b) => a.index - b.index)
      .map((c) => c.file);
    const all = [main, ...chunks];
    const sizes = all.map((f) => f.bytes);
    const bytes = sizes.every((b) => b !== null) ? sizes.reduce((s, b) => s + b!, 0) : null;
    return [{ variant, files: all, bytes, needsF16: NEEDS_SHADER_F16.has(variant) }];
  });
}

/** `https://huggingface.co/api/models/<id>?blobs=true` lists `siblings: [{rfilename, size}]`. */
export function hubApiUrl(id: string, base = 'https://huggingface.co'): string {
  return `${base.replace(/\/$/, '')}/api/models/${id}?blobs=true`;
}

/** The folder's files from a Hub API answer (already JSON-parsed). */
export function filesFromHubInfo(info: unknown, id: string): FolderFile[] {
  const siblings = (info as { siblings?: unknown } | null)?.siblings;
  if (!Array.isArray(siblings)) {
    throw new HubListingError(
      `The Hub's answer for ${id} has no file list (siblings). Check the model id, or load it by ` +
        'folder URL.',
    );
  }
  return siblings.flatMap((s: unknown) => {
    const { rfilename, size } = (s ?? {}) as { rfilename?: unknown; size?: unknown };
    if (typeof rfilename !== 'string') return [];
    return [{ path: rfilename, bytes: typeof size === 'number' ? size : null }];
  });
}

export interface Adapter {
  ep: 'webgpu' | 'wasm';
  shaderF16: boolean;
}

export interface Recommendation {
  variant: OnnxVariant;
  /** One line: why this one. */
  why: string;
}

/**
 * What the weights are for: the labeler (a causal LM, scored by logprobs) or the reward model's
 * sentence encoder (vectors), whose variants suit adapters differently.
 */
export type VariantUse = 'labeler' | 'encoder';

/** Preference order per adapter, and the reason given for the first available one. */
function preference(
  adapter: Adapter,
  use: VariantUse,
): { order: OnnxVariant[]; why: string; on: string } {
  if (use === 'encoder') return encoderPreference(adapter);
  if (adapter.ep === 'webgpu' && adapter.shaderF16) {
    return {
      order: ['q4f16', 'q4', 'fp16', 'fp32', 'uint8', 'q8', 'int8', 'bnb4'],
      on: 'WebGPU with shader-f16',
      why: 'this GPU has shader-f16, so 4-bit weights with float16 compute are the smallest and fastest',
    };
  }
  if (adapter.ep === 'webgpu') {
    return {
      order: ['q4', 'fp32', 'uint8', 'q8', 'int8', 'bnb4'],
      on: 'WebGPU without shader-f16',
      why: 'this GPU lacks shader-f16, so float32 compute; 4-bit weights are the smallest of those',
    };
  }
  return {
    order: ['uint8', 'q8', 'q4', 'fp32', 'int8', 'fp16', 'q4f16', 'bnb4'],
    on: 'WASM',
    why: 'on the CPU (WASM) 8-bit weights run fastest; int8 is last, as it is reported to score worse',
  };
}

/** Encoders: 8-bit on the CPU for live scoring; float32 on the GPU, where float16 breaks vectors. */
function encoderPreference(adapter: Adapter): { order: OnnxVariant[]; why: string; on: string } {
  if (adapter.ep === 'webgpu') {
    const order: OnnxVariant[] = ['fp32', 'uint8', 'q8', 'int8', 'q4', 'bnb4', 'fp16', 'q4f16'];
    return {
      order: order.filter((v) => adapter.shaderF16 || !NEEDS_SHADER_F16.has(v)),
      on: 'an encoder on WebGPU',
      why: 'on WebGPU float16 is known to give NaN or wrong vectors, so the reward model stays float32',
    };
  }
  return {
    order: ['uint8', 'q8', 'int8', 'fp32', 'q4', 'bnb4', 'fp16', 'q4f16'],
    on: 'an encoder on WASM',
    why: 'on the CPU (WASM) 8-bit weights are 4x smaller and embed faster, for live scoring',
  };
}

/** Whether a variant can run on this adapter at all, and if not, why. */
export function unavailableReason(variant: OnnxVariant, adapter: Adapter): string | null {
  if (adapter.ep === 'webgpu' && NEEDS_SHADER_F16.has(variant) && !adapter.shaderF16) {
    return 'needs shader-f16, which this GPU lacks';
  }
  return null;
}

/** A variant that runs but is known to go wrong here; '' when none is known. */
function caution(variant: OnnxVariant, adapter: Adapter, use: VariantUse): string {
  const f16OnGpu = adapter.ep === 'webgpu' && NEEDS_SHADER_F16.has(variant);
  return use === 'encoder' && f16OnGpu ? 'float16 vectors can be NaN on WebGPU' : '';
}

/** The variant to preselect among those published; null when the folder has none. */
export function recommendVariant(
  available: VariantInfo[],
  adapter: Adapter,
  use: VariantUse = 'labeler',
): Recommendation | null {
  const { order, why, on } = preference(adapter, use);
  const has = new Set(available.map((v) => v.variant));
  const first = order.find((v) => has.has(v));
  if (!first) return null;
  const best = order[0]!;
  if (first === best) return { variant: first, why };
  return {
    variant: first,
    why: `the best for ${on} that this model publishes (no ${best})`,
  };
}

/** "134 MB", "4.94 GB", "523 kB"; decimal units, as the Hub shows them. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'size unknown';
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}

export interface VariantOption {
  variant: OnnxVariant;
  label: string;
  disabled: boolean;
  recommended: boolean;
}

/** The picker's entries: each published variant with its size, cached or not, runnable or not. */
export function variantOptions(
  variants: VariantInfo[],
  adapter: Adapter,
  cached: readonly OnnxVariant[] = [],
  use: VariantUse = 'labeler',
): VariantOption[] {
  const best = recommendVariant(variants, adapter, use)?.variant;
  return variants.map((v) => {
    const reason = unavailableReason(v.variant, adapter);
    const notes = [
      v.variant === best ? 'recommended' : '',
      cached.includes(v.variant) ? 'cached' : '',
      reason ?? caution(v.variant, adapter, use),
    ].filter(Boolean);
    const label = `${v.variant} · ${formatBytes(v.bytes)}${notes.length ? ` (${notes.join(', ')})` : ''}`;
    return {
      variant: v.variant,
      label,
      disabled: reason !== null,
      recommended: v.variant === best,
    };
  });
}
