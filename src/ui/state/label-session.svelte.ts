// State of the Label page: the pair being edited, the prompt settings, and the latest label.
// Components read it and call its actions; the model is the app's shared LabelerModel, and the
// math lives in src/lib.
import { rateResponse, type DirectScore } from '../../lib/rlaif/direct';
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
  /** d-RLAIF: also rate each candidate 1-10 after the pair label. */
  direct = $state(true);
  /** The latest 1-10 ratings, one per candidate in stored order; null when off or not yet rated. */
  directScores: [DirectScore, DirectScore] | null = $state.raw(null);
  rating = $state(false);
  directError: string | null = $state(null);

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
    // Plain strings, not the $state array: later steps must rate the text that was labelled.
    const { context } = this.pair;
    const candidates: [string, string] = [this.pair.candidates[0], this.pair.candidates[1]];
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
        { id: 'live', context, candidates },
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
      return;
    } finally {
      if (this.scoreController === controller) this.scoring = false;
    }
    // Same controller: an edit that cancels the label in flight cancels the ratings too.
    await this.rate(labeler, controller, context, candidates);
  }

  /** Turn d-RLAIF on or off; turning it on rates the current pair without labelling it again. */
  setDirect(on: boolean): void {
    this.direct = on;
    if (!on) {
      if (this.rating) this.scoreController?.abort(); // never the pair label in flight
      this.directScores = null;
      this.rating = false;
      return;
    }
    const { context, candidates } = this.pair;
    if (this.scoring || !this.result || !context.trim()) return; // a label in flight rates when done
    let labeler: Labeler | null;
    try {
      labeler = this.model.labeler(this.snapshot());
    } catch {
      return; // the settings error is already shown by the pair label
    }
    if (!labeler) return;
    this.scoreController?.abort();
    const controller = (this.scoreController = new AbortController());
    void this.rate(labeler, controller, context, [candidates[0], candidates[1]]);
  }

  /** d-RLAIF: rate each candidate 1-10 with the labeler's task and (fallen-back) format. */
  private async rate(
    labeler: Labeler,
    controller: AbortController,
    context: string,
    candidates: readonly [string, string],
  ): Promise<void> {
    const engine = this.model.engine;
    if (!this.direct || !engine || controller.signal.aborted) return;
    const config = { task: labeler.config.prompt.task, format: labeler.config.prompt.format };
    this.rating = true;
    this.directError = null;
    try {
      // One after the other: the engine runs one request at a time anyway.
      const first = await rateResponse(engine, config, context, candidates[0], controller.signal);
      const second = await rateResponse(engine, config, context, candidates[1], controller.signal);
      if (this.scoreController === controller) this.directScores = [first, second];
    } catch (error) {
      if (!(error instanceof CancelledError) && this.scoreController === controller)
        this.directError = error instanceof Error ? error.message : String(error);
    } finally {
      if (this.scoreController === controller) this.rating = false;
    }
  }

  cancelScoring(): void {
    clearTimeout(this.timer);
    this.scoreController?.abort();
    this.scoring = false;
    this.rating = false;
  }
}
