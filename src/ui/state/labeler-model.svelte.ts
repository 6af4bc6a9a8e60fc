// The labeler model the whole app shares: loaded once (the embedded tiny model at start-up, or
// whatever the user picks), then used by the Label page, dataset runs and policy judging alike.
import type { AppConfig } from '@mlc-ai/web-llm';
import type { GpuStatus } from '../../lib/gpu/webgpu';
import { createEngineWorker, WorkerEngine } from '../../lib/engines/worker/client';
import type { ExecutionProvider } from '../../lib/engines/onnx/causal-lm';
import type { OnnxVariant } from '../../lib/engines/onnx/model-files';
import type { ModelReport } from '../../lib/engines/onnx/report';
import { WebLlmError, type WebLlmErrorKind } from '../../lib/engines/webllm/errors';
import type { LoadProgress } from '../../lib/engines/webllm/engine';
import { lostModelMessage, watchForLoss } from '../../lib/engines/webllm/watch-engine';
import { CancelledError, type LabelerEngine } from '../../lib/rlaif/engine';
import { createLabeler, type Labeler, type LabelingConfig } from '../../lib/rlaif/labeler';
import { EXEMPLARS } from '../../lib/rlaif/probes';
import { KINDS } from '../../lib/engines/server/kinds';
import { pageContext, type ServerModelChoice } from './server-source.svelte';

/** The model that ships with the app: tiny, random weights, there so everything works offline. */
export const EMBEDDED_MODEL = './models/tiny-llama/';

/**
 * Where a model runs when the user leaves it to us: WebGPU when there is an adapter, except for
 * the embedded tiny model, whose few thousand FLOPs per token run faster on WASM than the GPU
 * takes to compile its shaders.
 */
export function autoProvider(embedded: boolean, hasWebGpu: boolean): ExecutionProvider {
  return hasWebGpu && !embedded ? 'webgpu' : 'wasm';
}

/** Pairs in flight on a server (two requests each: both orders), matched to llama-server's -np 4. */
export const SERVER_PAIRS_IN_FLIGHT = 4;

/** Where the loaded model runs, for one line of status. */
export function runsOn(state: LoadState & { phase: 'ready' }): string {
  return state.server ?? (state.ep === 'webgpu' ? 'WebGPU' : 'WASM');
}

export type LoadState =
  | { phase: 'idle' }
  | {
      phase: 'loading';
      file: string;
      loaded: number;
      total: number | null;
      /** web-llm reports a sentence and a 0..1 fraction instead of per-file bytes. */
      text?: string;
      fraction?: number;
    }
  | {
      phase: 'ready';
      modelId: string;
      ep: ExecutionProvider;
      synthetic: boolean;
      runtime?: 'onnx' | 'web-llm' | 'server';
      /** For a server: what answered, e.g. "llama.cpp at http://127.0.0.1:8080". */
      server?: string;
    }
  | {
      phase: 'error';
      message: string;
      /** Set for web-llm failures, so the view can offer the right next step. */
      kind?: WebLlmErrorKind;
      /** The loaded model died (device lost, worker crash): offer "Reload the model". */
      reload?: boolean;
    };

export interface WebLlmModelChoice {
  modelId: string;
  /** web-llm's prebuilt models when absent; appConfigWith(...) adds self-hosted ones. */
  appConfig?: AppConfig;
  gpu: GpuStatus;
  /** Appended when the model's files are not found, e.g. how to fill models/mlc/<id>/. */
  notFoundHint?: string;
}

function webLlmProgress(p: LoadProgress): LoadState {
  return { phase: 'loading', file: '', loaded: 0, total: null, text: p.text, fraction: p.progress };
}

export interface OnnxModelChoice {
  source: string;
  variant: OnnxVariant;
  ep: ExecutionProvider;
  shaderF16: boolean;
}

export class LabelerModel {
  load: LoadState = $state({ phase: 'idle' });
  warnings: string[] = $state([]);
  /** The ONNX model report (variant, files, graph, reuse, tokens/s); null for web-llm. */
  report: ModelReport | null = $state(null);
  /** Bumped on every successful load, so views can re-run work that depends on the model. */
  generation = $state(0);

  private engine_: LabelerEngine | null = null;
  private loadController: AbortController | null = null;
  private lastWebLlm: WebLlmModelChoice | null = null;

  /** Pairs a dataset batch keeps in flight: a server serves several at once, an in-tab engine one. */
  get batchConcurrency(): number {
    return this.load.phase === 'ready' && this.load.runtime === 'server'
      ? SERVER_PAIRS_IN_FLIGHT
      : 1;
  }

  /** The loaded engine, or null while none is ready. */
  get engine(): LabelerEngine | null {
    return this.load.phase === 'ready' ? this.engine_ : null;
  }

  async loadOnnx(choice: OnnxModelChoice): Promise<void> {
    const { source, variant, ep, shaderF16 } = choice;
    const controller = await this.begin();
    try {
      const engine = await WorkerEngine.load(
        createEngineWorker(),
        { source, variant, ep, shaderF16 },
        {
          signal: controller.signal,
          onProgress: (p) => {
            if (this.loadController === controller)
              this.load = { phase: 'loading', file: p.file, loaded: p.loaded, total: p.total };
          },
          onWarning: (w) => (this.warnings = [...this.warnings, w]),
          onReport: (r) => {
            if (this.loadController === controller) this.report = r;
          },
        },
      );
      // A newer load replaced this one while it ran: this engine is nobody's.
      if (this.loadController !== controller) return void engine.dispose();
      const synthetic = Boolean(
        (engine.config.rlaif_lab as { synthetic?: boolean } | undefined)?.synthetic,
      );
      this.ready(engine, {
        phase: 'ready',
        modelId: source,
        ep: engine.executionProvider,
        synthetic,
      });
    } catch (error) {
      if (this.loadController === controller) this.failed(error);
    }
  }

