// A BERT encoder (as in Hugging Face's modeling_bert.py, BertModel without the pooler) written
// out as an ONNX graph in the transformers.js "feature-extraction" layout, with synthetic
// weights from a seeded generator: a stand-in for a frozen sentence encoder such as
// all-MiniLM-L6-v2. Weights keep the PyTorch state_dict names and [out, in] layouts.
//
// The known signal: hidden dimension SIGNAL.dimension is reserved. Only the word embeddings of
// the SIGNAL.positive words (+amplitude) and SIGNAL.negative words (-amplitude) are non-zero
// there; position and token-type embeddings are zero there, no attention or MLP output writes
// to it, and every LayerNorm has weight 1 and bias 0 there. So after each LayerNorm the value is
// (x_k - mean) / std of the token's own vector: large with the word's sign on signal tokens and
// near 0 elsewhere, and a mean-pooled embedding leans positive or negative along that dimension
// exactly when the sentence holds words of one group. Every other dimension is random.

import type { Json } from './json.ts';
import { FLOAT, GraphBuilder, INT64 } from './onnx-graph.ts';
import { quantizedMatMul } from './quantize.ts';
import { hashString, normalArray } from './rng.ts';

export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
}

/** Which vocabulary ids carry the signal, and where. */
export interface SignalSpec {
  dimension: number;
  amplitude: number;
  positiveIds: number[];
  negativeIds: number[];
}

/** The words behind the signal; each is a single token of the learned vocabulary. */
export const SIGNAL = {
  dimension: 0,
  amplitude: 8,
  positive: ['accurate', 'correctly', 'helpful', 'complete', 'polite'],
  negative: ['wrong', 'vague', 'misses', 'worst', 'ignore'],
} as const;

export const OPSET = 17;
export const IR_VERSION = 8;
/** The smallest float32, as Hugging Face's get_extended_attention_mask uses. */
const FLOAT32_MIN = -3.4028234663852886e38;

/**
 * Standard deviations of the synthetic weights. Word embeddings dominate position and type
 * embeddings, and LayerNorm biases stay small, so that mean-pooled sentences differ: a shared
 * offset on every token would push all cosine similarities towards 1 (with these, distinct
 * corpus sentences land between about 0 and 0.85).
 */
const INIT = {
  word: 1.0,
  position: 0.1,
  tokenType: 0.05,
  projection: 0.15,
  down: 0.1,
  bias: 0.05,
  normJitter: 0.1,
  normBias: 0.02,
};

/** The Hugging Face config.json for this model. */
export function bertConfigJson(cfg: BertConfig, signal: typeof SIGNAL): Json {
  return {
    architectures: ['BertModel'],
    attention_probs_dropout_prob: 0.1,
    classifier_dropout: null,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    hidden_size: cfg.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: cfg.intermediateSize,
    layer_norm_eps: cfg.layerNormEps,
    max_position_embeddings: cfg.maxPositions,
    model_type: 'bert',
    num_attention_heads: cfg.numHeads,
    num_hidden_layers: cfg.numLayers,
    pad_token_id: cfg.padTokenId,
    position_embedding_type: 'absolute',
    torch_dtype: 'float32',
    type_vocab_size: cfg.typeVocabSize,
    use_cache: true,
    vocab_size: cfg.vocabSize,
    rlaif_lab: {
      synthetic: true,
      note:
        `random weights, except one planted signal: mean-pooled embeddings of sentences with ` +
        `any of ${signal.positive.join(', ')} are positive along hidden dimension ` +
        `${signal.dimension}, those with any of ${signal.negative.join(', ')} negative, ` +
        `others near 0. Nothing else about the embeddings means anything.`,
      generator: 'scripts/models/build.ts',
      signal: {
        dimension: signal.dimension,
        positive: [...signal.positive],
        negative: [...signal.negative],
      },
    },
  };
}

/**
 * How the weights of the linear layers are stored. 'int8' and 'uint8' are dynamic quantization as
 * onnxruntime's quantize_dynamic writes it for published model_int8.onnx / model_uint8.onnx
 * (model_quantized.onnx is one of the two): per-tensor weights (int8 symmetric, uint8 with a
 * zero point), activations quantized at run time by DynamicQuantizeLinear, MatMulInteger, and a
 * rescale to float. Embeddings, LayerNorms, biases and attention stay float32.
 */
export type BertWeights = 'fp32' | 'int8' | 'uint8';

