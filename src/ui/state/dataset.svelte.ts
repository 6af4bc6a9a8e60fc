// State of the Dataset page: a staged source (pairs and their parse report, not yet a run), the
// saved runs, the open run with its labels, and the batch labelling it. One instance per Lab, kept
// across page visits, so leaving the page never stops (or forgets) a running batch. Every label is
// saved to IndexedDB before the next pair starts; the math lives in src/lib.
import { BatchLabelError, PauseGate, runBatch, type BatchProgress } from '../../lib/rlaif/batch';
import { parseDataset } from '../../lib/rlaif/datasets';
import { listHfSplits, loadHfRows, type HfDatasetRef } from '../../lib/rlaif/datasets/hf-rows';
import { labelsForRun, mergeLabels } from '../../lib/rlaif/datasets/labels';
import { CancelledError } from '../../lib/rlaif/engine';
import type { Labeler, LabelingConfig } from '../../lib/rlaif/labeler';
import {
  alignment,
  alignmentBy,
  calibration,
  confidenceCalibrationInput,
  confidenceHistogram,
  humansFor,
  positionBias,
} from '../../lib/rlaif/metrics';
import { EXEMPLARS, loadProbes } from '../../lib/rlaif/probes';
import type { LineError, PairLabel, PreferencePair, Task } from '../../lib/rlaif/types';
import { RunStore, type RewardSlot, type RunRecord, type RunSource } from '../../lib/store';
import type { Lab } from './lab.svelte';

/** Pairs read from a source, waiting to become a run. */
export interface StagedSource {
  pairs: PreferencePair[];
  errors: LineError[];
  source: RunSource;
  name: string;
}

export type BatchPhase = 'idle' | 'running' | 'paused' | 'stopping';

/** One row of the pairs table: everything it shows, precomputed once per label change. */
export interface PairRow {
  index: number;
  pair: PreferencePair;
  label?: PairLabel;
  /** P(candidate 1 better), debiased; "1" is the first candidate as stored. */
  p1?: number;
  /** Agreement of the AI's pick with the human's; undefined when either is missing. */
  agrees?: boolean;
}

const LAST_RUN_KEY = 'rlaif-lab:last-run';
/** How often charts follow a running batch: labels arrive several times a second. */
const CHART_INTERVAL_MS = 1000;

export class DatasetState {
  runs: RunRecord[] = $state.raw([]);
  /** The slots each saved run has a reward model in (the Reward page saves them), by run id. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- replaced whole, never mutated
  rewardModels: ReadonlyMap<string, readonly RewardSlot[]> = $state.raw(new Map());
  staged: StagedSource | null = $state.raw(null);
  /** A source being read: what, and how far. */
  loading: { what: string; done: number; total?: number } | null = $state(null);
  sourceError: string | null = $state(null);
  /** The configs and splits the datasets-server lists for the dataset asked about last. */
  hfSplits: HfDatasetRef[] = $state.raw([]);
  hfSplitsError: string | null = $state(null);

  run: RunRecord | null = $state.raw(null);
  pairs: PreferencePair[] = $state.raw([]);
  labels: PairLabel[] = $state.raw([]);
  runErrors: LineError[] = $state.raw([]);
  /** The labels the charts show; follows `labels` at most once a second during a batch. */
  chartLabels: PairLabel[] = $state.raw([]);

  phase: BatchPhase = $state('idle');
  progress: BatchProgress | null = $state.raw(null);
  batchError: string | null = $state(null);
  storeError: string | null = $state(null);
  /** What the last labels import kept and left out. */
  importReport: string | null = $state(null);

  private store: RunStore | null = null;
  private controller: AbortController | null = null;
  private gate = new PauseGate();
  private chartTimer: ReturnType<typeof setTimeout> | undefined;
  private sourceController: AbortController | null = null;

  constructor(private readonly lab: Lab) {}

  // ---- storage -------------------------------------------------------------------------------

  /** Open the store, list the runs and reopen the run that was open before a reload. */
  async init(): Promise<void> {
    if (this.store) return;
    try {
      this.store = await RunStore.open();
      await this.refreshRuns();
      const last = readLastRun();
      if (!this.run && last && this.runs.some((r) => r.id === last)) await this.openRun(last);
    } catch (error) {
      this.storeError = messageOf(error);
    }
  }

