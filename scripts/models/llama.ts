// A Llama decoder (as in Hugging Face's modeling_llama.py) written out as an ONNX graph in the
// transformers.js "decoder with past" layout, with synthetic weights from a seeded generator.
// Weights keep the PyTorch state_dict names and [out, in] layouts; each linear layer is
// MatMul(x, Transpose(W)), which onnxruntime folds into a constant when the session loads.

import type { Json } from './json.ts';
import { BOOL, FLOAT, FLOAT16, GraphBuilder, INT64 } from './onnx-graph.ts';
import { groupQueryAttention } from './llama-gqa.ts';
import { hashString, normalArray } from './rng.ts';

export interface LlamaConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  maxPositions: number;
  /** lm_head reuses embed_tokens (SmolLM2, Qwen2.5-0.5B); absent: a separate lm_head.weight. */
  tieWordEmbeddings?: boolean;
}

export interface SpecialTokenIds {
  bos: number;
  eos: number;
  pad: number;
}

export const OPSET = 17;
export const IR_VERSION = 8;
/** The smallest float32, as Hugging Face uses for masked attention scores. */
const FLOAT32_MIN = -3.4028234663852886e38;

/** Standard deviations of the synthetic weights: large enough that logits vary by prompt. */
const INIT = { embedding: 1.0, projection: 0.15, down: 0.1, lmHead: 0.25, normJitter: 0.1 };

/** The Hugging Face config.json for this model. */
export function configJson(cfg: LlamaConfig, ids: SpecialTokenIds): Json {
  return {
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: ids.bos,
    eos_token_id: ids.eos,
    head_dim: cfg.headDim,
    hidden_act: 'silu',
    hidden_size: cfg.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: cfg.intermediateSize,
    max_position_embeddings: cfg.maxPositions,
    mlp_bias: false,
    model_type: 'llama',
    num_attention_heads: cfg.numHeads,
    num_hidden_layers: cfg.numLayers,
    num_key_value_heads: cfg.numKvHeads,
    pad_token_id: ids.pad,
    pretraining_tp: 1,
    rms_norm_eps: cfg.rmsNormEps,
    rope_scaling: null,
    rope_theta: cfg.ropeTheta,
    tie_word_embeddings: cfg.tieWordEmbeddings ?? false,
    torch_dtype: 'float32',
    use_cache: true,
    vocab_size: cfg.vocabSize,
    rlaif_lab: {
      synthetic: true,
      note: 'random weights; its preferences mean nothing',
      generator: 'scripts/models/build.ts',
    },
  };
}

/**
 * The interface variants published exports have; the default is the committed tiny-llama.
 * Weights and compute stay float32 in every form, so each runs on WASM and has the same reference.
 */
export interface GraphForm {
  /** float16 past/present and logits, as fp16 and q4f16 exports have (Casts at the edges). */
  interface?: 'float32' | 'float16';
  /** An int64 scalar input: logits for the last k positions, or all for 0 (Gemma 4 exports). */
  numLogitsToKeep?: boolean;
  /** A bool [1] input: false makes the graph ignore the past (a merged decoder's no-cache branch). */
  useCacheBranch?: boolean;
  /** Attention as one com.microsoft GroupQueryAttention node with rotary inside, as SmolLM2's exports. */
  groupQueryAttention?: boolean;
}

/** Everything the graph pieces share: the builder, the config and a few precomputed tensors. */
interface Ctx {
  g: GraphBuilder;
  cfg: LlamaConfig;
  seed: number;
  cos: string;
  sin: string;
  mask: string;
  form: GraphForm;
}

/** The complete model.onnx bytes. */
export function llamaOnnx(cfg: LlamaConfig, seed: number, form: GraphForm = {}): Uint8Array {
  return llamaGraph(cfg, seed, form).encode('tiny-llama', OPSET, IR_VERSION);
}

