// What a causal-LM graph takes and returns, read from the ONNX Runtime session's metadata (the
// graph itself), with config.json's transformers.js_config only as the fallback. Published exports
// differ: float16 caches and logits (fp16, q4f16), num_logits_to_keep, use_cache_branch, and
// Gemma 3's positions counted from 1.
import type * as Ort from 'onnxruntime-web';

export type FloatDtype = 'float32' | 'float16';

/** The graph's interface, as the engine found it (the model report shows it). */
export interface GraphIo {
  kvDtype: FloatDtype;
  logitsDtype: FloatDtype;
  inputs: string[];
  outputs: string[];
  positionIds: 'none' | 'from-0' | 'from-1';
  numLogitsToKeep: boolean;
  useCacheBranch: boolean;
}

/** The shapes and dtypes behind GraphIo that the engine needs to build its feeds. */
export interface GraphPlan {
  io: GraphIo;
  /** Per past_key_values input: its dims with batch and past length left symbolic (-1). */
  pastDims: Map<string, number[]>;
  /** Rank of use_cache_branch: 0 for a scalar, 1 for the [1] optimum writes. */
  useCacheBranchRank: number;
}

/** A graph the engine cannot run, with what is wrong; load.ts reports it as 'unsupported'. */
export class GraphFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphFormatError';
  }

  static missing(missing: string[]): GraphFormatError {
    return new GraphFormatError(
      `This ONNX graph is not a causal LM with past key values (missing ${missing.join(', ')}). ` +
        'Use a transformers.js-format export (onnx/model*.onnx with past_key_values inputs).',
    );
  }
}

/** The graph declares inputs the engine has no value for (vision inputs, hybrid-model state). */
export class UnfillableInputError extends GraphFormatError {
  constructor(readonly inputs: string[]) {
    super(
      `This ONNX graph needs inputs the engine cannot fill: ${inputs.join(', ')}. Only text-only ` +
        'decoders are supported (input_ids, attention_mask, position_ids, num_logits_to_keep, ' +
        'use_cache_branch, past_key_values.N.key/value); choose a text-generation export.',
    );
    this.name = 'UnfillableInputError';
  }
}

export const kvName = (kind: 'past_key_values' | 'present', layer: number, kv: 'key' | 'value') =>
  `${kind}.${layer}.${kv}`;

/** transformers.js numbers Gemma 3's (and PaliGemma's) positions from 1. */
const POSITIONS_FROM_ONE = new Set(['gemma3', 'gemma3_text', 'paligemma']);

/**
 * config.json's transformers.js_config.kv_cache_dtype for a variant: a string for every variant,
 * or a map by variant such as SmolLM2's {"q4f16": "float16", "fp16": "float16"}; else float32.
 */
export function kvDtypeFromConfig(config: Record<string, unknown>, variant: string): FloatDtype {
  const js = config['transformers.js_config'] as { kv_cache_dtype?: unknown } | undefined;
  const raw = js?.kv_cache_dtype;
  const value = typeof raw === 'object' && raw ? (raw as Record<string, unknown>)[variant] : raw;
  return value === 'float16' ? 'float16' : 'float32';
}

/** What the engine knows before the graph is open: the config's guesses. */
export interface GraphHints {
  kvDtype?: FloatDtype;
  modelType?: string;
}

type Metadata = readonly Ort.InferenceSession.ValueMetadata[];

function tensorMeta(list: Metadata | undefined, name: string) {
  const meta = list?.find((m) => m.name === name);
  return meta?.isTensor ? meta : undefined;
}

/** A float dtype the engine handles, else a clear refusal naming the tensor. */
function floatDtype(type: string | undefined, fallback: FloatDtype, what: string): FloatDtype {
  if (type === undefined) return fallback;
  if (type === 'float32' || type === 'float16') return type;
  throw new GraphFormatError(
    `This ONNX graph's ${what} is ${type}; the engine reads float32 or float16 only. ` +
      'Choose another variant of the model (fp32, fp16, q4, q4f16, q8).',
  );
}