  private requireStore(): RunStore {
    if (!this.store) throw new Error('Local storage is not open (IndexedDB unavailable?).');
    return this.store;
  }

  async refreshRuns(): Promise<void> {
    const store = this.requireStore();
    const [runs, rewardModels] = await Promise.all([store.listRuns(), store.rewardModelSlots()]);
    this.runs = runs;
    this.rewardModels = rewardModels;
  }

  /**
   * Re-read which runs have saved reward models (the Reward page calls this after a save).
   * Before the page has opened the store there is nothing to refresh: init reads them anyway.
   */
  async refreshRewardModels(): Promise<void> {
    if (!this.store) return;
    try {
      this.rewardModels = await this.store.rewardModelSlots();
    } catch (error) {
      this.storeError = messageOf(error);
    }
  }

  // ---- sources -------------------------------------------------------------------------------

  async loadProbeSource(): Promise<void> {
    await this.readSource('built-in probes', async () => ({
      pairs: await loadProbes(),
      errors: [],
      source: { kind: 'probes', description: 'Built-in probe set (data/probes)' },
      name: 'Probes',
    }));
  }

  async loadFileSource(file: File): Promise<void> {
    await this.readSource(file.name, async (signal) => {
      const result = await parseDataset(file, {
        signal,
        onProgress: (done, total) => (this.loading = { what: file.name, done, total }),
      });
      const description = `${file.name} (${formatBytes(file.size)})`;
      return { ...result, source: { kind: 'file', description }, name: stem(file.name) };
    });
  }

  async loadHfSource(ref: HfDatasetRef, limit: number, task?: Task): Promise<void> {
    const what = `${ref.dataset} ${ref.config}/${ref.split}`;
    await this.readSource(what, async (signal) => {
      const result = await loadHfRows(ref, {
        limit,
        task,
        signal,
        onProgress: (done, total) => (this.loading = { what, done, total }),
      });
      const read = result.pairs.length + result.errors.length;
      const description = `Hugging Face ${what}, first ${read} rows`;
      return {
        pairs: result.pairs,
        errors: result.errors,
        source: { kind: 'huggingface', description },
        name: ref.dataset.split('/').pop() ?? ref.dataset,
      };
    });
  }

  /** Ask the datasets-server which configs and splits `dataset` has, for the user to pick. */
  async listHfSplits(dataset: string): Promise<void> {
    this.hfSplitsError = null;
    try {
      this.hfSplits = await listHfSplits(dataset);
      if (!this.hfSplits.length) this.hfSplitsError = `${dataset} has no splits the server serves.`;
    } catch (error) {
      this.hfSplits = [];
      this.hfSplitsError = messageOf(error);
    }
  }

  cancelSource(): void {
    this.sourceController?.abort();
  }

  private async readSource(
    what: string,
    read: (signal: AbortSignal) => Promise<StagedSource>,
  ): Promise<void> {
    this.sourceController?.abort();
    const controller = (this.sourceController = new AbortController());
    this.loading = { what, done: 0 };
    this.sourceError = null;
    try {
      const staged = await read(controller.signal);
      if (!controller.signal.aborted) this.staged = staged;
    } catch (error) {
      if (!controller.signal.aborted) this.sourceError = messageOf(error);
    } finally {
      if (this.sourceController === controller) this.loading = null;
    }
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
    const staged = this.staged;
    if (!staged) return;
    const labeler = this.lab.model.labeler(this.configFor(options.task));
    const modelId = this.lab.model.engine?.modelId;
    if (!labeler || !modelId) {
      this.storeError = 'Load the labeler model first (the Label page shows its progress).';
      return;
    }
    const pairs = staged.pairs.filter((p) => p.task === options.task).slice(0, options.limit);
    await this.guard(async () => {
      const limited =
        pairs.length < staged.pairs.length ? `, ${options.task}, first ${pairs.length}` : '';
      const run = await this.requireStore().createRun({
        name: options.name.trim() || staged.name,
        source: { ...staged.source, description: `${staged.source.description}${limited}` },
        task: options.task,
        config: labeler.config,
        configHash: labeler.configHash,
        modelId,
        pairs,
        errors: staged.errors,
      });
      this.staged = null;
      await this.refreshRuns();
      await this.openRun(run.id);
    });
  }