/** The graph, ready to encode inline or with its weights in external data files. */
export function llamaGraph(cfg: LlamaConfig, seed: number, form: GraphForm = {}): GraphBuilder {
  const g = new GraphBuilder();
  declareInputsAndOutputs(g, cfg, form);
  const { cos, sin } = rotaryEmbedding(g, cfg);
  const ctx: Ctx = { g, cfg, seed, cos, sin, mask: attentionMask(g), form };

  g.scope = '/model/embed_tokens/';
  const embedTokens = weight(ctx, 'model.embed_tokens.weight', [cfg.vocabSize, cfg.hiddenSize]);
  let x = g.op('Gather', [embedTokens, 'input_ids'], { axis: 0 });
  for (let i = 0; i < cfg.numLayers; i++) x = decoderLayer(ctx, i, x);
  g.scope = '/model/norm/';
  x = rmsNorm(ctx, x, 'model.norm.weight');
  if (form.numLogitsToKeep) x = keepLastPositions(g, x);
  g.scope = '/lm_head/';
  const half = form.interface === 'float16';
  const logits = half ? undefined : 'logits';
  const y = cfg.tieWordEmbeddings
    ? tiedLmHead(ctx, x, embedTokens, logits)
    : linear(ctx, x, 'lm_head.weight', cfg.vocabSize, cfg.hiddenSize, INIT.lmHead, logits);
  if (half) g.op('Cast', [y], { to: FLOAT16 }, 'logits');
  return g;
}

/**
 * logits = x E^T with E = embed_tokens, as Gemm(transB) on the flattened rows: a Transpose of E
 * would be folded into a second [vocab, hidden] copy when the session loads (0.5 GB at Qwen2.5's).
 */
function tiedLmHead(ctx: Ctx, x: string, embedTokens: string, output?: string): string {
  const { g, cfg } = ctx;
  const rows = g.op('Reshape', [x, shape(g, [-1, cfg.hiddenSize])]);
  const flat = g.op('Gemm', [rows, embedTokens], { transB: 1 });
  const batchSeq = g.op('Slice', [g.op('Shape', [x]), axes(g, 0), axes(g, 2), axes(g, 0)]);
  const dims = g.op('Concat', [batchSeq, axes(g, cfg.vocabSize)], { axis: 0 });
  return g.op('Reshape', [flat, dims], {}, output);
}

function declareInputsAndOutputs(g: GraphBuilder, cfg: LlamaConfig, form: GraphForm): void {
  const kv = form.interface === 'float16' ? FLOAT16 : FLOAT;
  g.input('input_ids', INT64, ['batch_size', 'sequence_length']);
  g.input('attention_mask', INT64, ['batch_size', 'total_sequence_length']);
  g.input('position_ids', INT64, ['batch_size', 'sequence_length']);
  if (form.numLogitsToKeep) g.input('num_logits_to_keep', INT64, []);
  if (form.useCacheBranch) g.input('use_cache_branch', BOOL, [1]);
  const past = ['batch_size', cfg.numKvHeads, 'past_sequence_length', cfg.headDim];
  const present = ['batch_size', cfg.numKvHeads, 'total_sequence_length', cfg.headDim];
  for (let i = 0; i < cfg.numLayers; i++) {
    g.input(`past_key_values.${i}.key`, kv, past);
    g.input(`past_key_values.${i}.value`, kv, past);
  }
  const kept = form.numLogitsToKeep ? 'num_logits' : 'sequence_length';
  g.output('logits', kv, ['batch_size', kept, cfg.vocabSize]);
  for (let i = 0; i < cfg.numLayers; i++) {
    g.output(`present.${i}.key`, kv, present);
    g.output(`present.${i}.value`, kv, present);
  }
}

/** x[:, -k:, :] for k = num_logits_to_keep; k = 0 keeps every position (Slice from -0 = 0). */
function keepLastPositions(g: GraphBuilder, x: string): string {
  g.scope = '/model/num_logits_to_keep/';
  const start = g.op('Neg', [g.op('Reshape', ['num_logits_to_keep', shape(g, [1])])]);
  const end = constInt64(g, '/const/int64[max]', [Number.MAX_SAFE_INTEGER], [1]);
  return g.op('Slice', [x, start, end, axes(g, 1)]);
}