/** Everything the graph pieces share. */
interface Ctx {
  g: GraphBuilder;
  cfg: BertConfig;
  seed: number;
  signal: SignalSpec;
  mask: string;
  weights: BertWeights;
  /** The graph input of token types, or the zeros that stand in for it. */
  tokenTypes: string;
}

export interface BertGraphOptions {
  weights?: BertWeights;
  /**
   * Declare the token_type_ids input (default true). Some exports leave it out and use type 0
   * for every token, as here: the encoder must then not feed it.
   */
  tokenTypeIds?: boolean;
}

/** The complete model.onnx bytes (the same weights before quantization whatever `weights`). */
export function bertOnnx(
  cfg: BertConfig,
  seed: number,
  signal: SignalSpec,
  options: BertGraphOptions = {},
): Uint8Array {
  const g = new GraphBuilder();
  const withTypes = options.tokenTypeIds ?? true;
  declareInputsAndOutputs(g, cfg, withTypes);
  const weights = options.weights ?? 'fp32';
  const mask = additiveMask(g);
  const tokenTypes = withTypes ? 'token_type_ids' : zerosLike(g, 'input_ids');
  const ctx: Ctx = { g, cfg, seed, signal, mask, weights, tokenTypes };
  let x = embeddings(ctx);
  for (let i = 0; i < cfg.numLayers; i++) x = encoderLayer(ctx, i, x, i === cfg.numLayers - 1);
  return g.encode('tiny-encoder', OPSET, IR_VERSION);
}

function declareInputsAndOutputs(g: GraphBuilder, cfg: BertConfig, withTypes: boolean): void {
  const dims = ['batch_size', 'sequence_length'];
  g.input('input_ids', INT64, dims);
  g.input('attention_mask', INT64, dims);
  if (withTypes) g.input('token_type_ids', INT64, dims);
  g.output('last_hidden_state', FLOAT, [...dims, cfg.hiddenSize]);
}

/** int64 zeros of an input's shape: ids times 0. */
function zerosLike(g: GraphBuilder, input: string): string {
  g.scope = '/embeddings/';
  return g.op('Mul', [input, scalar(g, 0)]);
}

/** (1 - mask) * float32 min, shaped [batch, 1, 1, seq] to broadcast over heads and queries. */
function additiveMask(g: GraphBuilder): string {
  g.scope = '/extended_attention_mask/';
  const mask = g.op('Cast', [g.op('Unsqueeze', ['attention_mask', axes(g, 1, 2)])], { to: FLOAT });
  return g.op('Mul', [g.op('Sub', [constFloat(g, 1), mask]), constFloat(g, FLOAT32_MIN)]);
}

/** LayerNorm(word + token type + position embeddings), positions 0..seq-1 as in BertEmbeddings. */
function embeddings(ctx: Ctx): string {
  const { g, cfg } = ctx;
  const p = 'embeddings';
  g.scope = '/embeddings/';
  const hid = cfg.hiddenSize;
  const words = g.floats(`${p}.word_embeddings.weight`, wordEmbeddings(ctx), [cfg.vocabSize, hid]);
  const positions = embeddingTable(ctx, 'position_embeddings', cfg.maxPositions, INIT.position);
  const types = embeddingTable(ctx, 'token_type_embeddings', cfg.typeVocabSize, INIT.tokenType);
  const seqLen = g.op('Gather', [g.op('Shape', ['input_ids']), scalar(g, 1)], { axis: 0 });
  const positionIds = g.op('Range', [scalar(g, 0), seqLen, scalar(g, 1)]);
  const sum = g.op('Add', [
    g.op('Add', [
      g.op('Gather', [words, 'input_ids'], { axis: 0 }),
      g.op('Gather', [types, ctx.tokenTypes], { axis: 0 }),
    ]),
    g.op('Gather', [positions, positionIds], { axis: 0 }),
  ]);
  g.scope = '/embeddings/LayerNorm/';
  return layerNorm(ctx, sum, `${p}.LayerNorm`);
}

/** Random rows, with the signal dimension zero except on the signal words. */
function wordEmbeddings(ctx: Ctx): Float32Array {
  const { cfg, signal } = ctx;
  const name = 'embeddings.word_embeddings.weight';
  const values = normalArray(seedFor(ctx, name), cfg.vocabSize * cfg.hiddenSize, INIT.word);
  const set = (id: number, value: number): void => {
    values[id * cfg.hiddenSize + signal.dimension] = value;
  };
  for (let id = 0; id < cfg.vocabSize; id++) set(id, 0);
  for (const id of signal.positiveIds) set(id, signal.amplitude);
  for (const id of signal.negativeIds) set(id, -signal.amplitude);
  return values;
}

