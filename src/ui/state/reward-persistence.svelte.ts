// Reward models saved with their run (IndexedDB, through the run store): a model trained or
// imported while a run is open is saved with it, and restored into its slot when the run is opened
// again on the encoder it was trained on. Failures only set a notice; the models in the tab stay.
import type { StartedEncoder } from '../../lib/reward/worker/client';
import type { RewardModelRecord, RunStore } from '../../lib/store';
import {
  errorText,
  SLOT_NAMES,
  type RewardHost,
  type RewardWorkerLike,
  type Slot,
  type SlotModel,
} from './reward-slots';

/** What saving and restoring need beyond the shared state. */
export interface PersistenceHost extends RewardHost {
  /** The run store models are saved in, opened on first use. */
  openStore(): Promise<RunStore>;
  /** Whether training is running (it replaces models in the worker meanwhile). */
  training(): boolean;
  /** A model was saved: the Dataset page's list of runs shows which have reward models. */
  saved(): void;
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

export class RunRewardModels {
  /** Why the last model could not be saved with its run (non-blocking: the model stays loaded). */
  saveError: string | null = $state(null);
  /** What restoring the open run's saved models found that the user must act on. */
  restoreNotice: string | null = $state(null);

  private readonly host: PersistenceHost;
  private store: Promise<RunStore> | null = null;
  /** A restore was skipped because training was running: redo it when training ends. */
  private restorePending = false;
  /** The latest restore; an older one still reading storage gives way to it. */
  private restoreToken = 0;

  constructor(host: PersistenceHost) {
    this.host = host;
  }

  /** The run store, opened once; a failed open is retried on the next call. */
  private runStore(): Promise<RunStore> {
    this.store ??= this.host.openStore().catch((error: unknown) => {
      this.store = null;
      throw error;
    });
    return this.store;
  }

  /**
   * Save a slot's model with the run it belongs to, in the background. A failure only sets
   * `saveError`: the model stays loaded, scored and exportable.
   */
  async persist(slot: Slot, encoder: StartedEncoder): Promise<void> {
    const model = this.host.models()[slot];
    if (!model?.runId) return;
    try {
      const store = await this.runStore();
      const { manifest, head, runId, splitKey } = model;
      const record = await store.saveRewardModel({
        ...{ runId, slot, manifest, head, splitKey },
        ...{ encoderModelId: encoder.modelId, encoderFingerprint: encoder.fingerprint },
      });
      // Only the model that was saved is marked: a newer one in the slot is not in storage.
      if (this.host.models()[slot] === model) {
        this.host.setModel(slot, { ...model, savedAt: record.savedAt });
      }
      this.saveError = null;
      this.host.saved();
    } catch (error) {
      this.saveError =
        `The ${SLOT_NAMES[slot]} could not be saved with its run (${errorText(error)}). ` +
        'It stays loaded in this tab: save it as files to keep it.';
    }
  }

  /** Run the restore that training held back, if one was. */
  resumePending(): void {
    if (this.restorePending) void this.restore();
  }

  /**
   * Load the open run's saved models into the worker (the page calls this whenever the run or
   * the encoder changes). Models saved on another encoder are named in `restoreNotice`, not
   * loaded; a slot is left alone when `restoreReplaces` says it holds something as new, or when
   * it changed while storage was being read.
   */
  async restore(): Promise<void> {
    const host = this.host;
    const token = ++this.restoreToken;
    const runId = host.openRunId();
    const worker = host.worker();
    this.restoreNotice = null;
    // Training replaces models in the worker meanwhile: restore once it ends instead.
    this.restorePending = host.training();
    if (!runId || !worker || host.training()) return;
    const before = host.models();
    const records = await this.savedModels(runId);
    if (!records || token !== this.restoreToken) return; // a newer call does its own restore
    const fits = records.filter((r) => r.encoderFingerprint === worker.encoder.fingerprint);
    this.noteForeign(records.filter((r) => !fits.includes(r)));
    const wanted = fits.filter((r) => restoreReplaces(r, before[r.slot]));
    const restored: Slot[] = [];
    for (const record of wanted) {
      if (token !== this.restoreToken || host.models()[record.slot] !== before[record.slot]) break;
      if (host.training()) this.restorePending = true;
      else if (await this.restoreOne(worker, record)) restored.push(record.slot);
    }
    if (restored.length) host.modelsChanged();
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
      this.host.setModel(slot, {
        manifest: record.manifest,
        head: record.head,
        history: [],
        training: manifest.training ?? null,
        origin: 'restored',
        splitKey: record.splitKey,
        runId: record.runId,
        madeAt: this.host.now(),
        savedAt: record.savedAt,
      });
      this.host.setCurve(slot, []);
      return true;
    } catch (error) {
      this.restoreNotice = `The saved ${SLOT_NAMES[slot]} could not be restored: ${errorText(error)}`;
      return false;
    }
  }
}