/** A past input as the float32 the layer computes in: Cast from float16, zeroed by the branch flag. */
function pastInput(ctx: Ctx, name: string): string {
  const { g, form } = ctx;
  let past = form.interface === 'float16' ? g.op('Cast', [name], { to: FLOAT }) : name;
  if (form.useCacheBranch) {
    // A stand-in for the merged decoder's If: with the flag false the cached keys count as zeros.
    past = g.op('Mul', [past, g.op('Cast', ['use_cache_branch'], { to: FLOAT })]);
  }
  return past;
}

/** Concat(past, new) along positions, written out in the interface dtype as `present`. */
function presentOutput(ctx: Ctx, past: string, fresh: string, present: string): string {
  const { g, form } = ctx;
  const half = form.interface === 'float16';
  if (!half && !form.useCacheBranch) return g.op('Concat', [past, fresh], { axis: 2 }, present);
  const all = g.op(
    'Concat',
    [pastInput(ctx, past), fresh],
    { axis: 2 },
    half ? undefined : present,
  );
  if (half) g.op('Cast', [all], { to: FLOAT16 }, present);
  return all;
}

/**
 * cos and sin of position * inv_freq, gathered by position_ids from tables computed here in
 * float64, shaped [batch, 1, seq, head_dim] to broadcast over heads. Tables, not Cos/Sin ops:
 * WGSL only promises sin/cos to about 5e-4 absolute, which costs 1e-3 in the logits on WebGPU.
 * V8's cos/sin are its own fdlibm port, so the tables are the same bytes on every machine.
 */
function rotaryEmbedding(g: GraphBuilder, cfg: LlamaConfig): { cos: string; sin: string } {
  g.scope = '/model/rotary_emb/';
  const half = cfg.headDim / 2;
  const invFreq = Array.from(
    { length: half },
    (_, i) => 1 / Math.pow(cfg.ropeTheta, (2 * i) / cfg.headDim),
  );
  const table = (f: (angle: number) => number) => {
    const values = new Float32Array(cfg.maxPositions * cfg.headDim);
    for (let pos = 0; pos < cfg.maxPositions; pos++) {
      for (let i = 0; i < cfg.headDim; i++)
        values[pos * cfg.headDim + i] = f(pos * invFreq[i % half]!);
    }
    return values;
  };
  const dims = [cfg.maxPositions, cfg.headDim];
  const cosTable = g.floats('model.rotary_emb.cos_cached', table(Math.cos), dims);
  const sinTable = g.floats('model.rotary_emb.sin_cached', table(Math.sin), dims);
  const heads = axes(g, 1);
  return {
    cos: g.op('Unsqueeze', [g.op('Gather', [cosTable, 'position_ids'], { axis: 0 }), heads]),
    sin: g.op('Unsqueeze', [g.op('Gather', [sinTable, 'position_ids'], { axis: 0 }), heads]),
  };
}

/**
 * The additive attention mask [batch, 1, seq, total]: 0 where query i (absolute position
 * past + i) may see key j, that is j <= past + i and attention_mask[j] = 1; else float32 min.
 */
function attentionMask(g: GraphBuilder): string {
  g.scope = '/model/mask/';
  const one = scalar(g, 1);
  const seqLen = g.op('Gather', [g.op('Shape', ['input_ids']), one], { axis: 0 });
  const totalLen = g.op('Gather', [g.op('Shape', ['attention_mask']), one], { axis: 0 });
  const pastLen = g.op('Sub', [totalLen, seqLen]);
  const queryPos = g.op('Range', [pastLen, totalLen, one]);
  const keyPos = g.op('Range', [scalar(g, 0), totalLen, one]);
  const causal = g.op('LessOrEqual', [
    g.op('Unsqueeze', [keyPos, axes(g, 0)]),
    g.op('Unsqueeze', [queryPos, axes(g, 1)]),
  ]);
  const notPadding = g.op('Cast', [g.op('Unsqueeze', ['attention_mask', axes(g, 1, 2)])], {
    to: BOOL,
  });
  const allowed = g.op('And', [causal, notPadding]);
  return g.op('Where', [allowed, constFloat(g, 0), constFloat(g, FLOAT32_MIN)]);
}

