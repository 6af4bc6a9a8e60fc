// State of the Reward model page: the encoder in its worker, the two reward models (trained on AI
// labels and on human labels), live training curves, held-out evaluation, import and export.
// One instance per Lab, so trained models survive switching pages; all heavy work is in the
// reward worker, this module only keeps numbers and calls it. It is the page's one entry point;
// beside it: reward-slots.ts (types, settings), reward-training.svelte.ts (training),
// reward-persistence.svelte.ts (models saved with their run, restored when it opens again) and
// reward-files.ts (files in and out).
import { untrack } from 'svelte';
import type { ExecutionProvider } from '../../lib/engines/onnx/causal-lm';
import type { OnnxVariant } from '../../lib/engines/onnx/model-files';
import { parseManifest } from '../../lib/reward/export';
import { COMBINED_FILE } from '../../lib/reward/combined-onnx';
import { splitForRewardModels, type RewardSplit } from '../../lib/reward/split';
import type { EpochStats } from '../../lib/reward/train';
import type { PairScore } from '../../lib/reward/model';
import {
  createRewardWorker,
  RewardWorker,
  type RewardStartOptions,
  type StartedEncoder,
} from '../../lib/reward/worker/client';
import { CancelledError } from '../../lib/rlaif/engine';
import { loadProbes } from '../../lib/rlaif/probes';
import type { PreferencePair } from '../../lib/rlaif/types';
import { RunStore } from '../../lib/store';
import { datasetStateFor } from './dataset.svelte';
import type { Lab, RewardScorer } from './lab.svelte';
import { readModelFiles, saveFile } from './reward-files';
import { RunRewardModels } from './reward-persistence.svelte';
import {
  DEFAULT_SETTINGS,
  errorText,
  sanitizeSettings,
  SLOT_NAMES,
  SLOTS,
  type EncoderLoad,
  type Evaluated,
  type PerSlot,
  type RewardHost,
  type RewardSettings,
  type RewardWorkerLike,
  type Slot,
  type SlotModel,
  type TrainProgress,
} from './reward-slots';
import { RewardTrainer } from './reward-training.svelte';
import { recordRmAccuracy } from './results.svelte';

export { readModelFiles, saveFile } from './reward-files';
export { restoreReplaces } from './reward-persistence.svelte';
export * from './reward-slots';

/** The encoder that ships with the app (random weights plus one planted signal). */
export const EMBEDDED_ENCODER = './models/tiny-encoder/';

export interface RewardLabOptions {
  /** Starts a worker on an encoder (default: the real reward worker). */
  startWorker?: (options: RewardStartOptions) => Promise<RewardWorkerLike>;
  /** The run store models are saved in, opened on first use (default: the app's database). */
  openStore?: () => Promise<RunStore>;
  /** Milliseconds clock for `madeAt`; it must agree with the store's clock for `savedAt`. */
  now?: () => number;
}

export class RewardLab {
  private readonly lab: Lab;
  /** The running encoder; null until one has loaded. */
  encoder: StartedEncoder | null = $state(null);
  load: EncoderLoad = $state({ phase: 'idle' });
  warnings: string[] = $state([]);
  settings: RewardSettings = $state({ ...DEFAULT_SETTINGS });
  probes: PreferencePair[] = $state.raw([]);
  models: PerSlot<SlotModel | null> = $state.raw({ ai: null, human: null });
  curves: PerSlot<EpochStats[]> = $state.raw({ ai: [], human: [] });
  evaluations: PerSlot<Evaluated | null> = $state.raw({ ai: null, human: null });
  /** The slot whose one-file export is being built, if any. */
  combining: Slot | null = $state(null);
  importMessage: { kind: 'ok' | 'error'; text: string } | null = $state(null);
  /** Bumped whenever a model is trained, imported or dropped: scores must be redone. */
  generation = $state(0);

  /** The held-out pairs and both training sets, from the open run, else the probe set. */
  readonly split: RewardSplit | null;
  /** The open run's id; a derived string, so new labels in the same run change nothing. */
  private readonly openRunId: string | null;

  private worker: RewardWorkerLike | null = null;
  private loadController: AbortController | null = null;
  private evalToken = 0;
  private readonly options: Required<RewardLabOptions>;
  private readonly trainer: RewardTrainer;
  private readonly saves: RunRewardModels;

