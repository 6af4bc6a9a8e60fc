// The labeler engine over HTTP: an OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama,
// OpenAI) scores and generates; the model's own tokenizer builds the prompt ids here, so the
// server runs exactly the ids the ONNX engine would (BOS included). Each score says how exact it
// is (lastQuality): full-vocabulary values, or a top-N where answer ids may be missing (NaN).
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
import { StopScanner } from '../stop-strings';
import type { HfTokenizer } from '../tokenizer';
import { authHeaders, normaliseBaseUrl, probeServer, ServerConnectError } from './detect';
import { buildGenerateRequest, parseGenerateEvent, type GenerateEvent } from './generate';
import { KINDS, type ServerKind } from './kinds';
import { buildScoreRequest, type ScoreQuery } from './requests';
import { parseScore, type ScoreQuality } from './responses';
import { DEFAULT_RETRY, InFlightLimit, postJson, type FetchLike, type RetryPolicy } from './retry';
import { jsonEvents, openStream } from './stream';
import { loadPromptTools } from './tokenize';

export interface ServerEngineOptions {
  baseUrl: string;
  kind?: ServerKind | 'auto';
  /** The served model's name (vLLM, Ollama, OpenAI need it); default: the first listed. */
  model?: string;
  /** Sent as Authorization: Bearer; kept in memory only. */
  apiKey?: string;
  /** The model's tokenizer: a folder URL or Hub id, fetched like the ONNX engine's. */
  tokenizer: { source: string } | 'server';
  fetch?: FetchLike;
  /** Requests in flight at once (default 4). */
  maxInFlight?: number;
  retry?: Partial<RetryPolicy>;
  /** Recorded with every label (default: the served model's name). */
  modelId?: string;
  signal?: AbortSignal;
  /** In a page: its URL and CSP, so a host the policy refuses is named before any fetch. */
  page?: { url: string; policy: string | null };
  /** llama.cpp and other top-N-only kinds: how many top tokens to ask for (default 100). */
  topN?: number;
}

export interface ServerStats {
  /** Requests made (each score continuation and each generation is one). */
  requests: number;
  /** Attempts beyond the first, over all requests. */
  retries: number;
  promptTokens: number;
  /** Prompt tokens the server's prefix cache served, where it reports them (llama.cpp). */
  cachedTokens: number;
  /** Scores that were not exact over the full vocabulary. */
  inexactScores: number;
}

/** Vocabularies up to this size are asked for whole from top-N-only kinds: exact then. */
export const WHOLE_VOCAB_MAX = 1024;
const DEFAULT_TOP_N = 100;

export class ServerEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerEngineError';
  }
}

export class ServerEngine implements LabelerEngine {
  readonly stats: ServerStats = {
    requests: 0,
    retries: 0,
    promptTokens: 0,
    cachedTokens: 0,
    inexactScores: 0,
  };
  /** How exact the last score was (the first continuation that was least exact). */
  lastQuality: ScoreQuality | null = null;
  private readonly limit: InFlightLimit;
  private readonly policy: RetryPolicy;
  private readonly fetcher: FetchLike;

  private constructor(
    readonly baseUrl: string,
    readonly kind: ServerKind,
    readonly serverModel: string,
    readonly modelId: string,
    readonly tokenizer: HfTokenizer,
    readonly chatTemplate: ChatTemplate | undefined,
    private readonly options: ServerEngineOptions,
  ) {
    this.limit = new InFlightLimit(options.maxInFlight ?? 4);
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.fetcher = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
  }

  /** The injected fetch, counting every try after a request's first as a retry. */
  private counting(): FetchLike {
    let tries = 0;
    return (url, init) => {
      if (++tries > 1) this.stats.retries++;
      return this.fetcher(url, init);
    };
  }

  static async connect(options: ServerEngineOptions): Promise<ServerEngine> {
    const baseUrl = normaliseBaseUrl(options.baseUrl);
    const probe = await probeServer(baseUrl, options);
    const kind = options.kind && options.kind !== 'auto' ? options.kind : probe.kind;
    if (!kind)
      throw new ServerConnectError(
        'not-openai',
        baseUrl,
        `${baseUrl}: the server kind is unknown.`,
      );
    const model = options.model ?? probe.models[0] ?? '';
    if (!model && (kind === 'vllm' || kind === 'ollama' || kind === 'openai'))
      throw new ServerEngineError(
        `${KINDS[kind].label} at ${baseUrl} lists no model: name the served model.`,
      );
    if (options.model && probe.models.length && !probe.models.includes(options.model))
      throw new ServerEngineError(
        `${baseUrl} does not serve "${options.model}"; it serves ${probe.models.join(', ')}.`,
      );
    if (options.tokenizer === 'server')
      throw new ServerEngineError(
        "Tokenizer 'server' is not available yet: give the model's tokenizer (a folder with " +
          'tokenizer.json, or its Hugging Face id), so prompts are the exact ids the model expects.',
      );
    const fileFetch = options.fetch as typeof fetch | undefined;
    const tools = await loadPromptTools(options.tokenizer.source, {
      fetch: fileFetch,
      cache: null,
      signal: options.signal,
    });
    const engine = new ServerEngine(
      baseUrl,
      kind,
      model,
      options.modelId ?? model,
      tools.tokenizer,
      tools.chatTemplate,
      options,
    );
    return engine;
  }

  private get headers(): Record<string, string> {
    return authHeaders(this.options.apiKey);
  }

