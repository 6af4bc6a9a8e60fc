// State of the Reward model page: the encoder in its worker, the two reward models (trained on AI
// labels and on human labels), live training curves, held-out evaluation, import and export.
// One instance per Lab, so trained models survive switching pages; all heavy work is in the
// reward worker, this module only keeps numbers and calls it. Models trained or imported while a
// run is open are saved with that run (IndexedDB), and restored when the run is opened again.
import { untrack } from 'svelte';
import type { ExecutionProvider } from '../../lib/engines/onnx/causal-lm';
import { parseManifest, type TrainingMetadata } from '../../lib/reward/export';
import { COMBINED_FILE, readCombinedRewardModel } from '../../lib/reward/combined-onnx';
import { pickModelFiles } from '../../lib/reward/files';
import { splitForRewardModels, type RewardSplit } from '../../lib/reward/split';
import type { EpochStats } from '../../lib/reward/train';
import type { PairScore } from '../../lib/reward/model';
import {
  createRewardWorker,
  RewardWorker,
  type RewardEvaluation,
  type RewardStartOptions,
  type StartedEncoder,
  type TrainedModel,
  type WorkerTrainOptions,
} from '../../lib/reward/worker/client';
import { CancelledError } from '../../lib/rlaif/engine';
import { loadProbes } from '../../lib/rlaif/probes';
import type { PreferencePair } from '../../lib/rlaif/types';
import { RunStore, type RewardModelRecord } from '../../lib/store';
import { datasetStateFor } from './dataset.svelte';
import type { Lab, RewardScorer } from './lab.svelte';
import { recordRmAccuracy } from './results.svelte';

/** The encoder that ships with the app (random weights plus one planted signal). */
export const EMBEDDED_ENCODER = './models/tiny-encoder/';

export type Slot = 'ai' | 'human';
export const SLOTS: readonly Slot[] = ['ai', 'human'];
export const SLOT_NAMES: Record<Slot, string> = {
  ai: 'RM trained on AI labels (RLAIF)',
  human: 'RM trained on human labels (RLHF)',
};

export interface RewardSettings {
  epochs: number;
  lr: number;
  weightDecay: number;
  hidden: number;
  batchSize: number;
  /** Share of each model's training pairs used for validation and early stopping. */
  valFraction: number;
  patience: number;
  seed: number;
  /** Share of human-labelled pairs held out for the RM accuracy table. */
  heldOutFraction: number;
}

export const DEFAULT_SETTINGS: RewardSettings = {
  epochs: 100,
  lr: 3e-3,
  weightDecay: 1e-2,
  hidden: 32,
  batchSize: 32,
  valFraction: 0.2,
  patience: 8,
  seed: 0,
  heldOutFraction: 0.2,
};

/** A model the worker holds under its slot's name, with what the page shows about it. */
export interface SlotModel {
  manifest: string;
  head: Uint8Array;
  history: EpochStats[];
  training: TrainingMetadata | null;
  /** 'restored': saved with the open run earlier (another visit, or before a reload). */
  origin: 'trained' | 'imported' | 'restored';
  /** The held-out split it was trained beside; null when imported (unknown). */
  splitKey: string | null;
  /** The run it belongs to (trained on, imported while open, restored from); null: none. */
  runId: string | null;
  /** When this tab trained, imported or restored it (ms since the epoch). */
  madeAt: number;
  /** The savedAt of its stored copy with the run; null until a save succeeds. */
  savedAt: number | null;
}

/** What the page needs of a reward worker; unit tests pass a fake. */
export type RewardWorkerLike = Pick<
  RewardWorker,
  'encoder' | 'train' | 'useModel' | 'score' | 'scorePair' | 'evaluate' | 'combine' | 'dispose'
>;

export interface RewardLabOptions {
  /** Starts a worker on an encoder (default: the real reward worker). */
  startWorker?: (options: RewardStartOptions) => Promise<RewardWorkerLike>;
  /** The run store models are saved in, opened on first use (default: the app's database). */
  openStore?: () => Promise<RunStore>;
  /** Milliseconds clock for `madeAt`; it must agree with the store's clock for `savedAt`. */
  now?: () => number;
}

/**
 * Whether a saved model should replace what its slot holds. A slot keeps a model of the same run
 * that is at least as new as the save: the saved model itself (same savedAt), or one made in this
 * tab after it (whose own save may have failed or still be in flight). Anything else gives way.
 */
export function restoreReplaces(record: RewardModelRecord, current: SlotModel | null): boolean {
  if (!current || current.runId !== record.runId) return true;
  return (current.savedAt ?? current.madeAt) < record.savedAt;
}

