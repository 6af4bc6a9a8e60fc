// The labeler engine on onnxruntime-web: a transformers.js-format causal LM with its tokenizer and
// chat template. Prompts arrive as cacheable segments (see ScoreRequest); the KV cache of each
// prefix is computed once and reused, so a dataset's preamble and exemplars are read once and a
// pair's context once for both orders. On WASM the continuations then run as one batch.
import { chatTemplateFrom, type TokenizerConfig } from '../../rlaif/chat-template';
import {
  throwIfAborted,
  type ChatTemplate,
  type GenerateRequest,
  type GenerateResult,
  type LabelerEngine,
  type NextTokenScores,
  type ScoreRequest,
  type TokenLogprob,
} from '../../rlaif/engine';
import { mulberry32 } from '../../rlaif/random';
import { logSoftmax, sampleTokenWithLogprob, topK } from '../sampling';
import { firstStop, heldBack } from '../stop-strings';
import { idsKey, promptIds, type PromptEncoder, type ReuseFallback } from '../prompt-ids';
import { loadTokenizer, type HfTokenizer } from '../tokenizer';
import {
  CausalLM,
  disposeCache,
  shapeFromConfig,
  type ExecutionProvider,
  type GraphIo,
  type KvCache,
  type LlamaLikeConfig,
  type OrtModule,
} from './causal-lm';
import { hasOpType, kvDtypeFromConfig } from './graph-io';
import type { HfModelFiles } from './model-files';

export interface OnnxEngineOptions {
  ort: OrtModule;
  ep: ExecutionProvider;
  modelId: string;
  files: HfModelFiles;
  /** Reuse the KV cache of shared prefixes (default true; false is the naive baseline). */
  reusePrefix?: boolean;
  /** Run a request's continuations as one batch (default: on WASM, where it pays). */
  batchContinuations?: boolean;
}

/** Counters a benchmark or the UI can read: how much work the caches saved. */
export interface EngineStats {
  forwardCalls: number;
  tokensComputed: number;
  /** Prefix segments whose KV cache was found, not computed. */
  prefixHits: number;
  /**
   * Requests where a segment boundary fell inside a token of the whole prompt, so that segment's
   * cache stopped short of it (at the last token edge before it). 0 with reuse working fully.
   */
  reuseFallbacks: number;
  /** Why reuse last stopped short; null when it never did. */
  lastReuseFallback: ReuseFallback | null;
}

const PREFIX_CACHE_SIZE = 4;
const PREFIX_CHUNK = 256;

export class PromptTooLongError extends Error {
  constructor(
    readonly tokens: number,
    readonly limit: number,
  ) {
    super(
      `The prompt has ${tokens} tokens but this model reads at most ${limit}. Use fewer few-shot ` +
        'exemplars, a shorter preamble, or shorter texts (or a model with a longer context).',
    );
    this.name = 'PromptTooLongError';
  }
}

function eosIds(files: HfModelFiles): Set<number> {
  const ids = [files.generationConfig.eos_token_id, files.config.eos_token_id].flat();
  return new Set(ids.filter((id): id is number => typeof id === 'number'));
}