  constructor(lab: Lab, options: RewardLabOptions = {}) {
    this.lab = lab;
    this.options = {
      startWorker: (o) => RewardWorker.start(createRewardWorker(), o),
      openStore: () => RunStore.open(),
      now: Date.now,
      ...options,
    };
    this.split = $derived.by(() => {
      const run = this.lab.currentRun;
      const pairs = run ? run.pairs : this.probes;
      if (!pairs.length) return null;
      const { heldOutFraction, seed } = sanitizeSettings(this.settings);
      return splitForRewardModels(pairs, run?.labels ?? [], { heldOutFraction, seed });
    });
    this.openRunId = $derived(this.lab.currentRun?.id ?? null);
    const host = this.host();
    this.trainer = new RewardTrainer({
      ...host,
      split: () => this.split,
      settings: () => this.settings,
      persist: (slot, encoder) => void this.saves.persist(slot, encoder),
      ended: () => this.saves.resumePending(),
    });
    this.saves = new RunRewardModels({
      ...host,
      openStore: () => this.options.openStore(),
      training: () => this.training,
      saved: () => void datasetStateFor(this.lab).refreshRewardModels(),
    });
    this.followOpenRun();
  }

  /** The shared state, as the training and persistence parts see it. */
  private host(): RewardHost {
    return {
      worker: () => this.worker,
      openRunId: () => this.lab.currentRun?.id ?? null,
      models: () => this.models,
      setModel: (slot, model) => (this.models = { ...this.models, [slot]: model }),
      setCurve: (slot, curve) => (this.curves = { ...this.curves, [slot]: curve }),
      modelsChanged: () => this.afterModelsChanged(),
      now: () => this.options.now(),
    };
  }

  /**
   * Restore the saved models whenever the open run or the encoder changes (a new encoder starts
   * empty, and may be the one a run's models need). The state lives as long as its Lab, so the
   * effect root is never torn down.
   */
  private followOpenRun(): void {
    $effect.root(() => {
      $effect(() => {
        void this.openRunId;
        void this.encoder;
        untrack(() => void this.restoreSaved());
      });
    });
  }

  get training(): boolean {
    return this.trainer.running;
  }
  /** Embedding or epoch progress of the slot in training; null when none is. */
  get progress(): TrainProgress | null {
    return this.trainer.progress;
  }
  /** The outcome of the last training (done, cancelled or failed), for the status line. */
  get trainMessage(): RewardTrainer['message'] {
    return this.trainer.message;
  }
  /** Why the last model could not be saved with its run (non-blocking: the model stays loaded). */
  get saveError(): string | null {
    return this.saves.saveError;
  }
  /** What restoring the open run's saved models found that the user must act on. */
  get restoreNotice(): string | null {
    return this.saves.restoreNotice;
  }

  async ensureProbes(): Promise<void> {
    if (!this.probes.length) this.probes = await loadProbes();
  }

  /**
   * Start a worker on a new encoder. Until it is ready the old one (and its models) keeps
   * working; a failed or cancelled load leaves everything as it was. `variant` picks one of the
   * folder's onnx/ files (fp32 when omitted).
   */
  async loadEncoder(source: string, ep: ExecutionProvider, variant?: OnnxVariant): Promise<void> {
    this.loadController?.abort();
    const controller = (this.loadController = new AbortController());
    this.load = { phase: 'loading', source, file: '', loaded: 0, total: null };
    this.warnings = [];
    try {
      const worker = await this.options.startWorker({
        encoder: source,
        ep,
        variant,
        signal: controller.signal,
        onProgress: (p) => {
          if (this.loadController === controller) {
            this.load = {
              phase: 'loading',
              source,
              file: p.file,
              loaded: p.loaded,
              total: p.total,
            };
          }
        },
        onWarning: (w) => (this.warnings = [...this.warnings, w]),
      });
      await this.replaceWorker(worker);
      this.load = { phase: 'idle' };
    } catch (error) {
      if (this.loadController !== controller) return;
      this.load =
        error instanceof CancelledError
          ? { phase: 'idle' }
          : { phase: 'error', message: errorText(error) };
    }
  }

  cancelLoad(): void {
    this.loadController?.abort();
  }

  /** A head only means something on its own encoder: a new encoder starts with no models. */
  private async replaceWorker(worker: RewardWorkerLike): Promise<void> {
    this.cancelTraining();
    const old = this.worker;
    this.worker = worker;
    this.encoder = worker.encoder;
    this.models = { ai: null, human: null };
    this.curves = { ai: [], human: [] };
    this.evaluations = { ai: null, human: null };
    this.trainer.message = null;
    this.importMessage = null;
    this.saves.restoreNotice = null;
    this.generation += 1;
    this.publish();
    await old?.dispose();
  }

  /** Train the given slots one after the other on the current split; Cancel stops them all. */
  train(slots: readonly Slot[]): Promise<void> {
    return this.trainer.train(slots);
  }

  cancelTraining(): void {
    this.trainer.cancel();
  }

