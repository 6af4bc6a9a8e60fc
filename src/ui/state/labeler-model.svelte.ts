// The labeler model the whole app shares: loaded once (the embedded tiny model at start-up, or
// whatever the user picks), then used by the Label page, dataset runs and policy judging alike.
import { createEngineWorker, WorkerEngine } from '../../lib/engines/worker/client';
import type { ExecutionProvider } from '../../lib/engines/onnx/causal-lm';
import type { OnnxVariant } from '../../lib/engines/onnx/model-files';
import { CancelledError, type LabelerEngine } from '../../lib/rlaif/engine';
import { createLabeler, type Labeler, type LabelingConfig } from '../../lib/rlaif/labeler';
import { EXEMPLARS } from '../../lib/rlaif/probes';

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

export type LoadState =
  | { phase: 'idle' }
  | { phase: 'loading'; file: string; loaded: number; total: number | null }
  | { phase: 'ready'; modelId: string; ep: ExecutionProvider; synthetic: boolean }
  | { phase: 'error'; message: string };

export interface OnnxModelChoice {
  source: string;
  variant: OnnxVariant;
  ep: ExecutionProvider;
  shaderF16: boolean;
}

export class LabelerModel {
  load: LoadState = $state({ phase: 'idle' });
  warnings: string[] = $state([]);
  /** Bumped on every successful load, so views can re-run work that depends on the model. */
  generation = $state(0);

  private engine_: LabelerEngine | null = null;
  private loadController: AbortController | null = null;

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
          onProgress: (p) =>
            (this.load = { phase: 'loading', file: p.file, loaded: p.loaded, total: p.total }),
          onWarning: (w) => (this.warnings = [...this.warnings, w]),
        },
      );
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
      this.failed(error);
    }
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
