// State of the Label page: the pair being edited, the prompt settings, and the latest label.
// Components read it and call its actions; the model is the app's shared LabelerModel, and the
// math lives in src/lib.
import { CancelledError } from '../../lib/rlaif/engine';
import { DEFAULT_LABELING, type Labeler, type LabelingConfig } from '../../lib/rlaif/labeler';
import { EXEMPLARS } from '../../lib/rlaif/probes';
import type { PairLabel, Task } from '../../lib/rlaif/types';
import type { LabelerModel } from './labeler-model.svelte';

export interface EditablePair {
  context: string;
  candidates: [string, string];
}

const DEBOUNCE_MS = 350;

export class LabelSession {
  pair: EditablePair = $state({ context: '', candidates: ['', ''] });
  /** The prompt settings; dataset runs and policy judging use the same ones. */
  config: LabelingConfig = $state(structuredClone(DEFAULT_LABELING));
  result: PairLabel | null = $state(null);
  scoring = $state(false);
  rationale: { stored: string; swapped: string } = $state({ stored: '', swapped: '' });
  error: string | null = $state(null);

  private scoreController: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly model: LabelerModel) {}

  setTask(task: Task): void {
    this.config.prompt.task = task;
    this.config.prompt.shots = Math.min(this.config.prompt.shots, EXEMPLARS[task].length);
    this.schedule();
  }

  /** The current settings as plain data (for runs, hashes and share links). */
  snapshot(): LabelingConfig {
    return $state.snapshot(this.config) as LabelingConfig;
  }

  /** Re-label after edits settle; an edit cancels the label in flight. */
  schedule(delay = DEBOUNCE_MS): void {
    clearTimeout(this.timer);
    this.scoreController?.abort();
    this.timer = setTimeout(() => void this.score(), delay);
  }

  private async score(): Promise<void> {
    const { context, candidates } = this.pair;
    if (!context.trim() || !candidates[0].trim() || !candidates[1].trim()) return;
    let labeler: Labeler | null;
    try {
      labeler = this.model.labeler(this.snapshot());
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
