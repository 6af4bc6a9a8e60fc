// The frozen sentence encoder under the reward model: a Hugging Face feature-extraction folder
// (BERT-like: input_ids, attention_mask, token_type_ids -> last_hidden_state) run by
// onnxruntime-web, pooled as the folder's sentence-transformers config says (mean or CLS, then
// L2 unit length when it has a Normalize module; see pooling.ts). Nothing here is trained, so
// every text is embedded once and cached.
import type * as Ort from 'onnxruntime-web';
import type { ExecutionProvider, OrtModule } from '../engines/onnx/causal-lm';
import {
  loadModelFolder,
  ModelLoadError,
  type HfModelFiles,
  type LoadOptions,
  type OnnxVariant,
} from '../engines/onnx/model-files';
import { loadTokenizer, type HfTokenizer } from '../engines/tokenizer';
import { EmbeddingCache } from './cache';
import {
  DEFAULT_POOLING,
  loadPoolingSpec,
  poolRow,
  type Normalization,
  type Pooling,
  type PoolingSpec,
} from './pooling';

/** What training needs from an encoder: fixed-size vectors for texts. */
export interface Embedder {
  readonly dim: number;
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
}

export interface EmbedOptions {
  signal?: AbortSignal;
  /** Texts embedded so far (cache hits count at once) out of the distinct texts asked for. */
  onProgress?: (done: number, total: number) => void;
}

export interface EncoderOptions {
  ort: OrtModule;
  ep?: ExecutionProvider;
  /** Sequences per onnxruntime call. */
  batchSize?: number;
  /** Longest input in tokens, special tokens included; longer texts are cut. */
  maxLength?: number;
  cacheCapacity?: number;
  /** How last_hidden_state becomes one vector; mean + L2 when not given. */
  pooling?: PoolingSpec;
}

/** Lowercase hex SHA-256 of some bytes. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(bytes));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Identifies an encoder by what decides its embeddings: the graph's bytes and the tokenizer.
 * A reward head is only meaningful on top of the encoder it was trained with.
 */
export async function encoderFingerprint(files: HfModelFiles): Promise<string> {
  const tokenizer = new TextEncoder().encode(JSON.stringify(files.tokenizer));
  const both = new Uint8Array(files.onnx.length + tokenizer.length);
  both.set(files.onnx, 0);
  both.set(tokenizer, files.onnx.length);
  return sha256Hex(both);
}