/** A position or token-type table: random, and zero in the signal dimension. */
function embeddingTable(ctx: Ctx, table: string, rows: number, std: number): string {
  const { cfg } = ctx;
  const name = `embeddings.${table}.weight`;
  const values = normalArray(seedFor(ctx, name), rows * cfg.hiddenSize, std);
  for (let r = 0; r < rows; r++) values[r * cfg.hiddenSize + ctx.signal.dimension] = 0;
  return ctx.g.floats(name, values, [rows, cfg.hiddenSize]);
}

function encoderLayer(ctx: Ctx, layer: number, x: string, last: boolean): string {
  const { g, cfg } = ctx;
  const p = `encoder.layer.${layer}`;
  const scope = `/encoder/layer.${layer}`;
  const attn = selfAttention(ctx, layer, x);
  g.scope = `${scope}/attention/output/`;
  const hid = cfg.hiddenSize;
  const inter = cfg.intermediateSize;
  const attnOut = linear(ctx, attn, `${p}.attention.output.dense`, [hid, hid], INIT.projection, {
    writesResidual: true,
  });
  const h = layerNorm(ctx, g.op('Add', [attnOut, x]), `${p}.attention.output.LayerNorm`);

  g.scope = `${scope}/intermediate/`;
  const act = gelu(g, linear(ctx, h, `${p}.intermediate.dense`, [inter, hid], INIT.projection));
  g.scope = `${scope}/output/`;
  const out = linear(ctx, act, `${p}.output.dense`, [hid, inter], INIT.down, {
    writesResidual: true,
    zeroSumRows: true,
  });
  const output = last ? 'last_hidden_state' : undefined;
  return layerNorm(ctx, g.op('Add', [out, h]), `${p}.output.LayerNorm`, output);
}

function selfAttention(ctx: Ctx, layer: number, x: string): string {
  const { g, cfg } = ctx;
  const p = `encoder.layer.${layer}.attention.self`;
  g.scope = `/encoder/layer.${layer}/attention/self/`;
  const headDim = cfg.hiddenSize / cfg.numHeads;
  const hid = cfg.hiddenSize;
  const project = (name: string): string =>
    splitHeads(ctx, linear(ctx, x, `${p}.${name}`, [hid, hid], INIT.projection));
  const q = project('query');
  const kT = g.op('Transpose', [project('key')], { perm: [0, 1, 3, 2] });
  const v = project('value');
  const scores = g.op('Mul', [g.op('MatMul', [q, kT]), constFloat(g, 1 / Math.sqrt(headDim))]);
  const probs = g.op('Softmax', [g.op('Add', [scores, ctx.mask])], { axis: -1 });
  const context = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] });
  return g.op('Reshape', [context, shape(g, [0, 0, hid])]);
}

/** [batch, seq, hidden] -> [batch, heads, seq, head_dim]. */
function splitHeads(ctx: Ctx, x: string): string {
  const { g, cfg } = ctx;
  const split = g.op('Reshape', [x, shape(g, [0, 0, cfg.numHeads, -1])]);
  return g.op('Transpose', [split], { perm: [0, 2, 1, 3] });
}

/** The exact (erf) GELU of BERT's "gelu": x * 0.5 * (1 + erf(x / sqrt(2))). */
function gelu(g: GraphBuilder, x: string): string {
  const erf = g.op('Erf', [g.op('Div', [x, constFloat(g, Math.SQRT2)])]);
  return g.op('Mul', [g.op('Mul', [x, constFloat(g, 0.5)]), g.op('Add', [erf, constFloat(g, 1)])]);
}

/**
 * LayerNorm spelled out in basic ops (the builder has no float attributes for
 * LayerNormalization's epsilon); onnxruntime fuses the pattern back into one kernel.
 */
function layerNorm(ctx: Ctx, x: string, prefix: string, output?: string): string {
  const { g, cfg } = ctx;
  const size = cfg.hiddenSize;
  const weight = normalArray(seedFor(ctx, `${prefix}.weight`), size, INIT.normJitter, 1);
  const bias = normalArray(seedFor(ctx, `${prefix}.bias`), size, INIT.normBias);
  weight[ctx.signal.dimension] = 1;
  bias[ctx.signal.dimension] = 0;
  const mean = g.op('ReduceMean', [x], { axes: [-1], keepdims: 1 });
  const centered = g.op('Sub', [x, mean]);
  const variance = g.op('ReduceMean', [g.op('Pow', [centered, constFloat(g, 2)])], {
    axes: [-1],
    keepdims: 1,
  });
  const std = g.op('Sqrt', [g.op('Add', [variance, constFloat(g, cfg.layerNormEps)])]);
  const scaled = g.op('Mul', [
    g.op('Div', [centered, std]),
    g.floats(`${prefix}.weight`, weight, [size]),
  ]);
  return g.op('Add', [scaled, g.floats(`${prefix}.bias`, bias, [size])], {}, output);
}

