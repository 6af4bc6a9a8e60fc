// A decoder-only LM exported in the transformers.js "with past" format, run by onnxruntime-web.
// One call takes new tokens (a batch, right-padded) plus the KV cache of everything before them,
// and returns the logits and the extended cache. The cache can stay on the GPU between calls.
import type * as Ort from 'onnxruntime-web';
import { halfBits, halfToFloat32 } from './float16';
import {
  emptyPastDims,
  kvName,
  maxTokensPerCall,
  planGraph,
  type FloatDtype,
  type GraphHints,
  type GraphIo,
  type GraphPlan,
} from './graph-io';

export type OrtModule = typeof Ort;
export type ExecutionProvider = 'webgpu' | 'wasm';

/** What the graph's shapes need from config.json. */
export interface LmShape {
  layers: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
}

export interface LlamaLikeConfig {
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads?: number;
  hidden_size: number;
  head_dim?: number;
  vocab_size: number;
}

export function shapeFromConfig(config: LlamaLikeConfig): LmShape {
  return {
    layers: config.num_hidden_layers,
    kvHeads: config.num_key_value_heads ?? config.num_attention_heads,
    headDim: config.head_dim ?? config.hidden_size / config.num_attention_heads,
    vocab: config.vocab_size,
  };
}

/** Keys and values of every layer for `length` positions of `batch` sequences. */
export interface KvCache {
  /** [layer0.key, layer0.value, layer1.key, ...], each [batch, kvHeads, length, headDim]. */
  tensors: Ort.Tensor[];
  length: number;
  batch: number;
}

/**
 * Which logits a forward pass brings to the CPU: none (a prefix whose logits nobody reads), each
 * sequence's last real position (scoring and decoding), or every position.
 */
export type LogitsWanted = 'none' | 'last' | 'all';

export interface ForwardResult {
  /** On the CPU: [batch, seq, vocab] for 'all', [batch, vocab] for 'last', empty for 'none'. */
  logits: Float32Array;
  wanted: LogitsWanted;
  seq: number;
  /** The logits' last dimension (can exceed the tokenizer's vocabulary when padded). */
  vocab: number;
  /** Positions per sequence the graph returned logits for: seq, or 1 under num_logits_to_keep. */
  kept: number;
  present: KvCache;
}

export { GraphFormatError, UnfillableInputError, type GraphIo } from './graph-io';

/** Byte size of one element of a float tensor the engine reads. */
const BYTES: Record<FloatDtype, number> = { float32: 4, float16: 2 };

/** A float32 or float16 tensor's data as float32 (float16 widened on the CPU). */
async function floats(tensor: Ort.Tensor): Promise<Float32Array> {
  const data = await tensor.getData();
  if (tensor.type === 'float16') return halfToFloat32(data as ArrayBufferView);
  return data as Float32Array;
}