function hiddenSize(config: Record<string, unknown>): number | undefined {
  for (const key of ['hidden_size', 'dim', 'd_model']) {
    const value = config[key];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

/**
 * Variants published with dynamic quantization (DynamicQuantizeLinear): each run scales its
 * activations by that run's own range, so a text batched with others (and their padding) would
 * embed differently from the same text alone. These run one text per call, so an embedding
 * depends on its text only, and the one-file export (one text per side) scores the same.
 */
const DYNAMIC_QUANTIZATION: ReadonlySet<OnnxVariant> = new Set(['q8', 'int8', 'uint8']);

export class SentenceEncoder implements Embedder {
  private readonly cache: EmbeddingCache;

  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    private readonly tokenizer: HfTokenizer,
    readonly modelId: string,
    readonly dim: number,
    readonly fingerprint: string,
    readonly ep: ExecutionProvider,
    readonly batchSize: number,
    readonly maxLength: number,
    readonly pooling: Pooling,
    readonly normalize: Normalization,
    cacheCapacity: number,
  ) {
    this.cache = new EmbeddingCache(cacheCapacity);
  }

  /** An encoder from a model folder's files (see loadSentenceEncoder to fetch them). */
  static async create(
    files: HfModelFiles,
    options: EncoderOptions & { modelId?: string },
  ): Promise<SentenceEncoder> {
    const dim = hiddenSize(files.config);
    if (dim === undefined) {
      throw new ModelLoadError('unsupported', `${files.folder}config.json gives no hidden_size.`);
    }
    const ep = options.ep ?? 'wasm';
    let session: Ort.InferenceSession;
    try {
      session = await options.ort.InferenceSession.create(files.onnx, {
        executionProviders: [ep],
        graphOptimizationLevel: 'all',
        ...(files.externalData.length ? { externalData: files.externalData } : {}),
      });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ModelLoadError('corrupt', `onnxruntime-web could not open the encoder (${why}).`);
    }
    const missing = ['input_ids', 'attention_mask'].filter((n) => !session.inputNames.includes(n));
    if (!session.outputNames.includes('last_hidden_state')) missing.push('last_hidden_state');
    if (missing.length) {
      await session.release();
      throw new ModelLoadError(
        'unsupported',
        `This ONNX graph is not a feature-extraction encoder (missing ${missing.join(', ')}).`,
      );
    }
    // Encoders are trained on [CLS] text [SEP]: let the post-processor add the special tokens.
    const tokenizer = loadTokenizer(files.tokenizer, files.tokenizerConfig, {
      addSpecialTokens: true,
    });
    const maxPositions = files.config.max_position_embeddings;
    const maxLength = Math.min(
      options.maxLength ?? 512,
      typeof maxPositions === 'number' ? maxPositions : 512,
    );
    return new SentenceEncoder(
      options.ort,
      session,
      tokenizer,
      options.modelId ?? files.folder,
      dim,
      await encoderFingerprint(files),
      ep,
      DYNAMIC_QUANTIZATION.has(files.variant) ? 1 : (options.batchSize ?? 32),
      maxLength,
      options.pooling?.pooling ?? DEFAULT_POOLING.pooling,
      options.pooling?.normalize ?? DEFAULT_POOLING.normalize,
      options.cacheCapacity ?? 20_000,
    );
  }

  get cached(): number {
    return this.cache.size;
  }

  /** Token ids with the special tokens; a text too long keeps its start and its final [SEP]. */
  tokenize(text: string): number[] {
    const ids = this.tokenizer.encode(text);
    if (ids.length <= this.maxLength) return ids;
    return [...ids.slice(0, this.maxLength - 1), ids[ids.length - 1] ?? 0];
  }

  /** One unit vector per text, in order; texts seen before come from the cache. */
  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const distinct = [...new Set(texts)];
    const missing = distinct.filter((text) => !this.cache.get(text));
    let done = distinct.length - missing.length;
    options.onProgress?.(done, distinct.length);
    // Similar lengths in one batch waste less compute on padding.
    const queue = missing
      .map((text) => ({ text, ids: this.tokenize(text) }))
      .sort((a, b) => a.ids.length - b.ids.length);
    const fresh = new Map<string, Float32Array>();
    for (const batch of batches(queue, this.batchSize)) {
      if (options.signal?.aborted) throw new DOMException('Embedding was cancelled.', 'AbortError');
      const vectors = await this.run(batch.map((item) => item.ids));
      batch.forEach((item, i) => {
        const vector = vectors[i] as Float32Array;
        fresh.set(item.text, vector);
        this.cache.set(item.text, vector);
      });
      done += batch.length;
      options.onProgress?.(done, distinct.length);
    }
    // Read fresh results first: a cache smaller than the request may have dropped some already.
    return texts.map((text) => fresh.get(text) ?? (this.cache.get(text) as Float32Array));
  }

  /** Right-padded batch -> last_hidden_state -> mean or CLS -> unit length (when asked). */
  private async run(rows: number[][]): Promise<Float32Array[]> {
    const batch = rows.length;
    const seq = Math.max(...rows.map((r) => r.length));
    const ids = new BigInt64Array(batch * seq);
    const mask = new BigInt64Array(batch * seq);
    rows.forEach((row, b) =>
      row.forEach((id, t) => {
        ids[b * seq + t] = BigInt(id);
        mask[b * seq + t] = 1n;
      }),
    );
    const T = this.ort.Tensor;
    const feeds: Record<string, Ort.Tensor> = {
      input_ids: new T('int64', ids, [batch, seq]),
      attention_mask: new T('int64', mask, [batch, seq]),
    };
    // One segment: every token type is 0.
    if (this.session.inputNames.includes('token_type_ids')) {
      feeds.token_type_ids = new T('int64', new BigInt64Array(batch * seq), [batch, seq]);
    }
    const out = await this.session.run(feeds);
    const hidden = out.last_hidden_state;
    if (!hidden || hidden.dims[2] !== this.dim) {
      throw new ModelLoadError(
        'unsupported',
        `The encoder's last_hidden_state has shape [${hidden?.dims.join(', ')}], expected width ` +
          `${this.dim} (config.json hidden_size).`,
      );
    }
    const data = (await hidden.getData()) as Float32Array;
    const spec = { pooling: this.pooling, normalize: this.normalize };
    return rows.map((row, b) => poolRow(data, b, seq, this.dim, row.length, spec));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** A batch pads every row to its longest; a row this much longer than the first starts a new one. */
const MAX_PAD_RATIO = 1.5;

/**
 * Consecutive runs of a length-sorted queue, at most `size` each, cut where padding would more
 * than MAX_PAD_RATIO the shortest row: a short response is not run at a long context's length.
 */
export function batches<T extends { ids: { readonly length: number } }>(
  queue: readonly T[],
  size: number,
): T[][] {
  const out: T[][] = [];
  for (const item of queue) {
    const batch = out.at(-1);
    const first = batch?.[0];
    const fits = batch && first && batch.length < size;
    if (fits && item.ids.length <= MAX_PAD_RATIO * first.ids.length) batch.push(item);
    else out.push([item]);
  }
  return out;
}

/** A feature-extraction folder's files and the pooling its sentence-transformers config names. */
export interface EncoderFolder {
  files: HfModelFiles;
  pooling: PoolingSpec;
}

/** Fetch an encoder folder (Hub id or URL; cached) in one of the variants it publishes. */
export async function loadEncoderFolder(
  idOrUrl: string,
  variant: OnnxVariant,
  options: LoadOptions = {},
): Promise<EncoderFolder> {
  const [files, pooling] = await Promise.all([
    loadModelFolder(idOrUrl, variant, options),
    loadPoolingSpec(idOrUrl, options),
  ]);
  return { files, pooling };
}

/** Fetch a feature-extraction folder (Hub id or URL; cached) and open it as an encoder. */
export async function loadSentenceEncoder(
  idOrUrl: string,
  options: EncoderOptions & LoadOptions & { variant?: OnnxVariant },
): Promise<SentenceEncoder> {
  const { files, pooling } = await loadEncoderFolder(idOrUrl, options.variant ?? 'fp32', options);
  return SentenceEncoder.create(files, {
    ...options,
    pooling: options.pooling ?? pooling,
    modelId: idOrUrl,
  });
}
