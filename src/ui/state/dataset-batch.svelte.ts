// Batch labelling of the open run on the Dataset page: start (with the run's own stored
// configuration), pause, resume and cancel, and the progress the page shows. Every label is saved
// to the run store before the next pair starts, so a stopped or failed batch resumes where it was.
import { BatchLabelError, PauseGate, runBatch, type BatchProgress } from '../../lib/rlaif/batch';
import { CancelledError } from '../../lib/rlaif/engine';
import type { Labeler } from '../../lib/rlaif/labeler';
import type { PairLabel, PreferencePair } from '../../lib/rlaif/types';
import type { RunRecord, RunStore } from '../../lib/store';
import { messageOf, type RunLibrary } from './dataset-runs.svelte';
import type { Lab } from './lab.svelte';

export type BatchPhase = 'idle' | 'running' | 'paused' | 'stopping';

/** What the batch needs of the Dataset page's state: the open run and where labels go. */
export interface BatchHost {
  readonly lab: Lab;
  readonly library: RunLibrary;
  run(): RunRecord | null;
  setRun(run: RunRecord): void;
  pairs(): PreferencePair[];
  labels(): PairLabel[];
  /** A label was stored: show it. */
  labelled(label: PairLabel): void;
  /** The batch ended: the charts catch up with every label now. */
  flushCharts(): void;
}

export class DatasetBatch {
  phase: BatchPhase = $state('idle');
  progress: BatchProgress | null = $state.raw(null);
  batchError: string | null = $state(null);

  private controller: AbortController | null = null;
  private gate = new PauseGate();

  constructor(private readonly host: BatchHost) {}

  /** Why the open run cannot be labelled now, or null when it can. */
  get blocker(): string | null {
    const run = this.host.run();
    if (!run) return 'Open a run first.';
    const engine = this.host.lab.model.engine;
    if (!engine) return 'The labeler model is not loaded yet.';
    if (engine.modelId !== run.modelId) {
      return `This run is labelled by ${run.modelId}; the loaded model is ${engine.modelId}. Load ${run.modelId} to resume.`;
    }
    return null;
  }

  /** Label the open run's unlabelled pairs with the run's own stored configuration. */
  async start(): Promise<void> {
    const run = this.host.run();
    if (!run || this.phase !== 'idle') return;
    this.batchError = this.blocker;
    if (this.batchError) return;
    let labeler: Labeler | null;
    try {
      labeler = this.host.lab.model.labeler(run.config);
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
    const { host } = this;
    const store = host.library.requireStore();
    const controller = (this.controller = new AbortController());
    this.gate = new PauseGate();
    this.phase = 'running';
    let status: RunRecord['status'] = 'labelling';
    let lastError: string | undefined;
    try {
      host.setRun(await store.setStatus(run.id, 'labelling'));
      await runBatch({
        labeler,
        pairs: host.pairs(),
        // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a snapshot, not state
        labelled: new Set(host.labels().map((l) => l.pairId)),
        signal: controller.signal,
        pause: this.gate,
        concurrency: host.lab.model.batchConcurrency,
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
      host.flushCharts();
      await host.library.guard(async () => {
        host.setRun(await store.setStatus(run.id, status, lastError));
        await host.library.refreshRuns();
      });
    }
  }

  /** A label is made: store it first, then show it. */
  private async saved(store: RunStore, runId: string, label: PairLabel): Promise<void> {
    this.host.setRun(await store.saveLabel(runId, label));
    this.host.labelled(label);
  }

  pause(): void {
    const run = this.host.run();
    if (this.phase !== 'running' || !run) return;
    this.gate.pause();
    this.phase = 'paused';
    this.setStatus(run.id, 'paused');
  }

  resume(): void {
    const run = this.host.run();
    if (this.phase !== 'paused' || !run) return;
    this.gate.resume();
    this.phase = 'running';
    this.setStatus(run.id, 'labelling');
  }

  cancel(): void {
    if (this.phase === 'idle') return;
    this.phase = 'stopping';
    this.controller?.abort();
  }

  /** Record a pause or resume with the run, in the background. */
  private setStatus(runId: string, status: RunRecord['status']): void {
    const { library } = this.host;
    void library.guard(async () =>
      this.host.setRun(await library.requireStore().setStatus(runId, status)),
    );
  }
}
