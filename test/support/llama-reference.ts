// An independent float64 Llama forward pass in plain TypeScript, the oracle for the ONNX graph.
// It reads config.json and the weights stored in model.onnx (PyTorch names, [out, in] layouts)
// and processes one token at a time with a KV cache, so causality holds by construction.

import { add, dot, initializersFloat64, row, softmax } from './float64';

export interface ReferenceConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** config.json's tie_word_embeddings: lm_head is embed_tokens. */
  tieWordEmbeddings: boolean;
}

/** Per layer, per kv head, per position: the rotated key (or the value) vector. */
export interface KvCache {
  keys: number[][][][];
  values: number[][][][];
}

export interface ForwardResult {
  /** logits[i] is the next-token logit vector after token i. */
  logits: number[][];
  cache: KvCache;
}

export interface LlamaReference {
  config: ReferenceConfig;
  /** Run `ids` after the tokens already in `cache` (which is not modified). */
  forward(ids: number[], cache?: KvCache, positions?: number[]): ForwardResult;
}

/** The oracle from the files' contents (config.json text and model.onnx bytes), in Node or a browser. */
export function referenceFromBytes(configJson: string, model: Uint8Array): LlamaReference {
  const config = readConfig(configJson);
  const weights = decodeWeights(model);
  return {
    config,
    forward: (ids, cache, positions) => forward(config, weights, ids, cache, positions),
  };
}

function readConfig(json: string): ReferenceConfig {
  const raw: unknown = JSON.parse(json);
  if (typeof raw !== 'object' || raw === null) throw new Error('config.json is not an object');
  const get = (key: string): number => {
    const value: unknown = (raw as Record<string, unknown>)[key];
    if (typeof value !== 'number') throw new Error(`config.json: ${key} is not a number`);
    return value;
  };
  return {
    vocabSize: get('vocab_size'),
    hiddenSize: get('hidden_size'),
    intermediateSize: get('intermediate_size'),
    numLayers: get('num_hidden_layers'),
    numHeads: get('num_attention_heads'),
    numKvHeads: get('num_key_value_heads'),
    headDim: get('head_dim'),
    rmsNormEps: get('rms_norm_eps'),
    ropeTheta: get('rope_theta'),
    tieWordEmbeddings: (raw as Record<string, unknown>).tie_word_embeddings === true,
  };
}

type Weights = Map<string, Float64Array>;

/** Every float32 initializer of the model, widened to float64. */
function decodeWeights(bytes: Uint8Array): Weights {
  return initializersFloat64(bytes);
}

function forward(
  cfg: ReferenceConfig,
  weights: Weights,
  ids: number[],
  cache: KvCache = emptyCache(cfg),
  positions?: number[],
): ForwardResult {
  const w = (name: string): Float64Array => {
    const value = weights.get(name);
    if (!value) throw new Error(`missing weight ${name}`);
    return value;
  };
  const next: KvCache = {
    keys: cache.keys.map((layer) => layer.map((head) => [...head])),
    values: cache.values.map((layer) => layer.map((head) => [...head])),
  };
  const start = next.keys[0]?.[0]?.length ?? 0;
  const logits = ids.map((id, i) => {
    const position = positions?.[i] ?? start + i;
    let x = row(w('model.embed_tokens.weight'), id, cfg.hiddenSize);
    for (let layer = 0; layer < cfg.numLayers; layer++) {
      x = decoderLayer(cfg, w, layer, x, position, next);
    }
    const h = rmsNorm(x, w('model.norm.weight'), cfg.rmsNormEps);
    const lmHead = cfg.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
    return linear(w(lmHead), h, cfg.vocabSize);
  });
  return { logits, cache: next };
}

function emptyCache(cfg: ReferenceConfig): KvCache {
  const empty = (): number[][][][] =>
    Array.from({ length: cfg.numLayers }, () => Array.from({ length: cfg.numKvHeads }, () => []));
  return { keys: empty(), values: empty() };
}

