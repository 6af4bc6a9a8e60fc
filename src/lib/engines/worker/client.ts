// The page side of the engine worker: a LabelerEngine whose calls travel to the worker. The
// tokenizer and chat template live here too, built from the files the worker downloaded.
import { chatTemplateFrom, type TokenizerConfig } from '../../rlaif/chat-template';
import { Channel } from '../../worker/channel';
import type {
  ChatTemplate,
  GenerateRequest,
  GenerateResult,
  LabelerEngine,
  NextTokenScores,
  ScoreRequest,
} from '../../rlaif/engine';
import type { ExecutionProvider } from '../onnx/causal-lm';
import type { EngineStats } from '../onnx/engine';
import { folderUrl, type FileProgress } from '../onnx/model-files';
import type { ModelReport } from '../onnx/report';
import { loadTokenizer, type HfTokenizer } from '../tokenizer';
import {
  reviveError,
  type LoadedModel,
  type LoadSpec,
  type WorkerRequest,
  type WorkerResponse,
} from './protocol';

export class WorkerCrashedError extends Error {
  constructor(detail: string) {
    super(
      `The model worker stopped (${detail}). Labels made so far are kept; load the model again to ` +
        'continue, or pick a smaller model if it ran out of memory.',
    );
    this.name = 'WorkerCrashedError';
  }
}

export interface WorkerLoadOptions {
  onProgress?: (progress: FileProgress) => void;
  onWarning?: (message: string) => void;
  /** The model report: once with the load, then after every call (tokens/s, reuse). */
  onReport?: (report: ModelReport) => void;
  signal?: AbortSignal;
}

export class WorkerEngine implements LabelerEngine {
  private constructor(
    private readonly channel: Channel<WorkerRequest, WorkerResponse>,
    private readonly stats_: { last: EngineStats | null },
    readonly modelId: string,
    readonly executionProvider: ExecutionProvider,
    readonly tokenizer: HfTokenizer,
    readonly chatTemplate: ChatTemplate | undefined,
    readonly config: Record<string, unknown>,
  ) {}

  /** Load a model into `worker` (a module worker running onnx.worker.ts). */
  static async load(
    worker: Worker,
    spec: LoadSpec,
    options: WorkerLoadOptions = {},
  ): Promise<WorkerEngine> {
    const stats = { last: null as EngineStats | null };
    const channel = new Channel<WorkerRequest, WorkerResponse>(worker, {
      revive: (message) => reviveError(message.error),
      crashed: (detail) => new WorkerCrashedError(detail),
      onResult: (message) => {
        if (message.stats) stats.last = message.stats;
        if (message.report) options.onReport?.(message.report);
      },
    });
    // Resolve relative folders here: inside the worker they would resolve against its script URL.
    const resolved = { ...spec, source: folderUrl(spec.source) };
    const loaded = await channel.call<LoadedModel>(
      { kind: 'load', spec: resolved },
      {
        signal: options.signal,
        onEvent: (m) => {
          if (m.kind === 'progress') options.onProgress?.(m.progress);
          if (m.kind === 'warning') options.onWarning?.(m.message);
        },
      },
    );
    options.onReport?.(loaded.report);
    const tokenizer = loadTokenizer(loaded.tokenizer, loaded.tokenizerConfig);
    const template = chatTemplateFrom(loaded.tokenizerConfig as TokenizerConfig);
    return new WorkerEngine(
      channel,
      stats,
      spec.source,
      loaded.ep,
      tokenizer,
      template,
      loaded.config,
    );
  }

  get stats(): EngineStats | null {
    return this.stats_.last;
  }

  scoreNextToken({ signal, ...request }: ScoreRequest): Promise<NextTokenScores[]> {
    return this.channel.call({ kind: 'score', request }, { signal });
  }

  generate({ signal, onToken, ...request }: GenerateRequest): Promise<GenerateResult> {
    return this.channel.call(
      { kind: 'generate', request },
      { signal, onEvent: (m) => void (m.kind === 'token' && onToken?.(m.text)) },
    );
  }

  async dispose(): Promise<void> {
    await this.channel.call({ kind: 'dispose' }).catch(() => undefined);
    this.channel.terminate();
  }
}

/** A new engine worker, bundled by Vite as a module worker. */
export function createEngineWorker(): Worker {
  return new Worker(new URL('./onnx.worker.ts', import.meta.url), {
    type: 'module',
    name: 'rlaif-engine',
  });
}
