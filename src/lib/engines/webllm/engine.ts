// The labeler engine on web-llm (MLC): the model runs in a worker through web-llm's own worker
// engine; the page keeps the tokenizer (fetched from the model folder, since web-llm has no public
// tokenizer API) and the chat template. Next-token scores come from the raw full-vocabulary logits
// (logit-processor.ts), or, with capture turned off, from biased log-prob reads (requests.ts), which
// give the distribution over the requested tokens only. The pages share one engine and the capture
// is one slot in the worker, so requests run one at a time, in order.
import {
  CreateWebWorkerMLCEngine,
  prebuiltAppConfig,
  type AppConfig,
  type Completion,
  type InitProgressReport,
  type MLCEngineConfig,
  type MLCEngineInterface,
  type ModelRecord,
} from '@mlc-ai/web-llm';
import type { GpuStatus } from '../../gpu/webgpu';
import { chatTemplateFrom, type TokenizerConfig } from '../../rlaif/chat-template';
import {
  CancelledError,
  throwIfAborted,
  type ChatTemplate,
  type GenerateRequest,
  type GenerateResult,
  type LabelerEngine,
  type NextTokenScores,
  type ScoreRequest,
} from '../../rlaif/engine';
import { fetchModelFile, ModelLoadError } from '../onnx/model-files';
import { loadTokenizer, type HfTokenizer } from '../tokenizer';
import { withCacheBackend, type CacheBackend } from './cache';
import { findRecord, needsShaderF16 } from './catalog';
import { modelFileUrl } from './custom-model';
import {
  captureFailed,
  mapWebLlmError,
  tokenizerMismatch,
  workerCrashed,
  WebLlmError,
  type Phase,
  type WebLlmNotice,
} from './errors';

export type { WebLlmNotice } from './errors';
import {
  CaptureClient,
  fullVocabScores,
  SIDE_PORT_MESSAGE,
  type SidePortMessage,
} from './logit-processor';
import {
  biasedScoreRequest,
  biasGroups,
  captureRequest,
  generateRequest,
  mergeBiasedGroups,
  readBiasedLogprobs,
  readTopTokens,
  topTokensRequest,
} from './requests';
import { StopScanner } from '../stop-strings';

/** Load progress: web-llm reports a sentence and a fraction, not per-file bytes. */
export interface LoadProgress {
  text: string;
  /** 0..1 */
  progress: number;
}

/** What the engine uses of web-llm's engine (a fake can stand in for glue tests). */
export type MlcEngine = Pick<MLCEngineInterface, 'completions' | 'interruptGenerate' | 'unload'>;

export type CreateMlcEngine = (
  worker: Worker,
  modelId: string,
  config: MLCEngineConfig,
) => Promise<MlcEngine>;

export interface WebLlmEngineOptions {
  modelId: string;
  /** Prebuilt models by default; add self-hosted ones with appConfigWith (custom-model.ts). */
  appConfig?: AppConfig;
  cacheBackend?: CacheBackend;
  /** When given, f16 builds on adapters without shader-f16 fail before any download. */
  gpu?: GpuStatus;
  /**
   * Capture full-vocabulary logits (default true). Costs a GPU-to-CPU copy per generated token.
   * Without it scores are biased reads: normalised over the requested ids, so the mass on other
   * tokens is unknown (it reads 0), and a single id cannot be read at all.
   */
  fullVocab?: boolean;
  onProgress?: (progress: LoadProgress) => void;
  /** Called on the first score after the load if web-llm's tokenizer disagrees with the app's. */
  onNotice?: (notice: WebLlmNotice) => void;
  signal?: AbortSignal;
  /** For the tokenizer files; the browser's fetch and Cache API by default. */
  fetch?: typeof fetch;
  cache?: Cache | null;
  createWorker?: () => Worker;
  createEngine?: CreateMlcEngine;
}

/** How long dispose() waits for web-llm to unload before it terminates the worker regardless. */
const UNLOAD_TIMEOUT_MS = 3000;