function decoderLayer(ctx: Ctx, layer: number, x: string): string {
  const p = `model.layers.${layer}`;
  ctx.g.scope = `/model/layers.${layer}/input_layernorm/`;
  const h = rmsNorm(ctx, x, `${p}.input_layernorm.weight`);
  x = ctx.g.op('Add', [x, selfAttention(ctx, layer, h)]);
  ctx.g.scope = `/model/layers.${layer}/post_attention_layernorm/`;
  const h2 = rmsNorm(ctx, x, `${p}.post_attention_layernorm.weight`);
  return ctx.g.op('Add', [x, mlp(ctx, layer, h2)]);
}

function rmsNorm(ctx: Ctx, x: string, name: string): string {
  const { g, cfg } = ctx;
  const size = cfg.hiddenSize;
  const w = g.floats(name, normalArray(seedFor(ctx, name), size, INIT.normJitter, 1), [size]);
  const squares = g.op('Pow', [x, constFloat(g, 2)]);
  const variance = g.op('ReduceMean', [squares], { axes: [-1], keepdims: 1 });
  const rms = g.op('Sqrt', [g.op('Add', [variance, constFloat(g, cfg.rmsNormEps)])]);
  const normed = g.op('Div', [x, rms]);
  return g.op('Mul', [w, normed]);
}

function selfAttention(ctx: Ctx, layer: number, h: string): string {
  const { g, cfg } = ctx;
  const p = `model.layers.${layer}.self_attn`;
  g.scope = `/model/layers.${layer}/self_attn/`;
  const { hiddenSize: hid, numHeads, numKvHeads, headDim } = cfg;
  if (ctx.form.groupQueryAttention) return gqaAttention(ctx, layer, h);
  const project = (name: string, heads: number): string =>
    splitHeads(ctx, linear(ctx, h, `${p}.${name}.weight`, heads * headDim, hid, INIT.projection));
  const q = applyRotary(ctx, project('q_proj', numHeads));
  const k = applyRotary(ctx, project('k_proj', numKvHeads));
  const v = project('v_proj', numKvHeads);

  // The cache holds rotated keys, so past keys are never rotated again.
  const pastK = `past_key_values.${layer}.key`;
  const pastV = `past_key_values.${layer}.value`;
  const keys = presentOutput(ctx, pastK, k, `present.${layer}.key`);
  const values = presentOutput(ctx, pastV, v, `present.${layer}.value`);

  const kT = g.op('Transpose', [repeatKv(ctx, keys)], { perm: [0, 1, 3, 2] });
  const scale = constFloat(g, 1 / Math.sqrt(headDim));
  const scores = g.op('Mul', [g.op('MatMul', [q, kT]), scale]);
  const probs = g.op('Softmax', [g.op('Add', [scores, ctx.mask])], { axis: -1 });
  const out = g.op('MatMul', [probs, repeatKv(ctx, values)]);
  const merged = g.op('Reshape', [
    g.op('Transpose', [out], { perm: [0, 2, 1, 3] }),
    shape(g, [0, 0, numHeads * headDim]),
  ]);
  return linear(ctx, merged, `${p}.o_proj.weight`, hid, numHeads * headDim, INIT.projection);
}

/** Attention as one com.microsoft GroupQueryAttention node per layer (rotary inside). */
function gqaAttention(ctx: Ctx, layer: number, h: string): string {
  const { g, cfg } = ctx;
  const p = `model.layers.${layer}.self_attn`;
  const { hiddenSize: hid, numHeads, numKvHeads, headDim } = cfg;
  const project = (name: string, heads: number): string =>
    linear(ctx, h, `${p}.${name}.weight`, heads * headDim, hid, INIT.projection);
  const [q, k, v] = [
    project('q_proj', numHeads),
    project('k_proj', numKvHeads),
    project('v_proj', numKvHeads),
  ];
  const out = groupQueryAttention(g, cfg, layer, q, k, v);
  return linear(ctx, out, `${p}.o_proj.weight`, hid, numHeads * headDim, INIT.projection);
}

