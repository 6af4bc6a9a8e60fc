// State of the Dataset page: a staged source (pairs and their parse report, not yet a run), the
// saved runs, the open run with its labels, and the batch labelling it. One instance per Lab, kept
// across page visits, so leaving the page never stops (or forgets) a running batch. Every label is
// saved to IndexedDB before the next pair starts; the math lives in src/lib. It is the page's one
// entry point; beside it: dataset-sources.svelte.ts (reading sources), dataset-runs.svelte.ts (the
// run store and the list of runs), dataset-batch.svelte.ts (batch labelling), dataset-import.ts
// (labels files in) and dataset-views.ts (table rows and chart numbers).
import type { BatchProgress } from '../../lib/rlaif/batch';
import { mergeLabels } from '../../lib/rlaif/datasets/labels';
import type { HfDatasetRef } from '../../lib/rlaif/datasets/hf-rows';
import type { LabelingConfig } from '../../lib/rlaif/labeler';
import { EXEMPLARS } from '../../lib/rlaif/probes';
import type { LineError, PairLabel, PreferencePair, Task } from '../../lib/rlaif/types';
import type { RewardSlot, RunRecord } from '../../lib/store';
import { DatasetBatch, type BatchPhase } from './dataset-batch.svelte';
import { readLabelsImport } from './dataset-import';
import { readLastRun, RunLibrary, writeLastRun } from './dataset-runs.svelte';
import { DatasetSources, type StagedSource } from './dataset-sources.svelte';
import { metricsOf, rowsOf, type PairRow } from './dataset-views';
import type { Lab } from './lab.svelte';

export type { BatchPhase } from './dataset-batch.svelte';
export { formatBytes, type StagedSource } from './dataset-sources.svelte';
export type { DatasetMetrics, PairRow } from './dataset-views';

/** How often charts follow a running batch: labels arrive several times a second. */
const CHART_INTERVAL_MS = 1000;

export class DatasetState {
  run: RunRecord | null = $state.raw(null);
  pairs: PreferencePair[] = $state.raw([]);
  labels: PairLabel[] = $state.raw([]);
  runErrors: LineError[] = $state.raw([]);
  /** The labels the charts show; follows `labels` at most once a second during a batch. */
  chartLabels: PairLabel[] = $state.raw([]);
  /** What the last labels import kept and left out. */
  importReport: string | null = $state(null);