export function createWebLlmWorker(): Worker {
  return new Worker(new URL('./webllm.worker.ts', import.meta.url), {
    type: 'module',
    name: 'rlaif-webllm',
  });
}

/** A model's tokenizer, chat template and output size, from the files next to its weights. */
async function loadTokenizerFiles(record: ModelRecord, options: WebLlmEngineOptions) {
  const json = async (file: string, optional: boolean): Promise<Record<string, unknown>> => {
    const url = modelFileUrl(record.model, file);
    try {
      const bytes = await fetchModelFile(url, file, {
        fetch: options.fetch,
        cache: options.cache,
        signal: options.signal,
        onProgress: (p) => options.onProgress?.({ text: `Fetching ${p.file}`, progress: 0 }),
      });
      return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    } catch (error) {
      if (optional) return {};
      if (error instanceof ModelLoadError) {
        const kind = error.kind === 'network' ? 'network' : 'model-not-found';
        throw new WebLlmError(kind, error.message, error.message);
      }
      throw mapWebLlmError(error, 'load');
    }
  };
  const [tokenizerJson, tokenizerConfig, chatConfig] = await Promise.all([
    json('tokenizer.json', false),
    json('tokenizer_config.json', true),
    json('mlc-chat-config.json', true),
  ]);
  const tokenizer = loadTokenizer(tokenizerJson, tokenizerConfig);
  // The model's logits can be longer than the tokenizer's vocabulary (padded embedding rows).
  const vocab = chatConfig.vocab_size;
  const access: HfTokenizer =
    typeof vocab === 'number' && vocab > tokenizer.vocabSize
      ? { ...tokenizer, vocabSize: vocab }
      : tokenizer;
  return { tokenizer: access, template: chatTemplateFrom(tokenizerConfig as TokenizerConfig) };
}

function checkAdapter(record: ModelRecord, gpu: GpuStatus | undefined): void {
  if (!gpu) return;
  if (gpu.kind !== 'webgpu') throw mapWebLlmError('WebGPUNotAvailableError', 'load');
  if (needsShaderF16(record) && !gpu.shaderF16)
    throw mapWebLlmError('ShaderF16SupportError', 'load');
}

export class WebLlmEngine implements LabelerEngine {
  private crash: WebLlmError | null = null;
  private readonly crashed: Promise<never>;
  /** The end of the request queue: each request starts when the one before it has settled. */
  private queue: Promise<unknown> = Promise.resolve();
  private checkedTokenizer = false;

  private constructor(
    readonly modelId: string,
    readonly tokenizer: HfTokenizer,
    readonly chatTemplate: ChatTemplate | undefined,
    private readonly mlc: MlcEngine,
    private readonly worker: Worker,
    private readonly side: CaptureClient,
    private readonly fullVocab: boolean,
    crashed: Promise<never>,
    private readonly onNotice?: (notice: WebLlmNotice) => void,
  ) {
    this.crashed = crashed.catch((error: WebLlmError) => {
      this.crash = error;
      throw error;
    });
    this.crashed.catch(() => undefined); // observed by guard(); never an unhandled rejection
  }