/** [batch, seq, heads * head_dim] -> [batch, heads, seq, head_dim]. */
function splitHeads(ctx: Ctx, x: string): string {
  const { g, cfg } = ctx;
  const split = g.op('Reshape', [x, shape(g, [0, 0, -1, cfg.headDim])]);
  return g.op('Transpose', [split], { perm: [0, 2, 1, 3] });
}

/** x * cos + rotate_half(x) * sin, where rotate_half(x) = [-x2, x1] for halves x1, x2. */
function applyRotary(ctx: Ctx, x: string): string {
  const { g, cfg } = ctx;
  const half = cfg.headDim / 2;
  const lastAxis = axes(g, 3);
  const x1 = g.op('Slice', [x, axes(g, 0), axes(g, half), lastAxis]);
  const x2 = g.op('Slice', [x, axes(g, half), axes(g, cfg.headDim), lastAxis]);
  const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: -1 });
  return g.op('Add', [g.op('Mul', [x, ctx.cos]), g.op('Mul', [rotated, ctx.sin])]);
}

/** Grouped-query attention: each of the kv heads serves numHeads / numKvHeads query heads. */
function repeatKv(ctx: Ctx, x: string): string {
  const { g, cfg } = ctx;
  const nRep = cfg.numHeads / cfg.numKvHeads;
  if (nRep === 1) return x;
  const expanded = g.op('Expand', [
    g.op('Unsqueeze', [x, axes(g, 2)]),
    shape(g, [1, 1, nRep, 1, 1]),
  ]);
  return g.op('Reshape', [expanded, shape(g, [0, cfg.numHeads, -1, cfg.headDim])]);
}

function mlp(ctx: Ctx, layer: number, h: string): string {
  const { g, cfg } = ctx;
  const p = `model.layers.${layer}.mlp`;
  g.scope = `/model/layers.${layer}/mlp/`;
  const { hiddenSize: hid, intermediateSize: inter } = cfg;
  const gate = linear(ctx, h, `${p}.gate_proj.weight`, inter, hid, INIT.projection);
  const up = linear(ctx, h, `${p}.up_proj.weight`, inter, hid, INIT.projection);
  const silu = g.op('Mul', [gate, g.op('Sigmoid', [gate])]);
  return linear(ctx, g.op('Mul', [silu, up]), `${p}.down_proj.weight`, hid, inter, INIT.down);
}

/** y = x W^T with a fresh [out, in] weight, like torch.nn.Linear without bias. */
function linear(
  ctx: Ctx,
  x: string,
  name: string,
  outFeatures: number,
  inFeatures: number,
  std: number,
  output?: string,
): string {
  const w = weight(ctx, name, [outFeatures, inFeatures], std);
  const wT = ctx.g.op('Transpose', [w], { perm: [1, 0] });
  return ctx.g.op('MatMul', [x, wT], {}, output);
}

function weight(ctx: Ctx, name: string, dims: number[], std = INIT.embedding): string {
  const count = dims.reduce((a, b) => a * b, 1);
  return ctx.g.floats(name, normalArray(seedFor(ctx, name), count, std), dims);
}

/** Each tensor gets its own seed, so adding a tensor does not change the others. */
function seedFor(ctx: Ctx, name: string): number {
  return (hashString(name) ^ ctx.seed) >>> 0;
}

/** An int64 1-D constant for axes, starts and ends; named by value so it is shared. */
function axes(g: GraphBuilder, ...values: number[]): string {
  return constInt64(g, `/const/int64[${values.join(',')}]`, values, [values.length]);
}

/** An int64 shape constant for Reshape or Expand. */
function shape(g: GraphBuilder, values: number[]): string {
  return axes(g, ...values);
}

function scalar(g: GraphBuilder, value: number): string {
  return constInt64(g, `/const/int64(${value})`, [value], []);
}

/** A float32 scalar constant, shared by value. */
function constFloat(g: GraphBuilder, value: number): string {
  const name = `/const/float(${value})`;
  return g.has(name) ? name : g.floats(name, new Float32Array([value]), []);
}

function constInt64(g: GraphBuilder, name: string, values: number[], dims: number[]): string {
  return g.has(name) ? name : g.int64s(name, values, dims);
}
