// Training the reward models on the Reward model page: one slot after the other in the worker,
// with live progress and loss curves, and one Cancel for them all. The models it trains go into
// the page's state (RewardLab) through its RewardHost.
import type { RewardSplit } from '../../lib/reward/split';
import type { EpochStats } from '../../lib/reward/train';
import type {
  StartedEncoder,
  TrainedModel,
  WorkerTrainOptions,
} from '../../lib/reward/worker/client';
import { CancelledError } from '../../lib/rlaif/engine';
import {
  errorText,
  sanitizeSettings,
  SLOT_NAMES,
  type RewardHost,
  type RewardSettings,
  type RewardWorkerLike,
  type Slot,
  type TrainProgress,
} from './reward-slots';

/** How often live curves are redrawn at most: per-epoch messages can arrive every millisecond. */
const CURVE_FLUSH_MS = 100;

/** What training needs beyond the shared state. */
export interface TrainingHost extends RewardHost {
  /** The held-out pairs and both training sets the models are trained on. */
  split(): RewardSplit | null;
  settings(): RewardSettings;
  /** Save a freshly trained slot with its run, in the background. */
  persist(slot: Slot, encoder: StartedEncoder): void;
  /** Training ended (done, cancelled or failed): a restore it held back may run now. */
  ended(): void;
}

/** What the worker's trainer takes (the held-out share was already used by the split). */
function trainOptions(
  settings: RewardSettings,
  labels: Slot,
): WorkerTrainOptions & { epochs: number } {
  const { epochs, lr, weightDecay, hidden, batchSize, valFraction, patience, seed } = settings;
  return { labels, epochs, lr, weightDecay, hidden, batchSize, valFraction, patience, seed };
}

export class RewardTrainer {
  progress: TrainProgress | null = $state(null);
  /** The outcome of the last training (done, cancelled or failed), for the status line. */
  message: { kind: 'ok' | 'error'; text: string } | null = $state(null);

  private controller: AbortController | null = null;
  private readonly host: TrainingHost;

  constructor(host: TrainingHost) {
    this.host = host;
  }

  get running(): boolean {
    return this.progress !== null;
  }

  /** Train the given slots one after the other on the current split; Cancel stops them all. */
  async train(slots: readonly Slot[]): Promise<void> {
    const host = this.host;
    const worker = host.worker();
    const split = host.split();
    if (!worker || !split || this.running || !slots.length) return;
    const controller = (this.controller = new AbortController());
    // The split came from the open run (or the probes, when none is open): the models belong to it.
    const runId = host.openRunId();
    this.message = null;
    const trained: Slot[] = [];
    try {
      for (const slot of slots) {
        await this.trainSlot(worker, slot, split, runId, controller.signal);
        trained.push(slot);
        host.persist(slot, worker.encoder);
      }
      this.message = {
        kind: 'ok',
        text: `Trained: ${trained.map((s) => SLOT_NAMES[s]).join(', ')}.`,
      };
    } catch (error) {
      const slot = slots[trained.length] ?? 'ai';
      const kept = host.models()[slot];
      host.setCurve(slot, kept?.history ?? []);
      this.message = {
        kind: 'error',
        text:
          error instanceof CancelledError
            ? `Training cancelled: ${SLOT_NAMES[slot]} is unchanged` +
              (kept ? ' (the previous model is kept).' : ' (none yet).')
            : errorText(error),
      };
    } finally {
      if (this.controller === controller) this.controller = null;
      this.progress = null;
      if (trained.length) host.modelsChanged();
      host.ended();
    }
  }

  cancel(): void {
    this.controller?.abort();
  }

  private async trainSlot(
    worker: RewardWorkerLike,
    slot: Slot,
    split: RewardSplit,
    runId: string | null,
    signal: AbortSignal,
  ): Promise<void> {
    const host = this.host;
    const options = trainOptions(sanitizeSettings(host.settings()), slot);
    this.progress = { phase: 'embedding', slot, done: 0, total: 0 };
    host.setCurve(slot, []);
    const live: EpochStats[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      flushTimer = undefined;
      if (this.controller?.signal === signal) host.setCurve(slot, [...live]);
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
      host.setModel(slot, {
        manifest: result.manifest,
        head: result.head,
        history: result.history,
        training: result.metadata,
        origin: 'trained',
        splitKey: split.key,
        runId,
        madeAt: host.now(),
        savedAt: null,
      });
      host.setCurve(slot, result.history);
    } finally {
      clearTimeout(flushTimer);
    }
  }
}