  /**
   * Load a saved model (its reward-model.json and head.onnx) into the slot its manifest names.
   * The worker checks it against the encoder before replacing anything, so a bad file leaves the
   * current models as they were.
   */
  async importFiles(files: readonly File[]): Promise<void> {
    this.importMessage = null;
    const worker = this.worker;
    if (!worker) return;
    try {
      const { manifestText, head } = await readModelFiles(files);
      const slot: Slot = parseManifest(manifestText).training?.labels ?? 'ai';
      const manifest = await worker.useModel(manifestText, head, slot);
      this.models = {
        ...this.models,
        [slot]: {
          manifest: manifestText,
          head,
          history: [],
          training: manifest.training ?? null,
          origin: 'imported',
          splitKey: null,
          runId: this.lab.currentRun?.id ?? null,
          madeAt: this.options.now(),
          savedAt: null,
        },
      };
      this.curves = { ...this.curves, [slot]: [] };
      this.importMessage = { kind: 'ok', text: `Loaded as the ${SLOT_NAMES[slot]}.` };
      this.afterModelsChanged();
      void this.saves.persist(slot, worker.encoder);
    } catch (error) {
      this.importMessage = { kind: 'error', text: errorText(error) };
    }
  }

  /** Load the open run's saved models (see RunRewardModels.restore). */
  restoreSaved(): Promise<void> {
    return this.saves.restore();
  }

  private afterModelsChanged(): void {
    this.generation += 1;
    this.publish();
    void this.evaluateAll();
  }

  /** Download a model as one ONNX file: encoder + pooling + head, tokenizer inside. */
  async saveCombined(slot: Slot): Promise<void> {
    const model = this.models[slot];
    const worker = this.worker;
    if (!model || !worker || this.combining) return;
    this.combining = slot;
    this.importMessage = null;
    try {
      saveFile(
        COMBINED_FILE,
        await worker.combine(model.manifest, model.head),
        'application/octet-stream',
      );
    } catch (error) {
      this.importMessage = { kind: 'error', text: errorText(error) };
    } finally {
      this.combining = null;
    }
  }

  /** Pairwise accuracy of every model on the current held-out pairs; older results are dropped. */
  async evaluateAll(): Promise<void> {
    const token = ++this.evalToken;
    const worker = this.worker;
    const split = this.split;
    const next: PerSlot<Evaluated | null> = { ai: null, human: null };
    if (worker && split?.heldOut.length) {
      for (const slot of SLOTS) {
        if (!this.models[slot]) continue;
        try {
          next[slot] = { result: await worker.evaluate(split.heldOut, slot), splitKey: split.key };
        } catch {
          next[slot] = null; // the model was replaced meanwhile; a newer evaluation follows
        }
      }
    }
    if (token !== this.evalToken) return;
    this.evaluations = next;
    this.report(next);
  }

  /** Hand each held-out accuracy to the Results page, beside the paper's RM table. */
  private report(evaluations: PerSlot<Evaluated | null>): void {
    for (const slot of SLOTS) {
      const evaluated = evaluations[slot]?.result;
      if (!evaluated?.n) continue;
      const { estimate, low, high } = evaluated.accuracy;
      const encoder = this.encoder?.modelId ?? 'encoder';
      recordRmAccuracy({
        labels: slot,
        accuracy: estimate,
        lo: low,
        hi: high,
        n: evaluated.n,
        encoder,
      });
    }
  }

  /** r(x, a), r(x, b) and the implied preference from every model there is. */
  async scorePair(context: string, a: string, b: string): Promise<PerSlot<PairScore | null>> {
    const worker = this.worker;
    const scores: PerSlot<PairScore | null> = { ai: null, human: null };
    if (!worker) return scores;
    for (const slot of SLOTS) {
      if (this.models[slot]) scores[slot] = await worker.scorePair(context, a, b, slot);
    }
    return scores;
  }

  /** Give the other pages (Label, Policy) a scorer per model; a new array each time. */
  private publish(): void {
    const worker = this.worker;
    this.lab.rewardScorers = worker
      ? SLOTS.flatMap((slot): RewardScorer[] =>
          this.models[slot]
            ? [
                {
                  name: SLOT_NAMES[slot],
                  labels: slot,
                  score: (items) => worker.score(items, slot),
                },
              ]
            : [],
        )
      : [];
  }
}

const perLab = new WeakMap<Lab, RewardLab>();

/** The Reward page's state for this Lab, created on first use and kept across page switches. */
export function rewardLabFor(lab: Lab): RewardLab {
  let state = perLab.get(lab);
  if (!state) perLab.set(lab, (state = new RewardLab(lab)));
  return state;
}