export class CausalLM {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly shape: LmShape,
    readonly ep: ExecutionProvider,
    private readonly plan: GraphPlan,
    /** Longer single sequences run in steps of this many tokens (see maxTokensPerCall). */
    private readonly maxStep: number,
  ) {}

  /** What the graph takes and returns, as read from the session (see GraphIo). */
  get io(): GraphIo {
    return this.plan.io;
  }

  /**
   * Open the graph. `hints` are config.json's guesses (the variant's kv_cache_dtype, model_type);
   * the session's own metadata wins where it says.
   */
  static async create(
    ort: OrtModule,
    model: Uint8Array,
    shape: LmShape,
    ep: ExecutionProvider,
    externalData?: { path: string; data: Uint8Array }[],
    hints: GraphHints = {},
  ): Promise<CausalLM> {
    const outputs = Array.from({ length: shape.layers }, (_, l) => [
      kvName('present', l, 'key'),
      kvName('present', l, 'value'),
    ]).flat();
    const session = await ort.InferenceSession.create(model, {
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
      ...(externalData ? { externalData } : {}),
      // On WebGPU the cache stays on the GPU between calls, and logits come back only when read
      // (a prefix's logits, [seq, vocab], are never needed and can be hundreds of MB).
      ...(ep === 'webgpu'
        ? {
            preferredOutputLocation: Object.fromEntries(
              [...outputs, 'logits'].map((n) => [n, 'gpu-buffer' as const]),
            ),
          }
        : {}),
    });
    try {
      const plan = planGraph(session, shape.layers, hints);
      return new CausalLM(ort, session, shape, ep, plan, maxTokensPerCall(model, ep));
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** An empty cache for `batch` sequences (zero positions), shaped and typed as the graph says. */
  emptyCache(batch: number): KvCache {
    const { kvHeads, headDim, layers } = this.shape;
    const type = this.plan.io.kvDtype;
    const tensors = Array.from({ length: layers }, (_, l) =>
      (['key', 'value'] as const).map((kv) => {
        const graphDims = this.plan.pastDims.get(kvName('past_key_values', l, kv));
        const dims = emptyPastDims(graphDims, batch, kvHeads, headDim);
        return type === 'float16'
          ? new this.ort.Tensor('float16', new Uint16Array(0), dims)
          : new this.ort.Tensor('float32', new Float32Array(0), dims);
      }),
    ).flat();
    return { tensors, length: 0, batch };
  }

  /** The feeds besides the cache, for the inputs this graph declares. */
  private feeds(rows: number[][], past: number, seq: number, keepLast: boolean) {
    const { io, useCacheBranchRank } = this.plan;
    const batch = rows.length;
    const total = past + seq;
    const ids = new BigInt64Array(batch * seq);
    const mask = new BigInt64Array(batch * total);
    const positions = new BigInt64Array(batch * seq);
    const start = io.positionIds === 'from-1' ? 1 : 0;
    rows.forEach((row, b) => {
      for (let t = 0; t < seq; t++) {
        ids[b * seq + t] = BigInt(row[t] ?? 0);
        // transformers.js: cumsum(mask) - 1 (+ 1 for Gemma 3); padding gets 1. The past is unpadded.
        positions[b * seq + t] = BigInt(t < row.length ? start + past + t : 1);
      }
      for (let t = 0; t < total; t++) mask[b * total + t] = t < past + row.length ? 1n : 0n;
    });
    const T = this.ort.Tensor;
    const feeds: Record<string, Ort.Tensor> = {
      input_ids: new T('int64', ids, [batch, seq]),
      attention_mask: new T('int64', mask, [batch, total]),
    };
    if (io.positionIds !== 'none') feeds.position_ids = new T('int64', positions, [batch, seq]);
    // 1: logits of the last position only; 0: of every position.
    if (io.numLogitsToKeep)
      feeds.num_logits_to_keep = new T('int64', BigInt64Array.of(keepLast ? 1n : 0n), []);
    if (io.useCacheBranch) {
      const dims = useCacheBranchRank === 0 ? [] : [1];
      feeds.use_cache_branch = new T('bool', Uint8Array.of(past > 0 ? 1 : 0), dims);
    }
    return feeds;
  }

  /**
   * Run `rows` (one token list per sequence, right-padded to equal length here) after `past`.
   * Padding is masked out; causal attention already keeps real tokens from seeing it.
   */
  async forward(
    rows: number[][],
    past: KvCache | null,
    wanted: LogitsWanted = 'all',
  ): Promise<ForwardResult> {
    const [first] = rows;
    if (rows.length === 1 && first!.length > this.maxStep)
      return this.inSteps(first!, past, wanted);
    const batch = rows.length;
    const cache = past ?? this.emptyCache(batch);
    if (cache.batch !== batch) throw new Error(`cache batch ${cache.batch} != ${batch} rows`);
    const seq = Math.max(...rows.map((r) => r.length));
    const total = cache.length + seq;
    // The last position is the same for every row only when no row is padded.
    const keepLast = wanted !== 'all' && rows.every((r) => r.length === seq);
    const feeds = this.feeds(rows, cache.length, seq, keepLast);
    for (let l = 0; l < this.shape.layers; l++) {
      feeds[kvName('past_key_values', l, 'key')] = cache.tensors[2 * l]!;
      feeds[kvName('past_key_values', l, 'value')] = cache.tensors[2 * l + 1]!;
    }
    const out = await this.session.run(feeds);
    const output = out.logits!;
    const [, kept, vocab] = output.dims as [number, number, number];
    // Row b's last real position t sits at (b, t - (seq - kept)) of a [batch, kept, vocab] output.
    const lasts = rows.map((row, b) => (b * kept + row.length - 1 - (seq - kept)) * vocab);
    const logits =
      wanted === 'all'
        ? await floats(output)
        : wanted === 'last'
          ? await readLogitRows(this.ort, output, lasts, vocab)
          : new Float32Array(0);
    if (output.location === 'gpu-buffer') output.dispose();
    const tensors = Array.from({ length: this.shape.layers }, (_, l) => [
      out[kvName('present', l, 'key')]!,
      out[kvName('present', l, 'value')]!,
    ]).flat();
    return { logits, wanted, seq, vocab, kept, present: { tensors, length: total, batch } };
  }

  /** One sequence as consecutive calls of at most maxStep tokens: the same result as one call. */
  private async inSteps(
    row: number[],
    past: KvCache | null,
    wanted: LogitsWanted,
  ): Promise<ForwardResult> {
    let cache = past;
    let result: ForwardResult | null = null;
    const all: Float32Array[] = [];
    for (let at = 0; at < row.length; at += this.maxStep) {
      const last = at + this.maxStep >= row.length;
      const step = row.slice(at, at + this.maxStep);
      result = await this.forward([step], cache, wanted === 'all' || last ? wanted : 'none');
      if (cache !== past) disposeCache(cache);
      cache = result.present;
      all.push(result.logits);
    }
    const seq = row.length;
    if (wanted !== 'all') return { ...result!, seq };
    const logits = new Float32Array(all.reduce((n, l) => n + l.length, 0));
    all.reduce((at, l) => (logits.set(l, at), at + l.length), 0);
    return { ...result!, logits, seq, kept: seq };
  }

  /** Copy a batch-1 cache into `n` identical rows (CPU tensors only), to batch continuations. */
  async repeatCache(cache: KvCache, n: number): Promise<KvCache> {
    if (cache.batch !== 1) throw new Error('repeatCache needs a batch-1 cache');
    const tensors = await Promise.all(
      cache.tensors.map(async (t) => {
        const [, h, len, d] = t.dims as [number, number, number, number];
        const dims = [n, h, len, d];
        // Copied as raw elements: float16 stays float16, bit for bit.
        const data = (await t.getData()) as ArrayBufferView;
        if (t.type === 'float16') {
          const bits = halfBits(data);
          return new this.ort.Tensor(
            'float16',
            repeat(bits, new Uint16Array(bits.length * n)),
            dims,
          );
        }
        const values = data as Float32Array;
        return new this.ort.Tensor(
          'float32',
          repeat(values, new Float32Array(values.length * n)),
          dims,
        );
      }),
    );
    return { tensors, length: cache.length, batch: n };
  }

  /** The logits row of sequence `b` at position `t` ('last' results hold only the last one). */
  row(result: ForwardResult, b: number, t: number): Float32Array {
    const at = (result.wanted === 'last' ? b : b * result.seq + t) * result.vocab;
    return result.logits.subarray(at, at + result.vocab);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function repeat<A extends Float32Array | Uint16Array>(one: A, out: A): A {
  for (let at = 0; at < out.length; at += one.length) out.set(one, at);
  return out;
}

/**
 * `vocab` logits at each element offset of `output`, one row after another, as float32. From a
 * GPU buffer only those rows are copied back: a continuation's whole [seq, vocab] can be tens of
 * MB with a 150k vocabulary, and a pair needs one row of it. WebGPU copies in 4-byte units, so a
 * float16 row at an odd offset is copied with its neighbours and cut out here.
 */
export async function readLogitRows(
  ort: OrtModule,
  output: Ort.Tensor,
  offsets: number[],
  vocab: number,
): Promise<Float32Array> {
  const type = output.type === 'float16' ? 'float16' : 'float32';
  const size = BYTES[type];
  const rows = new Float32Array(offsets.length * vocab);
  if (output.location === 'gpu-buffer' && output.gpuBuffer.size % 4 === 0) {
    const spans = offsets.map((at) => {
      const from = Math.floor((at * size) / 4) * 4;
      const to = Math.min(Math.ceil(((at + vocab) * size) / 4) * 4, output.gpuBuffer.size);
      return { from, length: to - from, skip: (at * size - from) / size };
    });
    const device = await ort.env.webgpu.device;
    const staging = device.createBuffer({
      size: spans.reduce((sum, s) => sum + s.length, 0),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const encoder = device.createCommandEncoder();
    let into = 0;
    for (const span of spans) {
      encoder.copyBufferToBuffer(output.gpuBuffer, span.from, staging, into, span.length);
      into += span.length;
    }
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const mapped = staging.getMappedRange();
    into = 0;
    spans.forEach((span, i) => {
      const bytes = new Uint8Array(mapped, into + span.skip * size, vocab * size).slice();
      const row = type === 'float16' ? halfToFloat32(bytes) : new Float32Array(bytes.buffer);
      rows.set(row, i * vocab);
      into += span.length;
    });
    staging.unmap();
    staging.destroy();
    return rows;
  }
  // On the CPU, widen only the rows read: the whole [seq, vocab] is tens of millions of halves.
  const data = await output.getData();
  offsets.forEach((at, i) => {
    const row =
      type === 'float16'
        ? halfToFloat32(halfBits(data as ArrayBufferView).subarray(at, at + vocab))
        : (data as Float32Array).subarray(at, at + vocab);
    rows.set(row, i * vocab);
  });
  return rows;
}

/** Free a cache's GPU buffers (CPU tensors are left to the garbage collector). */
export function disposeCache(cache: KvCache | null | undefined): void {
  for (const t of cache?.tensors ?? []) if (t.location === 'gpu-buffer') t.dispose();
}