interface LinearOptions {
  /** Adds into the residual stream: gets a zero row and bias for the signal dimension. */
  writesResidual?: boolean;
  /** Reads GELU outputs: see centerRows. */
  zeroSumRows?: boolean;
}

/** y = x W^T + b, like torch.nn.Linear, with a fresh [out, in] weight. */
function linear(
  ctx: Ctx,
  x: string,
  prefix: string,
  [outFeatures, inFeatures]: [number, number],
  std: number,
  options: LinearOptions = {},
): string {
  const { g } = ctx;
  const weight = normalArray(
    seedFor(ctx, `${prefix}.weight`),
    outFeatures * inFeatures,
    std * fanInScale(ctx.cfg, inFeatures),
  );
  if (options.zeroSumRows) centerRows(weight, inFeatures);
  const bias = normalArray(seedFor(ctx, `${prefix}.bias`), outFeatures, INIT.bias);
  if (options.writesResidual) {
    const k = ctx.signal.dimension;
    weight.fill(0, k * inFeatures, (k + 1) * inFeatures);
    bias[k] = 0;
  }
  if (ctx.weights !== 'fp32') {
    const type = ctx.weights === 'int8' ? 'int8' : 'uint8';
    const product = quantizedMatMul(g, x, prefix, weight, [outFeatures, inFeatures], type);
    return g.op('Add', [product, g.floats(`${prefix}.bias`, bias, [outFeatures])]);
  }
  const w = g.floats(`${prefix}.weight`, weight, [outFeatures, inFeatures]);
  const wT = g.op('Transpose', [w], { perm: [1, 0] });
  return g.op('Add', [g.op('MatMul', [x, wT]), g.floats(`${prefix}.bias`, bias, [outFeatures])]);
}

/**
 * INIT's standard deviations are tuned for the tiny encoder's fan-ins (64 into every projection,
 * 128 into the MLP's down projection). Wider graphs scale them by sqrt(tiny fan-in / fan-in), as
 * fan-in-scaled initialisation does, so activations and attention logits keep the tiny model's
 * spread: unscaled, a 384-wide graph has near one-hot attention that any rounding flips. The
 * factor is exactly 1 at the tiny shape, which keeps its committed bytes.
 */
function fanInScale(cfg: BertConfig, inFeatures: number): number {
  const tiny = inFeatures === cfg.intermediateSize ? 128 : 64;
  return Math.sqrt(tiny / inFeatures);
}

/**
 * Subtract each row's mean. GELU outputs are mostly positive, so a projection of them would add
 * nearly the same vector to every token; zero-sum rows cancel that shared part.
 */
function centerRows(weight: Float32Array, width: number): void {
  for (let start = 0; start < weight.length; start += width) {
    const row = weight.subarray(start, start + width);
    const mean = row.reduce((sum, v) => sum + v, 0) / width;
    for (let i = 0; i < width; i++) row[i] = (row[i] ?? 0) - mean;
  }
}

/** Each tensor gets its own seed, so adding a tensor does not change the others. */
function seedFor(ctx: Ctx, name: string): number {
  return (hashString(name) ^ ctx.seed) >>> 0;
}

/** An int64 1-D constant for axes and shapes; named by value so it is shared. */
function axes(g: GraphBuilder, ...values: number[]): string {
  const name = `/const/int64[${values.join(',')}]`;
  return g.has(name) ? name : g.int64s(name, values, [values.length]);
}

function shape(g: GraphBuilder, values: number[]): string {
  return axes(g, ...values);
}

function scalar(g: GraphBuilder, value: number): string {
  const name = `/const/int64(${value})`;
  return g.has(name) ? name : g.int64s(name, [value], []);
}

/** A float32 scalar constant, shared by value. */
function constFloat(g: GraphBuilder, value: number): string {
  const name = `/const/float(${value})`;
  return g.has(name) ? name : g.floats(name, new Float32Array([value]), []);
}
