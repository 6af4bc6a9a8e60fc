// A decoder-only LM exported in the transformers.js "with past" format, run by onnxruntime-web.
// One call takes new tokens (a batch, right-padded) plus the KV cache of everything before them,
// and returns the logits and the extended cache. The cache can stay on the GPU between calls.
import type * as Ort from 'onnxruntime-web';

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
  present: KvCache;
}

export class GraphFormatError extends Error {
  constructor(missing: string[]) {
    super(
      `This ONNX graph is not a causal LM with past key values (missing ${missing.join(', ')}). ` +
        'Use a transformers.js-format export (onnx/model*.onnx with past_key_values inputs).',
    );
    this.name = 'GraphFormatError';
  }
}

const kvName = (kind: 'past_key_values' | 'present', layer: number, kv: 'key' | 'value') =>
  `${kind}.${layer}.${kv}`;

export class CausalLM {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly shape: LmShape,
    readonly ep: ExecutionProvider,
    private readonly hasPositionIds: boolean,
  ) {}

  static async create(
    ort: OrtModule,
    model: Uint8Array,
    shape: LmShape,
    ep: ExecutionProvider,
    externalData?: { path: string; data: Uint8Array }[],
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
    const needed = ['input_ids', 'attention_mask', kvName('past_key_values', 0, 'key')];
    const missing = needed.filter((n) => !session.inputNames.includes(n));
    if (!session.outputNames.includes('logits')) missing.push('logits');
    if (missing.length) {
      await session.release();
      throw new GraphFormatError(missing);
    }
    return new CausalLM(ort, session, shape, ep, session.inputNames.includes('position_ids'));
  }

  /** An empty cache for `batch` sequences (zero positions). */
  emptyCache(batch: number): KvCache {
    const { kvHeads, headDim, layers } = this.shape;
    const empty = () =>
      new this.ort.Tensor('float32', new Float32Array(0), [batch, kvHeads, 0, headDim]);
    return { tensors: Array.from({ length: 2 * layers }, empty), length: 0, batch };
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
    const batch = rows.length;
    const cache = past ?? this.emptyCache(batch);
    if (cache.batch !== batch) throw new Error(`cache batch ${cache.batch} != ${batch} rows`);
    const seq = Math.max(...rows.map((r) => r.length));
    const total = cache.length + seq;
    const ids = new BigInt64Array(batch * seq);
    const mask = new BigInt64Array(batch * total);
    const positions = new BigInt64Array(batch * seq);
    rows.forEach((row, b) => {
      for (let t = 0; t < seq; t++) {
        ids[b * seq + t] = BigInt(row[t] ?? 0);
        positions[b * seq + t] = BigInt(cache.length + t);
      }
      for (let t = 0; t < total; t++) mask[b * total + t] = t < cache.length + row.length ? 1n : 0n;
    });
    const T = this.ort.Tensor;
    const feeds: Record<string, Ort.Tensor> = {
      input_ids: new T('int64', ids, [batch, seq]),
      attention_mask: new T('int64', mask, [batch, total]),
    };
    if (this.hasPositionIds) feeds.position_ids = new T('int64', positions, [batch, seq]);
    for (let l = 0; l < this.shape.layers; l++) {
      feeds[kvName('past_key_values', l, 'key')] = cache.tensors[2 * l]!;
      feeds[kvName('past_key_values', l, 'value')] = cache.tensors[2 * l + 1]!;
    }
    const out = await this.session.run(feeds);
    const output = out.logits!;
    const vocab = output.dims[2]!;
    const lasts = rows.map((row, b) => (b * seq + row.length - 1) * vocab);
    const logits =
      wanted === 'all'
        ? ((await output.getData()) as Float32Array)
        : wanted === 'last'
          ? await this.readRows(output, lasts, vocab)
          : new Float32Array(0);
    if (output.location === 'gpu-buffer') output.dispose();
    const tensors = Array.from({ length: this.shape.layers }, (_, l) => [
      out[kvName('present', l, 'key')]!,
      out[kvName('present', l, 'value')]!,
    ]).flat();
    return { logits, wanted, seq, vocab, present: { tensors, length: total, batch } };
  }

  /**
   * `vocab` floats at each offset of `output`, one row after another. From a GPU buffer only those
   * rows are copied back: a continuation's whole [seq, vocab] can be tens of MB with a 150k
   * vocabulary, and a pair needs one row of it.
   */
  private async readRows(output: Ort.Tensor, offsets: number[], vocab: number) {
    const rows = new Float32Array(offsets.length * vocab);
    if (output.location === 'gpu-buffer' && output.type === 'float32') {
      const device = await this.ort.env.webgpu.device;
      const bytes = vocab * Float32Array.BYTES_PER_ELEMENT;
      const staging = device.createBuffer({
        size: rows.byteLength,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      const encoder = device.createCommandEncoder();
      offsets.forEach((at, i) => {
        encoder.copyBufferToBuffer(output.gpuBuffer, at * 4, staging, i * bytes, bytes);
      });
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      rows.set(new Float32Array(staging.getMappedRange()));
      staging.unmap();
      staging.destroy();
      return rows;
    }
    const data = (await output.getData()) as Float32Array;
    offsets.forEach((at, i) => rows.set(data.subarray(at, at + vocab), i * vocab));
    return rows;
  }

  /** Copy a batch-1 cache into `n` identical rows (CPU tensors only), to batch continuations. */
  async repeatCache(cache: KvCache, n: number): Promise<KvCache> {
    if (cache.batch !== 1) throw new Error('repeatCache needs a batch-1 cache');
    const tensors = await Promise.all(
      cache.tensors.map(async (t) => {
        const data = (await t.getData()) as Float32Array;
        const out = new Float32Array(data.length * n);
        for (let i = 0; i < n; i++) out.set(data, i * data.length);
        const [, h, len, d] = t.dims as [number, number, number, number];
        return new this.ort.Tensor('float32', out, [n, h, len, d]);
      }),
    );
    return { tensors, length: cache.length, batch: n };
  }

  /** The logits row of sequence `b` at position `t` ('last' results hold only the last one). */
  row(result: ForwardResult, b: number, t: number): Float32Array {
    const at = (result.wanted === 'last' ? b : b * result.seq + t) * result.vocab;
    return result.logits.subarray(at, at + result.vocab);
  }

  /** The names the graph declares (the model report lists them). */
  get io(): { inputs: readonly string[]; outputs: readonly string[] } {
    return { inputs: this.session.inputNames, outputs: this.session.outputNames };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Free a cache's GPU buffers (CPU tensors are left to the garbage collector). */
export function disposeCache(cache: KvCache | null | undefined): void {
  for (const t of cache?.tensors ?? []) if (t.location === 'gpu-buffer') t.dispose();
}