  async openRun(runId: string): Promise<void> {
    if (this.phase !== 'idle') return; // one run at a time: the open one is being labelled
    await this.guard(async () => {
      const stored = await this.requireStore().openRun(runId);
      this.run = stored.run;
      this.pairs = stored.pairs;
      this.labels = stored.labels;
      this.chartLabels = stored.labels;
      this.runErrors = stored.errors;
      this.progress = null;
      this.batchError = stored.run.lastError ?? null;
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
    await this.guard(async () => {
      const record = await this.requireStore().renameRun(runId, name);
      if (this.run?.id === runId) {
        this.run = record;
        this.publish();
      }
      await this.refreshRuns();
    });
  }

  async deleteRun(runId: string): Promise<void> {
    if (this.run?.id === runId && this.phase !== 'idle') return;
    await this.guard(async () => {
      await this.requireStore().deleteRun(runId);
      if (this.run?.id === runId) this.closeRun();
      await this.refreshRuns();
    });
  }

  /** Run something against the store; a failure is shown, never thrown at the page. */
  private async guard(body: () => Promise<void>): Promise<void> {
    this.storeError = null;
    try {
      await body();
    } catch (error) {
      this.storeError = messageOf(error);
    }
  }

  /**
   * Import a labels JSONL (this page's export, or the CLI's --out) into the open run: the labels
   * of its pairs made under its prompt configuration are saved as if labelled here.
   */
  async importLabels(file: Blob): Promise<void> {
    const run = this.run;
    if (!run || this.phase !== 'idle') return;
    this.importReport = null;
    await this.guard(async () => {
      const found = labelsForRun(await file.text(), {
        pairIds: this.pairs.map((p) => p.id),
        configHash: run.configHash,
      });
      const store = this.requireStore();
      for (const label of found.accepted) this.run = await store.saveLabel(run.id, label);
      this.labels = mergeLabels(this.labels, found.accepted);
      this.flushCharts();
      this.publish();
      await this.refreshRuns();
      this.importReport = importReportOf(found, run.configHash);
    });
  }

  // ---- batch ---------------------------------------------------------------------------------

  /** Why the open run cannot be labelled now, or null when it can. */
  get blocker(): string | null {
    const run = this.run;
    if (!run) return 'Open a run first.';
    const engine = this.lab.model.engine;
    if (!engine) return 'The labeler model is not loaded yet.';
    if (engine.modelId !== run.modelId) {
      return `This run is labelled by ${run.modelId}; the loaded model is ${engine.modelId}. Load ${run.modelId} to resume.`;
    }
    return null;
  }

  /** Label the open run's unlabelled pairs with the run's own stored configuration. */
  async start(): Promise<void> {
    const run = this.run;
    if (!run || this.phase !== 'idle') return;
    this.batchError = this.blocker;
    if (this.batchError) return;
    let labeler: Labeler | null;
    try {
      labeler = this.lab.model.labeler(run.config);
    } catch (error) {
      this.batchError = messageOf(error);
      return;
    }
    if (!labeler) return;
    if (labeler.configHash !== run.configHash) {
      this.batchError = `The stored settings now hash to ${labeler.configHash}, not the run's ${run.configHash} (exemplars changed?). Start a new run.`;
      return;
    }
    await this.runBatchOn(run, labeler);
  }

  private async runBatchOn(run: RunRecord, labeler: Labeler): Promise<void> {
    const store = this.requireStore();
    const controller = (this.controller = new AbortController());
    this.gate = new PauseGate();
    this.phase = 'running';
    let status: RunRecord['status'] = 'labelling';
    let lastError: string | undefined;
    try {
      this.run = await store.setStatus(run.id, 'labelling');
      await runBatch({
        labeler,
        pairs: this.pairs,
        // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a snapshot, not state
        labelled: new Set(this.labels.map((l) => l.pairId)),
        signal: controller.signal,
        pause: this.gate,
        onLabel: (label) => this.saved(store, run.id, label),
        onProgress: (progress) => (this.progress = progress),
      });
      status = 'complete';
    } catch (error) {
      status = error instanceof CancelledError ? 'stopped' : 'failed';
      if (!(error instanceof CancelledError)) lastError = messageOf(error);
      if (error instanceof BatchLabelError) lastError += ' Labels made so far are saved: resume.';
    } finally {
      this.batchError = lastError ?? null;
      this.phase = 'idle';
      this.controller = null;
      this.flushCharts();
      await this.guard(async () => {
        this.run = await store.setStatus(run.id, status, lastError);
        await this.refreshRuns();
      });
    }
  }

  /** A label is made: store it first, then show it. */
  private async saved(store: RunStore, runId: string, label: PairLabel): Promise<void> {
    this.run = await store.saveLabel(runId, label);
    this.labels = [...this.labels, label];
    this.publish();
    this.scheduleCharts();
  }

  pause(): void {
    if (this.phase !== 'running' || !this.run) return;
    this.gate.pause();
    this.phase = 'paused';
    const id = this.run.id;
    void this.guard(
      async () => void (this.run = await this.requireStore().setStatus(id, 'paused')),
    );
  }

  resume(): void {
    if (this.phase !== 'paused' || !this.run) return;
    this.gate.resume();
    this.phase = 'running';
    const id = this.run.id;
    void this.guard(
      async () => void (this.run = await this.requireStore().setStatus(id, 'labelling')),
    );
  }

  cancel(): void {
    if (this.phase === 'idle') return;
    this.phase = 'stopping';
    this.controller?.abort();
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
  readonly rows: PairRow[] = $derived.by(() => {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- rebuilt per change, not state
    const byId = new Map(this.labels.map((l) => [l.pairId, l]));
    return this.pairs.map((pair, index) => rowOf(pair, index, byId.get(pair.id)));
  });

  /** Every chart's numbers, from src/lib/rlaif/metrics. */
  readonly metrics = $derived.by(() => metricsOf(this.chartLabels, this.pairs));
}

function rowOf(pair: PreferencePair, index: number, label: PairLabel | undefined): PairRow {
  if (!label) return { index, pair };
  const [p1, p2] = label.label;
  const pick = p1 === p2 ? undefined : p1 > p2 ? 0 : 1;
  const agrees =
    pick === undefined || pair.humanChoice === undefined ? undefined : pick === pair.humanChoice;
  return { index, pair, label, p1, agrees };
}

export type DatasetMetrics = ReturnType<typeof metricsOf>;

function metricsOf(labels: PairLabel[], pairs: PreferencePair[]) {
  const humans = humansFor(labels, pairs);
  const byId = new Map(pairs.map((p) => [p.id, p]));
  const groupOf = (label: PairLabel) => {
    const pair = byId.get(label.pairId);
    return pair?.defect ?? pair?.task ?? 'unknown';
  };
  const groups = alignmentBy(labels, humans, labels.map(groupOf));
  const input = confidenceCalibrationInput(labels, humans);
  return {
    n: labels.length,
    alignment: alignment(labels, humans),
    byGroup: [...groups].map(([key, result]) => ({ key, result })),
    positionBias: positionBias(labels),
    calibration: calibration(input.probs, input.outcomes, 10),
    histogram: confidenceHistogram(labels, 10),
  };
}

function importReportOf(found: ReturnType<typeof labelsForRun>, configHash: string): string {
  const parts = [`Imported ${found.accepted.length} labels.`];
  if (found.otherConfig) {
    parts.push(
      `${found.otherConfig} were made with other settings than this run's (config ${configHash}) and were left out.`,
    );
  }
  if (found.unknownPair) parts.push(`${found.unknownPair} are for pairs this run does not have.`);
  if (found.errors.length) {
    const lines = found.errors.slice(0, 5).map((e) => `line ${e.line}: ${e.reason}`);
    parts.push(`${found.errors.length} bad lines skipped (${lines.join('; ')}).`);
  }
  return parts.join(' ');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stem(fileName: string): string {
  return fileName.replace(/\.[^.]+$/, '') || fileName;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

// The last open run, so a reload lands back on it. localStorage can throw (privacy settings).
function readLastRun(): string | null {
  try {
    return localStorage.getItem(LAST_RUN_KEY);
  } catch {
    return null;
  }
}

function writeLastRun(runId: string | null): void {
  try {
    if (runId) localStorage.setItem(LAST_RUN_KEY, runId);
    else localStorage.removeItem(LAST_RUN_KEY);
  } catch {
    // Not remembering the last run is harmless.
  }
}

const states = new WeakMap<Lab, DatasetState>();

/** The Dataset page's state for this Lab, created on first use and kept across page visits. */
export function datasetStateFor(lab: Lab): DatasetState {
  let state = states.get(lab);
  if (!state) states.set(lab, (state = new DatasetState(lab)));
  return state;
}
