// An independent float64 BERT encoder forward pass in plain TypeScript, the oracle for the tiny
// encoder's ONNX graph. It reads config.json and the weights stored in model.onnx (PyTorch
// names, [out, in] layouts) and follows Hugging Face's BertModel: embeddings, LayerNorm, then
// post-LN layers of masked self-attention and an erf-GELU MLP. No file system here, so a
// browser test can use it too; bert-reference-node.ts loads a folder in Node.

import { add, dot, initializersFloat64, row, softmax } from './float64';

export interface BertReferenceConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  layerNormEps: number;
}

export interface ForwardOptions {
  /** Segment ids; all 0 when left out, as for a single sentence. */
  tokenTypeIds?: number[];
  /** 1 for real tokens, 0 for padding; all 1 when left out. */
  attentionMask?: number[];
}

export interface BertReference {
  config: BertReferenceConfig;
  /** last_hidden_state of one sequence: one hidden vector per position. */
  forward(ids: number[], options?: ForwardOptions): number[][];
  /** The sentence embedding: last_hidden_state mean-pooled, then L2-normalised. */
  embed(ids: number[]): number[];
}

/** The oracle from the files' contents. */
export function referenceFromBytes(configJson: string, model: Uint8Array): BertReference {
  const config = readConfig(configJson);
  const weights = decodeWeights(model);
  const forward = (ids: number[], options: ForwardOptions = {}): number[][] =>
    encoder(config, weights, ids, options);
  return {
    config,
    forward,
    embed: (ids) =>
      l2Normalize(
        meanPool(
          forward(ids),
          ids.map(() => 1),
        ),
      ),
  };
}

function readConfig(json: string): BertReferenceConfig {
  const raw: unknown = JSON.parse(json);
  if (typeof raw !== 'object' || raw === null) throw new Error('config.json is not an object');
  const get = (key: string): number => {
    const value: unknown = (raw as Record<string, unknown>)[key];
    if (typeof value !== 'number') throw new Error(`config.json: ${key} is not a number`);
    return value;
  };
  if ((raw as Record<string, unknown>).hidden_act !== 'gelu') throw new Error('expected gelu');
  return {
    vocabSize: get('vocab_size'),
    hiddenSize: get('hidden_size'),
    numLayers: get('num_hidden_layers'),
    numHeads: get('num_attention_heads'),
    intermediateSize: get('intermediate_size'),
    layerNormEps: get('layer_norm_eps'),
  };
}

type Weights = (name: string) => Float64Array;

/** Every float32 initializer of the model, widened to float64, looked up by name. */
function decodeWeights(bytes: Uint8Array): Weights {
  const weights = initializersFloat64(bytes);
  return (name) => {
    const value = weights.get(name);
    if (!value) throw new Error(`missing weight ${name}`);
    return value;
  };
}

function encoder(
  cfg: BertReferenceConfig,
  w: Weights,
  ids: number[],
  options: ForwardOptions,
): number[][] {
  const types = options.tokenTypeIds ?? ids.map(() => 0);
  const mask = options.attentionMask ?? ids.map(() => 1);
  const hid = cfg.hiddenSize;
  let x = ids.map((id, position) => {
    const sum = row(w('embeddings.word_embeddings.weight'), id, hid);
    const type = row(w('embeddings.token_type_embeddings.weight'), types[position] ?? 0, hid);
    const pos = row(w('embeddings.position_embeddings.weight'), position, hid);
    return layerNorm(add(add(sum, type), pos), w, 'embeddings.LayerNorm', cfg.layerNormEps);
  });
  for (let layer = 0; layer < cfg.numLayers; layer++) x = encoderLayer(cfg, w, layer, x, mask);
  return x;
}