export type EncoderLoad =
  | { phase: 'idle' }
  | { phase: 'loading'; source: string; file: string; loaded: number; total: number | null }
  | { phase: 'error'; message: string };

export type TrainProgress =
  | { phase: 'embedding'; slot: Slot; done: number; total: number }
  | { phase: 'epochs'; slot: Slot; epoch: number; epochs: number };

export interface Evaluated {
  result: RewardEvaluation;
  splitKey: string;
}

type PerSlot<T> = Record<Slot, T>;

/** How often live curves are redrawn at most: per-epoch messages can arrive every millisecond. */
const CURVE_FLUSH_MS = 100;

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const kind = (error as { kind?: unknown }).kind;
    return `${error.name}${typeof kind === 'string' ? ` (${kind})` : ''}: ${error.message}`;
  }
  return String(error);
}

/** Numbers from form inputs (empty input: null) clamped into the range training accepts. */
export function sanitizeSettings(raw: RewardSettings): RewardSettings {
  const num = (v: unknown, fallback: number, lo: number, hi: number, int = false) => {
    const x = typeof v === 'number' && Number.isFinite(v) ? v : fallback;
    const clamped = Math.min(hi, Math.max(lo, x));
    return int ? Math.round(clamped) : clamped;
  };
  const d = DEFAULT_SETTINGS;
  return {
    epochs: num(raw.epochs, d.epochs, 1, 100_000, true),
    lr: num(raw.lr, d.lr, 1e-6, 1),
    weightDecay: num(raw.weightDecay, d.weightDecay, 0, 1),
    hidden: num(raw.hidden, d.hidden, 1, 1024, true),
    batchSize: num(raw.batchSize, d.batchSize, 1, 4096, true),
    valFraction: num(raw.valFraction, d.valFraction, 0, 0.9),
    patience: num(raw.patience, d.patience, 1, 100_000, true),
    seed: num(raw.seed, d.seed, 0, 2 ** 31, true),
    heldOutFraction: num(raw.heldOutFraction, d.heldOutFraction, 0, 0.9),
  };
}

