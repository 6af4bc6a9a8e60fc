// The page side of the engine worker: a LabelerEngine whose calls travel to the worker. The
// tokenizer and chat template live here too, built from the files the worker downloaded.
import { chatTemplateFrom, type TokenizerConfig } from '../../rlaif/chat-template';
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

type Request = WorkerRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onEvent?: (message: WorkerResponse) => void;
}

/** Request/response over one worker, with cancellation through AbortSignals. */
class Channel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  stats: EngineStats | null = null;

  constructor(private readonly worker: Worker) {
    worker.onmessage = (event: MessageEvent<WorkerResponse>) => this.receive(event.data);
    worker.onerror = (event) => this.crash(event.message || 'script error');
    worker.onmessageerror = () => this.crash('a message could not be read');
  }

  call<T>(
    request: Request,
    signal?: AbortSignal,
    onEvent?: (m: WorkerResponse) => void,
  ): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onEvent });
      const cancel = () =>
        this.worker.postMessage({ id: this.nextId++, kind: 'cancel', target: id });
      signal?.addEventListener('abort', cancel, { once: true });
      this.worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  private receive(message: WorkerResponse): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.kind === 'result') {
      this.pending.delete(message.id);
      if (message.stats) this.stats = message.stats;
      pending.resolve(message.value);
    } else if (message.kind === 'error') {
      this.pending.delete(message.id);
      pending.reject(reviveError(message.error));
    } else {
      pending.onEvent?.(message);
    }
  }

  private crash(detail: string): void {
    for (const p of this.pending.values()) p.reject(new WorkerCrashedError(detail));
    this.pending.clear();
  }

  terminate(): void {
    this.worker.terminate();
    this.crash('terminated');
  }
}

export interface WorkerLoadOptions {
  onProgress?: (progress: FileProgress) => void;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export class WorkerEngine implements LabelerEngine {
  private constructor(
    private readonly channel: Channel,
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
    const channel = new Channel(worker);
    // Resolve relative folders here: inside the worker they would resolve against its script URL.
    const resolved = { ...spec, source: folderUrl(spec.source) };
    const loaded = await channel.call<LoadedModel>(
      { kind: 'load', spec: resolved },
      options.signal,
      (m) => {
        if (m.kind === 'progress') options.onProgress?.(m.progress);
        if (m.kind === 'warning') options.onWarning?.(m.message);
      },
    );
    const tokenizer = loadTokenizer(loaded.tokenizer, loaded.tokenizerConfig);
    const template = chatTemplateFrom(loaded.tokenizerConfig as TokenizerConfig);
    return new WorkerEngine(channel, spec.source, loaded.ep, tokenizer, template, loaded.config);
  }

  get stats(): EngineStats | null {
    return this.channel.stats;
  }

  scoreNextToken({ signal, ...request }: ScoreRequest): Promise<NextTokenScores[]> {
    return this.channel.call({ kind: 'score', request }, signal);
  }

  generate({ signal, onToken, ...request }: GenerateRequest): Promise<GenerateResult> {
    return this.channel.call({ kind: 'generate', request }, signal, (m) => {
      if (m.kind === 'token') onToken?.(m.text);
    });
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