/**
 * Let queued messages (a cancel request, say) run between model calls: WASM inference resolves
 * in microtasks, which would otherwise starve a worker's message queue. A MessageChannel hop is
 * not clamped like setTimeout.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export class OnnxEngine implements LabelerEngine {
  readonly stats: EngineStats = {
    forwardCalls: 0,
    tokensComputed: 0,
    prefixHits: 0,
    reuseFallbacks: 0,
    lastReuseFallback: null,
  };
  /** Prefix caches keyed by their token ids (idsKey), so identical id prefixes hit. */
  private readonly prefixes = new Map<string, KvCache>();
  private readonly encoded = new Map<string, number[]>();
  /** One request at a time: a session runs one call at a time, and caches are shared state. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly modelId: string,
    readonly tokenizer: HfTokenizer,
    readonly chatTemplate: ChatTemplate | undefined,
    private readonly lm: CausalLM,
    private readonly eos: Set<number>,
    private readonly reusePrefix: boolean,
    private batch: boolean,
    /** config.json's max_position_embeddings; 0 when the config does not say. */
    private readonly maxPositions: number,
  ) {}

  static async create(options: OnnxEngineOptions): Promise<OnnxEngine> {
    const { files } = options;
    const tokenizer = loadTokenizer(files.tokenizer, files.tokenizerConfig);
    const template = chatTemplateFrom(files.tokenizerConfig as TokenizerConfig);
    const shape = shapeFromConfig(files.config as unknown as LlamaLikeConfig);
    const external = files.externalData.length ? files.externalData : undefined;
    const hints = {
      kvDtype: kvDtypeFromConfig(files.config, files.variant),
      modelType: typeof files.config.model_type === 'string' ? files.config.model_type : undefined,
    };
    const lm = await CausalLM.create(options.ort, files.onnx, shape, options.ep, external, hints);
    return new OnnxEngine(
      options.modelId,
      tokenizer,
      template,
      lm,
      eosIds(files),
      options.reusePrefix ?? true,
      // GroupQueryAttention refuses a batch after a past: no need to try (score() also falls back).
      options.batchContinuations ??
        (options.ep === 'wasm' && !hasOpType(files.onnx, 'GroupQueryAttention')),
      Number(files.config.max_position_embeddings) || 0,
    );
  }

  get executionProvider(): ExecutionProvider {
    return this.lm.ep;
  }

  /** The graph's interface as the session reports it: KV and logits dtypes, inputs fed. */
  get graph(): GraphIo {
    return this.lm.io;
  }

  private encode(text: string, remember: boolean): number[] {
    const known = this.encoded.get(text);
    if (known) return known;
    const ids = this.tokenizer.encode(text);
    if (remember) {
      if (this.encoded.size > 16) this.encoded.clear();
      this.encoded.set(text, ids);
    }
    return ids;
  }

  /** A forward pass that brings back each row's last logits only, or none for a prefix. */
  private async forward(rows: number[][], past: KvCache | null, readLogits = true) {
    await yieldToEventLoop();
    this.stats.forwardCalls++;
    this.stats.tokensComputed += rows.reduce((s, r) => s + r.length, 0);
    return this.lm.forward(rows, past, readLogits ? 'last' : 'none');
  }

  /**
   * The cache after `ids`, in chunks of at most PREFIX_CHUNK tokens: identical results, and the
   * logits the graph insists on computing stay small (chunk x vocabulary) and are never read.
   */
  private async extend(
    ids: number[],
    past: KvCache | null,
    signal?: AbortSignal,
  ): Promise<KvCache> {
    let cache = past;
    for (let at = 0; at < ids.length; at += PREFIX_CHUNK) {
      throwIfAborted(signal, 'Scoring');
      const result = await this.forward([ids.slice(at, at + PREFIX_CHUNK)], cache, false);
      if (cache !== past) disposeCache(cache);
      cache = result.present;
    }
    if (!cache) throw new Error('extend needs at least one token');
    return cache;
  }

  /** Refuse prompts longer than the model's positions, with what to do about it. */
  private checkLength(tokens: number): void {
    if (this.maxPositions && tokens > this.maxPositions) {
      throw new PromptTooLongError(tokens, this.maxPositions);
    }
  }

  /** The KV cache after ids[0, cuts.at(-1)), from the cache or computed cut by cut. */
  private async prefixCache(
    ids: number[],
    cuts: number[],
    signal?: AbortSignal,
  ): Promise<KvCache | null> {
    let past: KvCache | null = null;
    let done = 0;
    for (const cut of cuts) {
      const key = idsKey(ids.slice(0, cut));
      const hit = this.prefixes.get(key);
      if (hit) {
        this.stats.prefixHits++;
        this.prefixes.delete(key); // re-insert: most recently used last
        this.prefixes.set(key, hit);
        past = hit;
      } else {
        past = await this.extend(ids.slice(done, cut), past, signal);
        this.remember(key, past);
      }
      done = cut;
    }
    return past;
  }

  private remember(key: string, cache: KvCache): void {
    this.prefixes.set(key, cache);
    while (this.prefixes.size > PREFIX_CACHE_SIZE) {
      const [oldest, evicted] = this.prefixes.entries().next().value as [string, KvCache];
      this.prefixes.delete(oldest);
      // A parent prefix may still be referenced by a child's computation in flight: GPU buffers
      // are freed only for entries no longer cached (children hold their own present tensors).
      disposeCache(evicted);
    }
  }

  /** Prefix texts are memoised (a dataset's is shared by every pair); whole prompts are not. */
  private readonly encoder: PromptEncoder = {
    head: (text) => this.encode(text, true),
    whole: (text) => this.encode(text, false),
  };

  /**
   * For each continuation: the ids to run and the cache they run after (null: from scratch).
   * Together they are always exactly the whole prompt's ids (see prompt-ids.ts).
   */
  private async plan(prefix: string[], continuations: string[], signal?: AbortSignal) {
    const plans = continuations.map((c) =>
      this.reusePrefix
        ? promptIds(this.encoder, prefix, c)
        : promptIds(this.encoder, [], prefix.join('') + c),
    );
    for (const p of plans) this.checkLength(p.ids.length);
    const fallback = plans.find((p) => p.fallback)?.fallback;
    if (fallback) {
      this.stats.reuseFallbacks++;
      this.stats.lastReuseFallback = fallback;
    }
    // One cache per distinct prefix: the continuations of one request usually share it.
    const pasts = new Map<string, KvCache | null>();
    const runs: { ids: number[]; past: KvCache | null }[] = [];
    for (const p of plans) {
      const at = p.cuts.at(-1) ?? 0;
      const key = idsKey(p.ids.slice(0, at));
      if (!pasts.has(key)) pasts.set(key, await this.prefixCache(p.ids, p.cuts, signal));
      runs.push({ ids: p.ids.slice(at), past: pasts.get(key)! });
    }
    return runs;
  }

  private exclusive<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  scoreNextToken(request: ScoreRequest): Promise<NextTokenScores[]> {
    return this.exclusive(() => this.score(request));
  }

  generate(request: GenerateRequest): Promise<GenerateResult> {
    return this.exclusive(() => this.decode(request));
  }

  private async score(request: ScoreRequest): Promise<NextTokenScores[]> {
    const { signal } = request;
    const plans = await this.plan(request.prefix, request.continuations, signal);
    const prefixTokens = plans[0]!.past?.length ?? 0;
    const read = (row: Float32Array, promptTokens: number): NextTokenScores => {
      const logprobs = logSoftmax(row);
      return {
        logprobs: request.tokenIds.map((id) => logprobs[id] ?? -Infinity),
        top: topK(logprobs, request.topK ?? 0),
        promptTokens,
      };
    };
    const shared = plans.every((p) => p.past === plans[0]!.past) && plans[0]!.past !== null;
    if (this.batch && plans.length > 1 && shared) {
      throwIfAborted(signal, 'Scoring');
      try {
        const past = await this.lm.repeatCache(plans[0]!.past!, plans.length);
        const result = await this.forward(
          plans.map((p) => p.ids),
          past,
        );
        return plans.map((p, b) =>
          read(this.lm.row(result, b, p.ids.length - 1), prefixTokens + p.ids.length),
        );
      } catch (error) {
        if (signal?.aborted) throw error;
        // Some graphs take one sequence at a time after a past (GroupQueryAttention: "batch_size
        // must be 1 when sequence_length > 1 and past context is given"): one by one from now on.
        this.batch = false;
      }
    }
    const scores: NextTokenScores[] = [];
    for (const p of plans) {
      throwIfAborted(signal, 'Scoring');
      const result = await this.forward([p.ids], p.past);
      scores.push(
        read(this.lm.row(result, 0, p.ids.length - 1), (p.past?.length ?? 0) + p.ids.length),
      );
      disposeCache(result.present);
    }
    return scores;
  }

  private async decode(request: GenerateRequest): Promise<GenerateResult> {
    const { signal } = request;
    const [plan] = await this.plan(request.prefix, [request.continuation], signal);
    const random = mulberry32(request.seed ?? 0);
    const stops = request.stop ?? [];
    const generated: number[] = [];
    // log pi(token) at temperature 1 (the model itself) and log q(token) (what sampled it).
    const tokenLogprobs: TokenLogprob[] = [];
    let samplerLogprob = 0;
    let text = '';
    let emitted = 0;
    let result = await this.forward([plan!.ids], plan!.past);
    let row = this.lm.row(result, 0, plan!.ids.length - 1);
    let finishReason: GenerateResult['finishReason'] = 'length';
    const promptLength = (plan!.past?.length ?? 0) + plan!.ids.length;
    const room = this.maxPositions ? this.maxPositions - promptLength : Infinity;
    const maxTokens = Math.min(request.maxTokens, room);
    while (generated.length < maxTokens) {
      throwIfAborted(signal, 'Generation');
      const sampled = sampleTokenWithLogprob(row, request, random);
      const next = sampled.id;
      tokenLogprobs.push({ id: next, logprob: logSoftmax(row)[next]! });
      samplerLogprob += sampled.logprob;
      if (this.eos.has(next)) {
        finishReason = 'eos';
        break;
      }
      generated.push(next);
      text = this.tokenizer.decode(generated);
      const stopAt = firstStop(text, stops);
      if (stopAt >= 0) {
        text = text.slice(0, stopAt);
        finishReason = 'stop';
        break;
      }
      const safe = text.length - heldBack(text, stops);
      if (safe > emitted) request.onToken?.(text.slice(emitted, safe));
      emitted = Math.max(emitted, safe);
      if (generated.length === maxTokens) break;
      const previous = result.present;
      result = await this.forward([[next]], previous);
      if (previous !== plan!.past) disposeCache(previous);
      row = this.lm.row(result, 0, 0);
    }
    if (text.length > emitted) request.onToken?.(text.slice(emitted));
    if (result.present !== plan!.past) disposeCache(result.present);
    const logprob = tokenLogprobs.reduce((sum, t) => sum + t.logprob, 0);
    return {
      text,
      tokens: generated.length,
      finishReason,
      tokenLogprobs,
      logprob,
      samplerLogprob,
    };
  }

  async dispose(): Promise<void> {
    await this.queue;
    for (const cache of this.prefixes.values()) disposeCache(cache);
    this.prefixes.clear();
    await this.lm.release();
  }
}