  static async create(options: WebLlmEngineOptions): Promise<WebLlmEngine> {
    const appConfig = withCacheBackend(
      options.appConfig ?? prebuiltAppConfig,
      options.cacheBackend,
    );
    const record = findRecord(options.modelId, appConfig);
    if (!record) throw mapWebLlmError(`ModelNotFoundError: ${options.modelId}`, 'load');
    checkAdapter(record, options.gpu);
    const { tokenizer, template } = await loadTokenizerFiles(record, options);
    throwIfAborted(options.signal, 'Loading the model');

    const worker = (options.createWorker ?? createWebLlmWorker)();
    let lose!: (error: WebLlmError) => void;
    const crashed = new Promise<never>((_, reject) => {
      lose = reject;
      worker.addEventListener('error', (e) => reject(workerCrashed(e.message || 'script error')));
      worker.addEventListener('messageerror', () => reject(workerCrashed('unreadable message')));
    });
    // Sent before web-llm's reload message on the same channel, so the processor is registered
    // by the time the model loads. The worker reports a lost GPU device on it too.
    const fullVocab = options.fullVocab ?? true;
    const channel = new MessageChannel();
    worker.postMessage({ kind: SIDE_PORT_MESSAGE, capture: fullVocab } satisfies SidePortMessage, [
      channel.port2,
    ]);
    let phase: Phase = 'load';
    const side = new CaptureClient(channel.port1, (message) =>
      lose(mapWebLlmError(`DeviceLostError: ${message}`, phase)),
    );
    const create = options.createEngine ?? (CreateWebWorkerMLCEngine as CreateMlcEngine);
    const initProgressCallback = (r: InitProgressReport) =>
      options.onProgress?.({ text: r.text, progress: r.progress });
    const cancelled = new Promise<never>((_, reject) =>
      options.signal?.addEventListener('abort', () => reject(new CancelledError('Loading')), {
        once: true,
      }),
    );
    try {
      const mlc = await Promise.race([
        create(worker, options.modelId, { appConfig, initProgressCallback }),
        crashed,
        cancelled,
      ]);
      phase = 'label';
      const { modelId, onNotice } = options;
      return new WebLlmEngine(
        modelId,
        tokenizer,
        template,
        mlc,
        worker,
        side,
        fullVocab,
        crashed,
        onNotice,
      );
    } catch (error) {
      side.close();
      worker.terminate();
      throw error instanceof CancelledError ? error : mapWebLlmError(error, 'load');
    }
  }

  /** One web-llm call, failing fast if the worker dies, with web-llm's errors mapped. */
  private async guard<T>(call: () => Promise<T>, phase: Phase = 'label'): Promise<T> {
    if (this.crash) throw this.crash;
    try {
      return await Promise.race([call(), this.crashed]);
    } catch (error) {
      throw mapWebLlmError(error, phase);
    }
  }

  private complete(request: Parameters<MlcEngine['completions']['create']>[0]) {
    return this.guard(() => this.mlc.completions.create(request) as Promise<Completion>);
  }

