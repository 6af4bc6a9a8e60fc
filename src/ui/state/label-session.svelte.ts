// State of the Label page: which model is loaded, the pair being edited, the prompt settings, and
// the latest label. Components read it and call its actions; the math lives in src/lib.
import { createEngineWorker, WorkerEngine } from '../../lib/engines/worker/client';
import type { ExecutionProvider } from '../../lib/engines/onnx/causal-lm';
import type { OnnxVariant } from '../../lib/engines/onnx/model-files';
import { CancelledError } from '../../lib/rlaif/engine';
import {
  createLabeler,
  DEFAULT_LABELING,
  type Labeler,
  type LabelingConfig,
} from '../../lib/rlaif/labeler';
import { EXEMPLARS } from '../../lib/rlaif/probes';
import type { PairLabel, Task } from '../../lib/rlaif/types';

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

export interface EditablePair {
  context: string;
  candidates: [string, string];
}

const DEBOUNCE_MS = 350;

export class LabelSession {
  load: LoadState = $state({ phase: 'idle' });
  warnings: string[] = $state([]);
  pair: EditablePair = $state({ context: '', candidates: ['', ''] });
  config: LabelingConfig = $state(structuredClone(DEFAULT_LABELING));
  result: PairLabel | null = $state(null);
  scoring = $state(false);
  rationale: { stored: string; swapped: string } = $state({ stored: '', swapped: '' });
  error: string | null = $state(null);

  private engine: WorkerEngine | null = null;
  private loadController: AbortController | null = null;
  private scoreController: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  async loadModel(source: string, variant: OnnxVariant, ep: ExecutionProvider, shaderF16: boolean) {
    this.cancelLoad();
    await this.engine?.dispose();
    this.engine = null;
    this.result = null;
    this.warnings = [];
    const controller = (this.loadController = new AbortController());
    this.load = { phase: 'loading', file: 'config.json', loaded: 0, total: null };
    try {
      this.engine = await WorkerEngine.load(
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
        (this.engine.config.rlaif_lab as { synthetic?: boolean } | undefined)?.synthetic,
      );
      this.load = { phase: 'ready', modelId: source, ep: this.engine.executionProvider, synthetic };
      this.schedule(0);
    } catch (error) {
      this.load =
        error instanceof CancelledError
          ? { phase: 'idle' }
          : { phase: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  cancelLoad(): void {
    this.loadController?.abort();
  }

  setTask(task: Task): void {
    this.config.prompt.task = task;
    this.config.prompt.shots = Math.min(this.config.prompt.shots, EXEMPLARS[task].length);
    this.schedule();
  }

  /** Re-label after edits settle; an edit cancels the label in flight. */
  schedule(delay = DEBOUNCE_MS): void {
    clearTimeout(this.timer);
    this.scoreController?.abort();
    this.timer = setTimeout(() => void this.score(), delay);
  }

  private labeler(): Labeler | null {
    if (!this.engine) return null;
    const config = $state.snapshot(this.config) as LabelingConfig;
    if (config.prompt.format === 'chat' && !this.engine.chatTemplate) config.prompt.format = 'raw';
    return createLabeler(this.engine, config, EXEMPLARS[config.prompt.task]);
  }

  private async score(): Promise<void> {
    const { context, candidates } = this.pair;
    if (!context.trim() || !candidates[0].trim() || !candidates[1].trim()) return;
    let labeler: Labeler | null;
    try {
      labeler = this.labeler();
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      return;
    }
    if (!labeler) return;
    const controller = (this.scoreController = new AbortController());
    this.scoring = true;
    this.error = null;
    this.rationale = { stored: '', swapped: '' };
    try {
      this.result = await labeler.label(
        { id: 'live', context, candidates: [candidates[0], candidates[1]] },
        {
          signal: controller.signal,
          topK: 8,
          onRationale: (order, sample, text) => {
            if (sample === 0) this.rationale = { ...this.rationale, [order]: text };
          },
        },
      );
    } catch (error) {
      if (!(error instanceof CancelledError))
        this.error = error instanceof Error ? error.message : String(error);
    } finally {
      if (this.scoreController === controller) this.scoring = false;
    }
  }

  cancelScoring(): void {
    clearTimeout(this.timer);
    this.scoreController?.abort();
    this.scoring = false;
  }
}