  private readonly library = new RunLibrary();
  private readonly sources = new DatasetSources();
  private readonly batch: DatasetBatch;
  private chartTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly lab: Lab) {
    this.batch = new DatasetBatch({
      lab,
      library: this.library,
      run: () => this.run,
      setRun: (run) => (this.run = run),
      pairs: () => this.pairs,
      labels: () => this.labels,
      labelled: (label) => {
        this.labels = [...this.labels, label];
        this.publish();
        this.scheduleCharts();
      },
      flushCharts: () => this.flushCharts(),
    });
  }

  // ---- the parts' state, as the page reads it -----------------------------------------------

  get runs(): RunRecord[] {
    return this.library.runs;
  }
  get rewardModels(): ReadonlyMap<string, readonly RewardSlot[]> {
    return this.library.rewardModels;
  }
  get storeError(): string | null {
    return this.library.storeError;
  }
  get staged(): StagedSource | null {
    return this.sources.staged;
  }
  get loading(): DatasetSources['loading'] {
    return this.sources.loading;
  }
  get sourceError(): string | null {
    return this.sources.sourceError;
  }
  get hfSplits(): HfDatasetRef[] {
    return this.sources.hfSplits;
  }
  get hfSplitsError(): string | null {
    return this.sources.hfSplitsError;
  }
  get phase(): BatchPhase {
    return this.batch.phase;
  }
  get progress(): BatchProgress | null {
    return this.batch.progress;
  }
  get batchError(): string | null {
    return this.batch.batchError;
  }
  /** Why the open run cannot be labelled now, or null when it can. */
  get blocker(): string | null {
    return this.batch.blocker;
  }

  // ---- storage -------------------------------------------------------------------------------

  /** Open the store, list the runs and reopen the run that was open before a reload. */
  async init(): Promise<void> {
    if (!(await this.library.open())) return;
    const last = readLastRun();
    if (!this.run && last && this.runs.some((r) => r.id === last)) await this.openRun(last);
  }

  refreshRuns(): Promise<void> {
    return this.library.refreshRuns();
  }

  /** Re-read which runs have saved reward models (the Reward page calls this after a save). */
  refreshRewardModels(): Promise<void> {
    return this.library.refreshRewardModels();
  }

  // ---- sources -------------------------------------------------------------------------------

  loadProbeSource(): Promise<void> {
    return this.sources.loadProbeSource();
  }
  loadFileSource(file: File): Promise<void> {
    return this.sources.loadFileSource(file);
  }
  loadHfSource(ref: HfDatasetRef, limit: number, task?: Task): Promise<void> {
    return this.sources.loadHfSource(ref, limit, task);
  }
  /** Ask the datasets-server which configs and splits `dataset` has, for the user to pick. */
  listHfSplits(dataset: string): Promise<void> {
    return this.sources.listHfSplits(dataset);
  }
  cancelSource(): void {
    this.sources.cancelSource();
  }

  // ---- runs ----------------------------------------------------------------------------------

  /** The labeling settings a new run of `task` gets: the Label page's, for that task. */
  configFor(task: Task): LabelingConfig {
    const config = this.lab.label.snapshot();
    const shots = Math.min(config.prompt.shots, EXEMPLARS[task].length);
    return { ...config, prompt: { ...config.prompt, task, shots } };
  }

  /** Store the staged pairs of one task (the first `limit`) as a new run and open it. */
  async createRun(options: { name: string; task: Task; limit: number }): Promise<void> {
    const staged = this.sources.staged;
    if (!staged) return;
    const labeler = this.lab.model.labeler(this.configFor(options.task));
    const modelId = this.lab.model.engine?.modelId;
    if (!labeler || !modelId) {
      this.library.storeError = 'Load the labeler model first (the Label page shows its progress).';
      return;
    }
    const pairs = staged.pairs.filter((p) => p.task === options.task).slice(0, options.limit);
    await this.library.guard(async () => {
      const limited =
        pairs.length < staged.pairs.length ? `, ${options.task}, first ${pairs.length}` : '';
      const run = await this.library.requireStore().createRun({
        name: options.name.trim() || staged.name,
        source: { ...staged.source, description: `${staged.source.description}${limited}` },
        task: options.task,
        config: labeler.config,
        configHash: labeler.configHash,
        modelId,
        pairs,
        errors: staged.errors,
      });
      this.sources.staged = null;
      await this.library.refreshRuns();
      await this.openRun(run.id);
    });
  }

  async openRun(runId: string): Promise<void> {
    if (this.phase !== 'idle') return; // one run at a time: the open one is being labelled
    await this.library.guard(async () => {
      const stored = await this.library.requireStore().openRun(runId);
      this.run = stored.run;
      this.pairs = stored.pairs;
      this.labels = stored.labels;
      this.chartLabels = stored.labels;
      this.runErrors = stored.errors;
      this.batch.progress = null;
      this.batch.batchError = stored.run.lastError ?? null;
      writeLastRun(runId);
      this.publish();
    });
  }

  closeRun(): void {
    if (this.phase !== 'idle') return;
    this.run = null;
    this.pairs = [];
    this.labels = [];
    this.chartLabels = [];
    this.runErrors = [];
    writeLastRun(null);
    this.lab.currentRun = null;
  }

  async renameRun(runId: string, name: string): Promise<void> {
    await this.library.guard(async () => {
      const record = await this.library.requireStore().renameRun(runId, name);
      if (this.run?.id === runId) {
        this.run = record;
        this.publish();
      }
      await this.library.refreshRuns();
    });
  }

  async deleteRun(runId: string): Promise<void> {
    if (this.run?.id === runId && this.phase !== 'idle') return;
    await this.library.guard(async () => {
      await this.library.requireStore().deleteRun(runId);
      if (this.run?.id === runId) this.closeRun();
      await this.library.refreshRuns();
    });
  }

  /**
   * Import a labels JSONL (this page's export, or the CLI's --out) into the open run: the labels
   * of its pairs made under its prompt configuration are saved as if labelled here.
   */
  async importLabels(file: Blob): Promise<void> {
    const run = this.run;
    if (!run || this.phase !== 'idle') return;
    this.importReport = null;
    await this.library.guard(async () => {
      const found = await readLabelsImport(file, this.pairs, run.configHash);
      const store = this.library.requireStore();
      for (const label of found.accepted) this.run = await store.saveLabel(run.id, label);
      this.labels = mergeLabels(this.labels, found.accepted);
      this.flushCharts();
      this.publish();
      await this.library.refreshRuns();
      this.importReport = found.report;
    });
  }

  // ---- batch ---------------------------------------------------------------------------------

  /** Label the open run's unlabelled pairs with the run's own stored configuration. */
  start(): Promise<void> {
    return this.batch.start();
  }
  pause(): void {
    this.batch.pause();
  }
  resume(): void {
    this.batch.resume();
  }
  cancel(): void {
    this.batch.cancel();
  }

  // ---- views ---------------------------------------------------------------------------------

  /** Publish the open run to the other pages (Reward, Results). */
  private publish(): void {
    const run = this.run;
    if (!run) return;
    this.lab.currentRun = {
      id: run.id,
      name: run.name,
      pairs: this.pairs,
      labels: this.labels,
      modelId: run.modelId,
      config: run.config,
    };
  }

  private scheduleCharts(): void {
    if (this.chartTimer !== undefined) return;
    this.chartTimer = setTimeout(() => this.flushCharts(), CHART_INTERVAL_MS);
  }

  private flushCharts(): void {
    clearTimeout(this.chartTimer);
    this.chartTimer = undefined;
    this.chartLabels = this.labels;
  }

  /** Table rows in run order. */
  readonly rows: PairRow[] = $derived.by(() => rowsOf(this.pairs, this.labels));

  /** Every chart's numbers, from src/lib/rlaif/metrics. */
  readonly metrics = $derived.by(() => metricsOf(this.chartLabels, this.pairs));
}

const states = new WeakMap<Lab, DatasetState>();

/** The Dataset page's state for this Lab, created on first use and kept across page visits. */
export function datasetStateFor(lab: Lab): DatasetState {
  let state = states.get(lab);
  if (!state) states.set(lab, (state = new DatasetState(lab)));
  return state;
}