  /**
   * The stream's chunks until it ends or the worker dies (a dead worker never answers, and the
   * queue waits on this request). Leaving early closes the stream, which stops web-llm's
   * generator in the worker and frees its lock.
   */
  private async *chunks<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
    const source = stream[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await Promise.race([source.next(), this.crashed]);
        if (next.done) return;
        yield next.value;
      }
    } finally {
      if (!this.crash) await source.return?.();
    }
  }

  /** Run `work` after every request before it has settled (the worker has one capture slot). */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Exact log-probs over the full vocabulary, from this request's own prefill logits. */
  private async scoreFullVocab(prompt: string, request: ScoreRequest) {
    await this.guard(() => this.side.arm());
    const completion = await this.complete(captureRequest(prompt));
    const { logits, completions } = await this.guard(() => this.side.take());
    if (!logits || completions !== 1) throw captureFailed(completions);
    const scores = fullVocabScores(logits, request.tokenIds, request.topK ?? 0);
    return { logprobs: scores.logprobs, top: scores.top, completion };
  }

  /** Once per load: web-llm tokenizes with its own tokenizer; a different count is a warning. */
  private checkTokenizer(prompt: string, completion: Completion | undefined): void {
    const webLlm = completion?.usage?.prompt_tokens;
    if (this.checkedTokenizer || webLlm === undefined) return;
    this.checkedTokenizer = true;
    const app = this.tokenizer.encode(prompt).length;
    if (webLlm !== app) this.onNotice?.(tokenizerMismatch(webLlm, app));
  }

  /** Log-probs over the requested ids only (every other token biased away). */
  private async scoreBiased(prompt: string, request: ScoreRequest) {
    const groups: Map<number, number>[] = [];
    let completion: Completion | undefined;
    for (const group of biasGroups(request.tokenIds)) {
      throwIfAborted(request.signal, 'Scoring');
      completion = await this.complete(biasedScoreRequest(prompt, group));
      const candidates = group.map((id) => ({ id, text: this.tokenizer.decode([id]) }));
      groups.push(readBiasedLogprobs(completion, candidates));
    }
    let top: NextTokenScores['top'] = [];
    if ((request.topK ?? 0) > 0) {
      const unbiased = await this.complete(topTokensRequest(prompt, request.topK ?? 0));
      top = readTopTokens(unbiased, (text) => {
        const ids = this.tokenizer.encode(text);
        return ids.length === 1 ? ids[0] : undefined;
      });
    }
    return { logprobs: mergeBiasedGroups(request.tokenIds, groups), top, completion };
  }

  scoreNextToken(request: ScoreRequest): Promise<NextTokenScores[]> {
    return this.exclusive(() => this.score(request));
  }

  private async score(request: ScoreRequest): Promise<NextTokenScores[]> {
    const scores: NextTokenScores[] = [];
    for (const continuation of request.continuations) {
      throwIfAborted(request.signal, 'Scoring');
      // A raw completion re-reads the whole prompt: web-llm resets its KV cache on every call.
      const prompt = request.prefix.join('') + continuation;
      const read = this.fullVocab
        ? await this.scoreFullVocab(prompt, request)
        : await this.scoreBiased(prompt, request);
      this.checkTokenizer(prompt, read.completion);
      const promptTokens =
        read.completion?.usage?.prompt_tokens ?? this.tokenizer.encode(prompt).length;
      scores.push({ logprobs: read.logprobs, top: read.top, promptTokens });
    }
    return scores;
  }

  generate(request: GenerateRequest): Promise<GenerateResult> {
    return this.exclusive(() => this.stream(request));
  }

  private async stream(request: GenerateRequest): Promise<GenerateResult> {
    throwIfAborted(request.signal, 'Generation');
    const prompt = request.prefix.join('') + request.continuation;
    const interrupt = () => void this.mlc.interruptGenerate();
    request.signal?.addEventListener('abort', interrupt, { once: true });
    try {
      const stream = await this.guard(() =>
        this.mlc.completions.create(generateRequest(prompt, request)),
      );
      const stops = new StopScanner(request.stop ?? []);
      let steps = 0;
      let tokens: number | undefined;
      let reason: string | null = null;
      // web-llm drops an interrupt sent before its generator first ran: breaking out stops it.
      for await (const chunk of this.chunks(stream)) {
        if (request.signal?.aborted) break;
        const choice = chunk.choices[0];
        if (choice && choice.finish_reason === null) steps++;
        const shown = stops.push(choice?.text ?? '');
        if (shown) request.onToken?.(shown);
        if (stops.stopped) break;
        reason = choice?.finish_reason ?? reason;
        tokens = chunk.usage?.completion_tokens ?? tokens;
      }
      if (request.signal?.aborted || reason === 'abort') throw new CancelledError('Generation');
      if (!stops.stopped) {
        const rest = stops.flush();
        if (rest) request.onToken?.(rest);
      }
      const finish = stops.stopped ? 'stop' : reason === 'length' ? 'length' : 'eos';
      return { text: stops.result, tokens: tokens ?? steps, finishReason: finish };
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      throw mapWebLlmError(error, 'label');
    } finally {
      request.signal?.removeEventListener('abort', interrupt);
    }
  }

  /**
   * Calls back once if the worker dies, so the app can drop the model at once instead of finding
   * out on the next label.
   */
  onCrash(listener: (error: WebLlmError) => void): void {
    this.crashed.catch(listener);
  }

  async dispose(): Promise<void> {
    this.side.close();
    // After a lost device the worker may never answer unload; terminating frees the GPU anyway.
    if (!this.crash) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((ok) => (timer = setTimeout(ok, UNLOAD_TIMEOUT_MS)));
      await Promise.race([this.mlc.unload().catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
    this.worker.terminate();
  }
}