  /** How many top tokens a top-N-only kind is asked for: the whole vocabulary when small. */
  private topN(request: ScoreRequest): number {
    const caps = KINDS[this.kind];
    const asked = Math.max(request.topK ?? 0, request.tokenIds.length);
    if (caps.exactIds) return Math.min(request.topK ?? 0, caps.topNCap ?? Infinity);
    const wanted =
      this.tokenizer.vocabSize <= WHOLE_VOCAB_MAX
        ? this.tokenizer.vocabSize
        : Math.max(asked, this.options.topN ?? DEFAULT_TOP_N);
    return Math.min(wanted, caps.topNCap ?? Infinity);
  }

  async scoreNextToken(request: ScoreRequest): Promise<NextTokenScores[]> {
    throwIfAborted(request.signal, 'Scoring');
    const prefix = request.prefix.join('');
    // Both orders of a pair (all continuations) go out together; the limit bounds the total.
    const results = await Promise.all(
      request.continuations.map((c) =>
        this.limit.run(() => this.scoreOne(prefix + c, request), request.signal),
      ),
    );
    const worst = results.find((r) => !r.quality.exact) ?? results[0];
    this.lastQuality = worst?.quality ?? null;
    return results.map((r) => r.scores);
  }

  private async scoreOne(text: string, request: ScoreRequest) {
    const query: ScoreQuery = {
      model: this.serverModel,
      promptIds: this.tokenizer.encode(text),
      promptText: text,
      answerIds: request.tokenIds,
      topN: this.topN(request),
    };
    const { path, body } = buildScoreRequest(this.kind, query);
    const json = await this.post(path, body, request.signal);
    const parsed = parseScore(this.kind, json, query, { tokenizer: this.tokenizer });
    // The whole vocabulary may have been asked for: show only the top-k the request wants.
    parsed.scores.top = parsed.scores.top.slice(0, request.topK ?? 0);
    this.stats.promptTokens += query.promptIds.length;
    this.stats.cachedTokens += cachedOf(json);
    if (!parsed.quality.exact) this.stats.inexactScores++;
    return parsed;
  }

  private async post(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    this.stats.requests++;
    return postJson(this.baseUrl + path, body, {
      fetch: this.counting(),
      policy: this.policy,
      headers: this.headers,
      signal,
    });
  }

  generate(request: GenerateRequest): Promise<GenerateResult> {
    return this.limit.run(() => this.stream(request), request.signal);
  }

  private async stream(request: GenerateRequest): Promise<GenerateResult> {
    const text = request.prefix.join('') + request.continuation;
    const promptIds = this.tokenizer.encode(text);
    const { path, body, format } = buildGenerateRequest(this.kind, {
      model: this.serverModel,
      promptIds,
      promptText: text,
      request,
    });
    this.stats.requests++;
    this.stats.promptTokens += promptIds.length;
    // Our own controller: stopping early on a client-side stop string closes the stream too.
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const stops = request.stop ?? [];
    const scan = new StopScanner(stops);
    let finish: GenerateResult['finishReason'] = 'length';
    let predicted: number | undefined;
    const tokens: TokenLogprob[] = [];
    try {
      const stream = await openStream(this.baseUrl + path, body, {
        fetch: this.counting(),
        headers: this.headers,
        attempts: this.policy.attempts,
        baseDelayMs: this.policy.baseDelayMs,
        signal: controller.signal,
      });
      for await (const json of jsonEvents(stream, format, controller.signal)) {
        const event: GenerateEvent = parseGenerateEvent(this.kind, json, stops.length > 0);
        tokens.push(...event.tokens);
        if (event.finish) {
          finish = event.finish;
          predicted = event.predicted;
        }
        const safe = scan.push(event.text);
        if (safe) request.onToken?.(safe);
        if (scan.stopped) {
          // The server did not stop on it (or stopped late): cut here and close the stream.
          finish = 'stop';
          break;
        }
        if (event.finish) break;
      }
    } catch (error) {
      throwIfAborted(request.signal, 'Generation');
      throw error;
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
      controller.abort();
    }
    throwIfAborted(request.signal, 'Generation');
    const rest = scan.flush();
    if (rest) request.onToken?.(rest);
    return this.result(scan.result, finish, tokens, predicted, request.temperature);
  }

  /**
   * Token log-probs only when the server gave one per generated token: llama.cpp sends no event
   * for a token that ends inside a UTF-8 character (its tokens_predicted counts it, and the EOS),
   * so such a gap drops the list rather than leave a token out. Its bytes come with the next
   * event; a generation cut off inside a character ends at the last whole one (the ONNX engine
   * decodes the lone bytes as U+FFFD instead).
   */
  private result(
    text: string,
    finishReason: GenerateResult['finishReason'],
    tokens: TokenLogprob[],
    predicted: number | undefined,
    temperature: number,
  ): GenerateResult {
    const decoded = predicted ?? (tokens.length || this.tokenizer.encode(text).length);
    const eos = finishReason === 'eos' && (predicted !== undefined || tokens.length > 0) ? 1 : 0;
    const result: GenerateResult = { text, tokens: decoded - eos, finishReason };
    if (tokens.length > 0 && (predicted === undefined || predicted === tokens.length)) {
      result.tokenLogprobs = tokens;
      result.logprob = tokens.reduce((s, t) => s + t.logprob, 0);
      if (temperature === 0) result.samplerLogprob = 0;
    }
    return result;
  }

  async dispose(): Promise<void> {
    // Nothing is held open between requests: the server keeps its own caches.
  }
}

// llama.cpp reports prompt tokens served from the slot's cache as timings.cache_n; vLLM as usage.
function cachedOf(json: unknown): number {
  if (typeof json !== 'object' || json === null) return 0;
  const r = json as {
    timings?: { cache_n?: unknown };
    usage?: { prompt_tokens_details?: { cached_tokens?: unknown } };
  };
  const n = r.timings?.cache_n ?? r.usage?.prompt_tokens_details?.cached_tokens;
  return typeof n === 'number' ? n : 0;
}