function decoderLayer(
  cfg: ReferenceConfig,
  w: (name: string) => Float64Array,
  layer: number,
  x: number[],
  position: number,
  cache: KvCache,
): number[] {
  const p = `model.layers.${layer}`;
  const h = rmsNorm(x, w(`${p}.input_layernorm.weight`), cfg.rmsNormEps);
  const attn = attention(cfg, w, layer, h, position, cache);
  const x2 = add(x, attn);
  const h2 = rmsNorm(x2, w(`${p}.post_attention_layernorm.weight`), cfg.rmsNormEps);
  const gate = linear(w(`${p}.mlp.gate_proj.weight`), h2, cfg.intermediateSize);
  const up = linear(w(`${p}.mlp.up_proj.weight`), h2, cfg.intermediateSize);
  const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * (up[i] ?? 0));
  return add(x2, linear(w(`${p}.mlp.down_proj.weight`), act, cfg.hiddenSize));
}

function attention(
  cfg: ReferenceConfig,
  w: (name: string) => Float64Array,
  layer: number,
  h: number[],
  position: number,
  cache: KvCache,
): number[] {
  const p = `model.layers.${layer}.self_attn`;
  const { numHeads, numKvHeads, headDim } = cfg;
  const q = linear(w(`${p}.q_proj.weight`), h, numHeads * headDim);
  const k = linear(w(`${p}.k_proj.weight`), h, numKvHeads * headDim);
  const v = linear(w(`${p}.v_proj.weight`), h, numKvHeads * headDim);
  const layerKeys = cache.keys[layer] ?? [];
  const layerValues = cache.values[layer] ?? [];
  for (let kv = 0; kv < numKvHeads; kv++) {
    layerKeys[kv]?.push(rope(k.slice(kv * headDim, (kv + 1) * headDim), position, cfg.ropeTheta));
    layerValues[kv]?.push(v.slice(kv * headDim, (kv + 1) * headDim));
  }
  const out: number[] = [];
  for (let head = 0; head < numHeads; head++) {
    const kv = Math.floor(head / (numHeads / numKvHeads)); // grouped-query attention
    const qh = rope(q.slice(head * headDim, (head + 1) * headDim), position, cfg.ropeTheta);
    const keys = layerKeys[kv] ?? [];
    const scores = keys.map((key) => dot(qh, key) / Math.sqrt(headDim));
    const probs = softmax(scores);
    const values = layerValues[kv] ?? [];
    const mixed = new Array<number>(headDim).fill(0);
    values.forEach((value, j) => {
      for (let d = 0; d < headDim; d++) mixed[d]! += probs[j]! * value[d]!;
    });
    out.push(...mixed);
  }
  return linear(w(`${p}.o_proj.weight`), out, cfg.hiddenSize);
}

/** Rotary embedding, rotate_half convention: pairs (i, i + d/2) rotate by position * freq_i. */
function rope(x: number[], position: number, theta: number): number[] {
  const half = x.length / 2;
  const out = new Array<number>(x.length);
  for (let i = 0; i < half; i++) {
    const angle = position / Math.pow(theta, (2 * i) / x.length);
    const [a, b] = [x[i] ?? 0, x[i + half] ?? 0];
    out[i] = a * Math.cos(angle) - b * Math.sin(angle);
    out[i + half] = b * Math.cos(angle) + a * Math.sin(angle);
  }
  return out;
}

function rmsNorm(x: number[], weight: Float64Array, eps: number): number[] {
  const meanSquare = x.reduce((sum, v) => sum + v * v, 0) / x.length;
  const scale = 1 / Math.sqrt(meanSquare + eps);
  return x.map((v, i) => (weight[i] ?? 0) * v * scale);
}

/** y = W x for W stored row-major as [out, in]. */
function linear(weight: Float64Array, x: number[], outFeatures: number): number[] {
  const inFeatures = x.length;
  const y = new Array<number>(outFeatures);
  for (let o = 0; o < outFeatures; o++) {
    let sum = 0;
    for (let i = 0; i < inFeatures; i++) sum += (weight[o * inFeatures + i] ?? 0) * (x[i] ?? 0);
    y[o] = sum;
  }
  return y;
}