/** What the worker's trainer takes (the held-out share was already used by the split). */
function trainOptions(
  settings: RewardSettings,
  labels: Slot,
): WorkerTrainOptions & { epochs: number } {
  const { epochs, lr, weightDecay, hidden, batchSize, valFraction, patience, seed } = settings;
  return { labels, epochs, lr, weightDecay, hidden, batchSize, valFraction, patience, seed };
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
  progress: TrainProgress | null = $state(null);
  /** The slot whose one-file export is being built, if any. */
  combining: Slot | null = $state(null);
  /** The outcome of the last training (done, cancelled or failed), for the status line. */
  trainMessage: { kind: 'ok' | 'error'; text: string } | null = $state(null);
  importMessage: { kind: 'ok' | 'error'; text: string } | null = $state(null);
  /** Why the last model could not be saved with its run (non-blocking: the model stays loaded). */
  saveError: string | null = $state(null);
  /** What restoring the open run's saved models found that the user must act on. */
  restoreNotice: string | null = $state(null);
  /** Bumped whenever a model is trained, imported or dropped: scores must be redone. */
  generation = $state(0);

  /** The held-out pairs and both training sets, from the open run, else the probe set. */
  readonly split: RewardSplit | null;
  /** The open run's id; a derived string, so new labels in the same run change nothing. */
  private readonly openRunId: string | null;

  private worker: RewardWorkerLike | null = null;
  private loadController: AbortController | null = null;
  private trainController: AbortController | null = null;
  private evalToken = 0;
  private readonly options: Required<RewardLabOptions>;
  private store: Promise<RunStore> | null = null;
  /** A restore was skipped because training was running: redo it when training ends. */
  private restorePending = false;
  /** The latest restore; an older one still reading storage gives way to it. */
  private restoreToken = 0;

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
    this.followOpenRun();
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
    return this.progress !== null;
  }

  async ensureProbes(): Promise<void> {
    if (!this.probes.length) this.probes = await loadProbes();
  }

  /**
   * Start a worker on a new encoder. Until it is ready the old one (and its models) keeps
   * working; a failed or cancelled load leaves everything as it was.
   */
  async loadEncoder(source: string, ep: ExecutionProvider): Promise<void> {
    this.loadController?.abort();
    const controller = (this.loadController = new AbortController());
    this.load = { phase: 'loading', source, file: '', loaded: 0, total: null };
    this.warnings = [];
    try {
      const worker = await this.options.startWorker({
        encoder: source,
        ep,
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
    this.trainMessage = null;
    this.importMessage = null;
    this.restoreNotice = null;
    this.generation += 1;
    this.publish();
    await old?.dispose();
  }

  /** Train the given slots one after the other on the current split; Cancel stops them all. */
  async train(slots: readonly Slot[]): Promise<void> {
    const worker = this.worker;
    const split = this.split;
    if (!worker || !split || this.training || !slots.length) return;
    const controller = (this.trainController = new AbortController());
    // The split came from the open run (or the probes, when none is open): the models belong to it.
    const runId = this.lab.currentRun?.id ?? null;
    this.trainMessage = null;
    const trained: Slot[] = [];
    try {
      for (const slot of slots) {
        await this.trainSlot(worker, slot, split, runId, controller.signal);
        trained.push(slot);
        void this.persist(slot, worker.encoder);
      }
      this.trainMessage = {
        kind: 'ok',
        text: `Trained: ${trained.map((s) => SLOT_NAMES[s]).join(', ')}.`,
      };
    } catch (error) {
      const slot = slots[trained.length] ?? 'ai';
      this.curves = { ...this.curves, [slot]: this.models[slot]?.history ?? [] };
      this.trainMessage = {
        kind: 'error',
        text:
          error instanceof CancelledError
            ? `Training cancelled: ${SLOT_NAMES[slot]} is unchanged` +
              (this.models[slot] ? ' (the previous model is kept).' : ' (none yet).')
            : errorText(error),
      };
    } finally {
      if (this.trainController === controller) this.trainController = null;
      this.progress = null;
      if (trained.length) this.afterModelsChanged();
      if (this.restorePending) void this.restoreSaved();
    }
  }

  cancelTraining(): void {
    this.trainController?.abort();
  }

  private async trainSlot(
    worker: RewardWorkerLike,
    slot: Slot,
    split: RewardSplit,
    runId: string | null,
    signal: AbortSignal,
  ): Promise<void> {
    const options = trainOptions(sanitizeSettings(this.settings), slot);
    this.progress = { phase: 'embedding', slot, done: 0, total: 0 };
    this.curves = { ...this.curves, [slot]: [] };
    const live: EpochStats[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      flushTimer = undefined;
      if (this.trainController?.signal === signal)
        this.curves = { ...this.curves, [slot]: [...live] };
    };
    try {
      const result: TrainedModel = await worker.train(split[slot], options, {
        model: slot,
        signal,
        onEmbedProgress: (done, total) =>
          (this.progress = { phase: 'embedding', slot, done, total }),
        onEpoch: (stats) => {
          live.push(stats);
          this.progress = { phase: 'epochs', slot, epoch: stats.epoch, epochs: options.epochs };
          flushTimer ??= setTimeout(flush, CURVE_FLUSH_MS);
        },
      });
      this.models = {
        ...this.models,
        [slot]: {
          manifest: result.manifest,
          head: result.head,
          history: result.history,
          training: result.metadata,
          origin: 'trained',
          splitKey: split.key,
          runId,
          madeAt: this.options.now(),
          savedAt: null,
        },
      };
      this.curves = { ...this.curves, [slot]: result.history };
    } finally {
      clearTimeout(flushTimer);
    }
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
      void this.persist(slot, worker.encoder);
    } catch (error) {
      this.importMessage = { kind: 'error', text: errorText(error) };
    }
  }

  /** The run store, opened once; a failed open is retried on the next call. */
  private runStore(): Promise<RunStore> {
    this.store ??= this.options.openStore().catch((error: unknown) => {
      this.store = null;
      throw error;
    });
    return this.store;
  }

  /**
   * Save a slot's model with the run it belongs to, in the background. A failure only sets
   * `saveError`: the model stays loaded, scored and exportable.
   */
  private async persist(slot: Slot, encoder: StartedEncoder): Promise<void> {
    const model = this.models[slot];
    if (!model?.runId) return;
    try {
      const store = await this.runStore();
      const { manifest, head, runId, splitKey } = model;
      const record = await store.saveRewardModel({
        ...{ runId, slot, manifest, head, splitKey },
        ...{ encoderModelId: encoder.modelId, encoderFingerprint: encoder.fingerprint },
      });
      // Only the model that was saved is marked: a newer one in the slot is not in storage.
      if (this.models[slot] === model) {
        this.models = { ...this.models, [slot]: { ...model, savedAt: record.savedAt } };
      }
      this.saveError = null;
      void datasetStateFor(this.lab).refreshRewardModels();
    } catch (error) {
      this.saveError =
        `The ${SLOT_NAMES[slot]} could not be saved with its run (${errorText(error)}). ` +
        'It stays loaded in this tab: save it as files to keep it.';
    }
  }

  /**
   * Load the open run's saved models into the worker (the page calls this whenever the run or
   * the encoder changes). Models saved on another encoder are named in `restoreNotice`, not
   * loaded; a slot is left alone when `restoreReplaces` says it holds something as new, or when
   * it changed while storage was being read.
   */
  async restoreSaved(): Promise<void> {
    const token = ++this.restoreToken;
    const runId = this.lab.currentRun?.id ?? null;
    const worker = this.worker;
    this.restoreNotice = null;
    // Training replaces models in the worker meanwhile: restore once it ends instead.
    this.restorePending = this.training;
    if (!runId || !worker || this.training) return;
    const before = this.models;
    const records = await this.savedModels(runId);
    if (!records || token !== this.restoreToken) return; // a newer call does its own restore
    const fits = records.filter((r) => r.encoderFingerprint === worker.encoder.fingerprint);
    this.noteForeign(records.filter((r) => !fits.includes(r)));
    const wanted = fits.filter((r) => restoreReplaces(r, before[r.slot]));
    const restored: Slot[] = [];
    for (const record of wanted) {
      if (token !== this.restoreToken || this.models[record.slot] !== before[record.slot]) break;
      if (this.training) this.restorePending = true;
      else if (await this.restoreOne(worker, record)) restored.push(record.slot);
    }
    if (restored.length) this.afterModelsChanged();
  }

  /** The run's saved models, or null (with a notice) when storage cannot be read. */
  private async savedModels(runId: string): Promise<RewardModelRecord[] | null> {
    try {
      return await (await this.runStore()).rewardModels(runId);
    } catch (error) {
      this.restoreNotice = `The saved models for this run could not be read: ${errorText(error)}`;
      return null;
    }
  }

  private noteForeign(records: readonly RewardModelRecord[]): void {
    const encoders = records
      .map((r) => r.encoderModelId)
      .filter((id, i, all) => all.indexOf(id) === i);
    if (!encoders.length) return;
    this.restoreNotice =
      `Saved models for this run need encoder ${encoders.join(' or ')}; ` +
      'load it to restore them.';
  }

  /** One saved model into the worker and its slot; false (with a notice) if it will not open. */
  private async restoreOne(worker: RewardWorkerLike, record: RewardModelRecord): Promise<boolean> {
    const { slot } = record;
    try {
      const manifest = await worker.useModel(record.manifest, record.head, slot);
      this.models = {
        ...this.models,
        [slot]: {
          manifest: record.manifest,
          head: record.head,
          history: [],
          training: manifest.training ?? null,
          origin: 'restored',
          splitKey: record.splitKey,
          runId: record.runId,
          madeAt: this.options.now(),
          savedAt: record.savedAt,
        },
      };
      this.curves = { ...this.curves, [slot]: [] };
      return true;
    } catch (error) {
      this.restoreNotice = `The saved ${SLOT_NAMES[slot]} could not be restored: ${errorText(error)}`;
      return false;
    }
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

/**
 * A saved model's manifest and head: from its two files, or from the one-file export (which
 * carries both inside; see combined-onnx.ts).
 */
async function readModelFiles(
  files: readonly File[],
): Promise<{ manifestText: string; head: Uint8Array }> {
  const [only] = files;
  if (files.length === 1 && only && /\.onnx$/i.test(only.name)) {
    const combined = readCombinedRewardModel(new Uint8Array(await only.arrayBuffer()));
    return { manifestText: combined.manifestJson, head: combined.head };
  }
  const picked = pickModelFiles(files);
  return {
    manifestText: await picked.manifest.text(),
    head: new Uint8Array(await picked.head.arrayBuffer()),
  };
}

const perLab = new WeakMap<Lab, RewardLab>();

/** The Reward page's state for this Lab, created on first use and kept across page switches. */
export function rewardLabFor(lab: Lab): RewardLab {
  let state = perLab.get(lab);
  if (!state) perLab.set(lab, (state = new RewardLab(lab)));
  return state;
}

/** Save bytes as a file through the browser's download (no server involved). */
export function saveFile(name: string, data: string | Uint8Array, type: string): void {
  const part = typeof data === 'string' ? data : new Uint8Array(data);
  const url = URL.createObjectURL(new Blob([part], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // Revoke later: the download reads the blob after this task ends.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