function encoderLayer(
  cfg: BertReferenceConfig,
  w: Weights,
  layer: number,
  x: number[][],
  mask: number[],
): number[][] {
  const p = `encoder.layer.${layer}`;
  const eps = cfg.layerNormEps;
  const context = selfAttention(cfg, w, `${p}.attention.self`, x, mask);
  return context.map((ctx, i) => {
    const attended = linear(w, `${p}.attention.output.dense`, ctx);
    const h = layerNorm(add(attended, x[i] ?? []), w, `${p}.attention.output.LayerNorm`, eps);
    const inter = linear(w, `${p}.intermediate.dense`, h).map(gelu);
    return layerNorm(
      add(linear(w, `${p}.output.dense`, inter), h),
      w,
      `${p}.output.LayerNorm`,
      eps,
    );
  });
}

/** Multi-head attention; masked keys get float32 min added, so their weight underflows to 0. */
function selfAttention(
  cfg: BertReferenceConfig,
  w: Weights,
  p: string,
  x: number[][],
  mask: number[],
): number[][] {
  const headDim = cfg.hiddenSize / cfg.numHeads;
  const q = x.map((h) => linear(w, `${p}.query`, h));
  const k = x.map((h) => linear(w, `${p}.key`, h));
  const v = x.map((h) => linear(w, `${p}.value`, h));
  const penalty = mask.map((m) => (1 - m) * -3.4028234663852886e38);
  return q.map((qi) => {
    const out: number[] = [];
    for (let head = 0; head < cfg.numHeads; head++) {
      const slice = (vec: number[]): number[] => vec.slice(head * headDim, (head + 1) * headDim);
      const qh = slice(qi);
      const scores = k.map((kj, j) => dot(qh, slice(kj)) / Math.sqrt(headDim) + (penalty[j] ?? 0));
      const probs = softmax(scores);
      const mixed = new Array<number>(headDim).fill(0);
      v.forEach((vj, j) => {
        const vh = slice(vj);
        for (let d = 0; d < headDim; d++) mixed[d]! += probs[j]! * vh[d]!;
      });
      out.push(...mixed);
    }
    return out;
  });
}

/** BERT's "gelu" is the exact one, not the tanh approximation. */
function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/**
 * erf to about 1e-15: its Maclaurin series for |x| < 3 (terms stay below ~1e3, so little
 * cancellation), and the continued fraction of erfc beyond, where the series would cancel.
 */
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x >= 6) return 1;
  if (x < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + ...))))).
  let fraction = x;
  for (let n = 60; n >= 1; n--) fraction = x + n / 2 / fraction;
  return 1 - Math.exp(-x * x) / Math.sqrt(Math.PI) / fraction;
}

function layerNorm(x: number[], w: Weights, prefix: string, eps: number): number[] {
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
  const scale = 1 / Math.sqrt(variance + eps);
  const weight = w(`${prefix}.weight`);
  const bias = w(`${prefix}.bias`);
  return x.map((v, i) => (v - mean) * scale * (weight[i] ?? 0) + (bias[i] ?? 0));
}

/** y = W x + b for W stored row-major as [out, in]. */
function linear(w: Weights, prefix: string, x: number[]): number[] {
  const weight = w(`${prefix}.weight`);
  const bias = w(`${prefix}.bias`);
  const inFeatures = x.length;
  return Array.from(bias, (b, o) => {
    let sum = b;
    for (let i = 0; i < inFeatures; i++) sum += (weight[o * inFeatures + i] ?? 0) * (x[i] ?? 0);
    return sum;
  });
}

/** The mean of the rows whose mask is 1, as sentence-transformers' mean pooling. */
export function meanPool(hidden: number[][], mask: number[]): number[] {
  const width = hidden[0]?.length ?? 0;
  const sum = new Array<number>(width).fill(0);
  let count = 0;
  hidden.forEach((vec, i) => {
    if (!mask[i]) return;
    count++;
    vec.forEach((v, d) => (sum[d]! += v));
  });
  return sum.map((v) => v / Math.max(count, 1e-9));
}

export function l2Normalize(x: number[]): number[] {
  const norm = Math.sqrt(dot(x, x));
  return x.map((v) => v / norm);
}

export function cosine(a: number[], b: number[]): number {
  return dot(l2Normalize(a), l2Normalize(b));
}