  /** Load a web-llm (MLC) model in its worker; progress, errors and cancel go through `load`. */
  async loadWebLlm(choice: WebLlmModelChoice): Promise<void> {
    this.lastWebLlm = choice;
    const controller = await this.begin();
    const current = () => this.loadController === controller && !controller.signal.aborted;
    this.load = webLlmProgress({ text: 'Starting web-llm…', progress: 0 });
    try {
      // Imported on demand: web-llm is several MB, and most sessions never use it.
      const { WebLlmEngine } = await import('../../lib/engines/webllm/engine');
      const engine = await WebLlmEngine.create({
        modelId: choice.modelId,
        appConfig: choice.appConfig,
        gpu: choice.gpu,
        signal: controller.signal,
        onProgress: (p) => {
          if (current()) this.load = webLlmProgress(p);
        },
        // Comes on the first score after the load; a later load owns the warnings by then.
        onNotice: (notice) => {
          if (current()) this.warnings = [...this.warnings, notice.message];
        },
      });
      if (!current()) {
        await engine.dispose();
        throw new CancelledError('Loading');
      }
      const watched = watchForLoss(engine, (error) => this.lost(watched, error));
      this.ready(watched, {
        phase: 'ready',
        modelId: choice.modelId,
        ep: 'webgpu',
        synthetic: false,
        runtime: 'web-llm',
      });
    } catch (error) {
      // A newer load owns the state now; an aborted fetch is a cancel, whatever it threw.
      if (this.loadController !== controller) return;
      this.webLlmFailed(controller.signal.aborted ? new CancelledError('Loading') : error, choice);
    }
  }

  /**
   * Connect to an OpenAI-compatible server and load the model's tokenizer. The engine runs here on
   * the main thread: it only fetches and tokenizes. The API key goes to the engine, nowhere else.
   */
  async loadServer(choice: ServerModelChoice): Promise<void> {
    const controller = await this.begin();
    this.load = {
      phase: 'loading',
      file: '',
      loaded: 0,
      total: null,
      text: `Connecting to ${choice.baseUrl} and loading the tokenizer…`,
      fraction: 0,
    };
    try {
      // Imported on demand, like web-llm: most sessions never use a server.
      const { ServerEngine } = await import('../../lib/engines/server/engine');
      const engine = await ServerEngine.connect({
        baseUrl: choice.baseUrl,
        kind: choice.kind,
        model: choice.model || undefined,
        apiKey: choice.apiKey,
        tokenizer: { source: choice.tokenizer },
        signal: controller.signal,
        // The page's CSP: a host it refuses is named before any fetch.
        page: pageContext(),
        maxInFlight: 2 * SERVER_PAIRS_IN_FLIGHT,
      });
      if (this.loadController !== controller) return void engine.dispose();
      this.ready(engine, {
        phase: 'ready',
        modelId: engine.modelId,
        ep: 'wasm',
        synthetic: false,
        runtime: 'server',
        server: `${KINDS[engine.kind].label} at ${engine.baseUrl}`,
      });
    } catch (error) {
      if (this.loadController !== controller) return;
      this.failed(controller.signal.aborted ? new CancelledError('Loading') : error);
    }
  }

  /** Load the last web-llm model again (after its device was lost or its worker crashed). */
  reloadWebLlm(): Promise<void> {
    return this.lastWebLlm ? this.loadWebLlm(this.lastWebLlm) : Promise.resolve();
  }

  private webLlmFailed(error: unknown, choice: WebLlmModelChoice): void {
    if (!(error instanceof WebLlmError)) return this.failed(error);
    const hint = error.kind === 'model-not-found' && choice.notFoundHint;
    const message = hint ? `${error.message} ${hint}` : error.message;
    this.load = { phase: 'error', message, kind: error.kind };
  }

  /** The loaded model died: drop it (freeing its worker and GPU memory) and say to reload. */
  private lost(engine: LabelerEngine, error: WebLlmError): void {
    if (this.engine_ !== engine) return;
    this.engine_ = null;
    void engine.dispose();
    this.load = {
      phase: 'error',
      message: lostModelMessage(error),
      kind: error.kind,
      reload: true,
    };
  }

  cancelLoad(): void {
    this.loadController?.abort();
  }

  /** A labeler over the loaded engine; chat prompts fall back to raw for models without a template. */
  labeler(config: LabelingConfig): Labeler | null {
    const engine = this.engine;
    if (!engine) return null;
    const own = structuredClone(config);
    if (own.prompt.format === 'chat' && !engine.chatTemplate) own.prompt.format = 'raw';
    return createLabeler(engine, own, EXEMPLARS[own.prompt.task]);
  }

  /** Drop whatever is loaded and start a new load; returns the load's controller. */
  protected async begin(): Promise<AbortController> {
    this.cancelLoad();
    const old = this.engine_;
    this.engine_ = null;
    await old?.dispose();
    this.warnings = [];
    this.report = null;
    const controller = (this.loadController = new AbortController());
    this.load = { phase: 'loading', file: 'config.json', loaded: 0, total: null };
    return controller;
  }

  protected ready(engine: LabelerEngine, state: LoadState & { phase: 'ready' }): void {
    this.engine_ = engine;
    this.load = state;
    this.generation += 1;
  }

  protected failed(error: unknown): void {
    this.load =
      error instanceof CancelledError
        ? { phase: 'idle' }
        : { phase: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}
