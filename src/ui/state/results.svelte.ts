// What the Results page shows besides the current run, kept for the life of the tab and
// independent of the Lab: reward-model accuracy reported by the Reward page
// (recordRmAccuracy), and a history of every run measured here, so a speaker can compare prompts.
import { configHash } from '../../lib/rlaif/hash';
import type { LabelingConfig } from '../../lib/rlaif/labeler';
import type { Interval } from '../../lib/rlaif/metrics/intervals';
import type { PositionBiasResult } from '../../lib/rlaif/metrics/position';
import type { RunSummary } from '../../lib/rlaif/metrics/summary';
import { summarizeRun } from '../../lib/rlaif/metrics/summary';
import { promptLabel } from '../../lib/rlaif/paper';
import type { RunView } from './lab.svelte';
import { untrack } from 'svelte';

/** A reward model's pairwise accuracy on held-out human-labelled pairs. Shares are 0..1. */
export interface RmAccuracy {
  /** What the RM was trained on. */
  labels: 'ai' | 'human';
  accuracy: number;
  /** The interval's bounds (e.g. Wilson 95%). */
  lo: number;
  hi: number;
  /** Held-out pairs the accuracy rests on. */
  n: number;
  /** The encoder under the reward head, e.g. "all-MiniLM-L6-v2". */
  encoder: string;
}

/** One measured run, as the history table lists it. */
export interface RunRecord {
  key: string;
  runName: string;
  modelId: string;
  task: LabelingConfig['prompt']['task'];
  prompt: LabelingConfig['prompt'];
  /** e.g. "Detailed + CoT, 0-shot". */
  promptLabel: string;
  /** Settings outside the paper's table that change the numbers, e.g. "4 samples at T=0.7". */
  extras: string[];
  alignment: Interval;
  positionBias: PositionBiasRecord | null;
  labeled: number;
}

/** "% same position preferred" and which slot those picks favoured (null when none did). */
export interface PositionBiasRecord {
  samePosition: Interval;
  slot: 'first' | 'second' | null;
  /** Share of the same-position picks that went to `slot`. */
  slotShare: number;
}

export function positionBiasRecord(bias: PositionBiasResult): PositionBiasRecord {
  if (bias.same === 0) return { samePosition: bias.samePosition, slot: null, slotShare: NaN };
  const first = bias.first >= bias.second;
  return {
    samePosition: bias.samePosition,
    slot: first ? 'first' : 'second',
    slotShare: (first ? bias.first : bias.second) / bias.same,
  };
}

/** The run as the history needs it (RunView has these and more). */
export interface RunIdentity {
  id: string;
  name: string;
  modelId: string;
  config: LabelingConfig;
}

/** Settings that make a run differ from the paper's setup, in words. */
export function settingExtras(config: LabelingConfig): string[] {
  const extras: string[] = [];
  if (config.prompt.cot && config.samples > 1) {
    extras.push(`${config.samples} samples at T=${config.temperature}`);
  }
  if (!config.debias) extras.push('one order only');
  else if (config.averaging === 'logprob') extras.push('log-prob averaging');
  return extras;
}

function checkShare(name: string, value: number): void {
  if (!(value >= 0 && value <= 1))
    throw new RangeError(`recordRmAccuracy: ${name} = ${value}, expected a share in [0, 1]`);
}

export class ResultsRegistry {
  /** The latest reward model of each kind; a new one replaces the old. */
  rm: Partial<Record<RmAccuracy['labels'], RmAccuracy>> = $state({});
  /** Runs measured in this tab, oldest first; a run's entry is updated as it is labelled. */
  history: RunRecord[] = $state([]);

  recordRmAccuracy(entry: RmAccuracy): void {
    checkShare('accuracy', entry.accuracy);
    checkShare('lo', entry.lo);
    checkShare('hi', entry.hi);
    if (!(entry.lo <= entry.accuracy && entry.accuracy <= entry.hi)) {
      throw new RangeError(
        `recordRmAccuracy: accuracy ${entry.accuracy} outside [${entry.lo}, ${entry.hi}]`,
      );
    }
    if (!Number.isInteger(entry.n) || entry.n < 0)
      throw new RangeError(`recordRmAccuracy: n = ${entry.n}`);
    this.rm = { ...this.rm, [entry.labels]: { ...entry } };
  }

  /** Add or update a run (same run, model and settings = same entry). Runs with no labels are skipped. */
  recordRun(run: RunIdentity, summary: RunSummary): void {
    if (summary.labeled === 0) return;
    const key = `${run.id}|${run.modelId}|${configHash(run.config)}`;
    const record: RunRecord = {
      key,
      runName: run.name,
      modelId: run.modelId,
      task: run.config.prompt.task,
      prompt: run.config.prompt,
      promptLabel: promptLabel(run.config.prompt),
      extras: settingExtras(run.config),
      alignment: summary.alignment.accuracy,
      positionBias: summary.positionBias ? positionBiasRecord(summary.positionBias) : null,
      labeled: summary.labeled,
    };
    const at = this.history.findIndex((r) => r.key === key);
    this.history = at < 0 ? [...this.history, record] : this.history.with(at, record);
  }

  clearHistory(): void {
    this.history = [];
  }
}

/** The tab's one registry. */
export const results = new ResultsRegistry();

/**
 * Record into `registry` every run `source.currentRun` opens or extends, as labels arrive. Lives
 * outside any page (App starts it), so runs are kept even while the Results page is closed.
 * Returns the stop function.
 */
export function recordRunsOf(
  source: { readonly currentRun: RunView | null },
  registry: ResultsRegistry = results,
): () => void {
  return $effect.root(() => {
    $effect(() => {
      const run = source.currentRun;
      if (!run) return;
      const summary = summarizeRun(run.pairs, run.labels); // reads every label: re-runs on each
      const config = $state.snapshot(run.config) as LabelingConfig;
      const identity = { id: run.id, name: run.name, modelId: run.modelId, config };
      // The registry reads its own history to update it; that must not re-trigger this effect.
      untrack(() => registry.recordRun(identity, summary));
    });
  });
}

/** For the Reward page: report a reward model's accuracy so the Results page can show it. */
export function recordRmAccuracy(entry: RmAccuracy): void {
  results.recordRmAccuracy(entry);
}
