// The labeler engine on web-llm (MLC): the model runs in a worker through web-llm's own worker
// engine; the page keeps the tokenizer (fetched from the model folder, since web-llm has no public
// tokenizer API) and the chat template. Next-token scores come from the raw full-vocabulary logits
// (logit-processor.ts) when the worker captures them, else from biased log-prob reads
// (requests.ts), which give the distribution over the requested tokens only.
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
import { mapWebLlmError, workerCrashed, WebLlmError, type Phase } from './errors';
import { CAPTURE_PORT_MESSAGE, CaptureClient, fullVocabScores } from './logit-processor';
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
  /** Capture full-vocabulary logits (default true). Costs a GPU-to-CPU copy per generated token. */
  fullVocab?: boolean;
  onProgress?: (progress: LoadProgress) => void;
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

  private constructor(
    readonly modelId: string,
    readonly tokenizer: HfTokenizer,
    readonly chatTemplate: ChatTemplate | undefined,
    private readonly mlc: MlcEngine,
    private readonly worker: Worker,
    private readonly capture: CaptureClient | null,
    crashed: Promise<never>,
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
    const crashed = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (e) => reject(workerCrashed(e.message || 'script error')));
      worker.addEventListener('messageerror', () => reject(workerCrashed('unreadable message')));
    });
    let capture: CaptureClient | null = null;
    if (options.fullVocab ?? true) {
      // Sent before web-llm's reload message on the same channel, so the processor is registered
      // by the time the model loads.
      const channel = new MessageChannel();
      worker.postMessage({ kind: CAPTURE_PORT_MESSAGE }, [channel.port2]);
      capture = new CaptureClient(channel.port1);
    }
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
      return new WebLlmEngine(options.modelId, tokenizer, template, mlc, worker, capture, crashed);
    } catch (error) {
      capture?.close();
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

  /** Exact log-probs over the full vocabulary, or null when the worker captured nothing. */
  private async scoreFullVocab(prompt: string, request: ScoreRequest) {
    if (!this.capture) return null;
    const capture = this.capture;
    await capture.arm();
    const completion = await this.complete(captureRequest(prompt));
    const logits = await capture.take();
    if (!logits) return null;
    const scores = fullVocabScores(logits, request.tokenIds, request.topK ?? 0);
    return { logprobs: scores.logprobs, top: scores.top, completion };
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

  async scoreNextToken(request: ScoreRequest): Promise<NextTokenScores[]> {
    const scores: NextTokenScores[] = [];
    for (const continuation of request.continuations) {
      throwIfAborted(request.signal, 'Scoring');
      // A raw completion re-reads the whole prompt: web-llm resets its KV cache on every call.
      const prompt = request.prefix.join('') + continuation;
      const read =
        (await this.scoreFullVocab(prompt, request)) ?? (await this.scoreBiased(prompt, request));
      const promptTokens =
        read.completion?.usage?.prompt_tokens ?? this.tokenizer.encode(prompt).length;
      scores.push({ logprobs: read.logprobs, top: read.top, promptTokens });
    }
    return scores;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    throwIfAborted(request.signal, 'Generation');
    const prompt = request.prefix.join('') + request.continuation;
    const interrupt = () => this.mlc.interruptGenerate();
    request.signal?.addEventListener('abort', interrupt, { once: true });
    try {
      const stream = await this.guard(() =>
        this.mlc.completions.create(generateRequest(prompt, request)),
      );
      let text = '';
      let chunks = 0;
      let tokens: number | undefined;
      let reason: string | null = null;
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (choice?.text) {
          text += choice.text;
          chunks++;
          request.onToken?.(choice.text);
        }
        reason = choice?.finish_reason ?? reason;
        tokens = chunk.usage?.completion_tokens ?? tokens;
        if (this.crash) throw this.crash;
      }
      if (reason === 'abort' || request.signal?.aborted) throw new CancelledError('Generation');
      return { text, tokens: tokens ?? chunks, finishReason: finishReason(reason, request) };
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
    this.capture?.close();
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

/**
 * web-llm says "stop" both for a stop string and for the end-of-sequence token; with stop strings
 * requested the engine reports "stop", else "eos".
 */
function finishReason(
  reason: string | null,
  request: GenerateRequest,
): GenerateResult['finishReason'] {
  if (reason === 'length') return 'length';
  return request.stop?.length ? 'stop' : 'eos';
}