/**
 * Read the graph's interface from the session, check the engine can feed every input, and say
 * how to build the feeds. `layers` comes from config.json; the graph must have a cache for each.
 */
export function planGraph(
  session: Pick<Ort.InferenceSession, 'inputNames' | 'outputNames'> & {
    inputMetadata?: Metadata;
    outputMetadata?: Metadata;
  },
  layers: number,
  hints: GraphHints = {},
): GraphPlan {
  const inputs = [...session.inputNames];
  const outputs = [...session.outputNames];
  const past = Array.from({ length: layers }, (_, l) =>
    (['key', 'value'] as const).map((kv) => kvName('past_key_values', l, kv)),
  ).flat();
  const required = ['input_ids', 'attention_mask', ...past];
  const missing = required.filter((n) => !inputs.includes(n));
  if (!outputs.includes('logits')) missing.push('logits');
  if (missing.length) throw GraphFormatError.missing(missing);
  const optional = ['position_ids', 'num_logits_to_keep', 'use_cache_branch'];
  const unknown = inputs.filter((n) => !required.includes(n) && !optional.includes(n));
  if (unknown.length) throw new UnfillableInputError(unknown);

  const pastMeta = tensorMeta(session.inputMetadata, past[0]!);
  const kvDtype = floatDtype(pastMeta?.type, hints.kvDtype ?? 'float32', 'KV cache');
  const logitsType = tensorMeta(session.outputMetadata, 'logits')?.type;
  const logitsDtype = floatDtype(logitsType, kvDtype, 'logits output');
  const pastDims = new Map(
    past.map((name) => {
      const shape = tensorMeta(session.inputMetadata, name)?.shape ?? [];
      return [name, shape.map((d) => (typeof d === 'number' ? d : -1))];
    }),
  );
  const branch = tensorMeta(session.inputMetadata, 'use_cache_branch');
  const fromOne = POSITIONS_FROM_ONE.has(hints.modelType ?? '');
  return {
    io: {
      kvDtype,
      logitsDtype,
      inputs,
      outputs,
      positionIds: inputs.includes('position_ids') ? (fromOne ? 'from-1' : 'from-0') : 'none',
      numLogitsToKeep: inputs.includes('num_logits_to_keep'),
      useCacheBranch: inputs.includes('use_cache_branch'),
    },
    pastDims,
    useCacheBranchRank: branch && branch.shape.length === 0 ? 0 : 1,
  };
}

/**
 * [batch, kvHeads, 0, headDim] for one past input: fixed sizes from the graph, symbolic ones
 * from config.json (batch and past length are ours to choose).
 */
export function emptyPastDims(
  graphDims: number[] | undefined,
  batch: number,
  kvHeads: number,
  headDim: number,
): number[] {
  const dims = graphDims?.length === 4 ? graphDims : [-1, -1, -1, -1];
  const fixed = (d: number, fallback: number) => (d >= 0 ? d : fallback);
  return [batch, fixed(dims[1]!, kvHeads), 0, fixed(dims[3]!, headDim)];
}

/** Whether the graph has a node of this op type: its name appears in the model's bytes. */
export function hasOpType(model: Uint8Array, opType: string): boolean {
  const needle = new TextEncoder().encode(opType);
  const first = needle[0]!;
  for (let i = model.indexOf(first); i >= 0; i = model.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && model[i + j] === needle[j]) j++;
    if (j === needle.length) return true;
  }
  return false;
}

/**
 * The most new tokens one call may take. GroupQueryAttention on onnxruntime-web 1.30's WebGPU EP
 * gives wrong logits from 32 new tokens per call (measured on SwiftShader; right up to 24, and
 * always right on WASM), so such graphs take 16 at a time there.
 */
export function maxTokensPerCall(model: Uint8Array, ep: 'webgpu' | 'wasm'): number {
  return ep === 'webgpu' && hasOpType(model, 'GroupQueryAttention') ? 16 : Infinity;
}
