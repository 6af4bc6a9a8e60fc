// Dataset runs in IndexedDB: create, list, open, rename, delete, save each label the moment it
// is made, and keep the reward models trained on a run (one per slot) with it. A label write and the run's count/status update share one transaction, so the runs list
// never disagrees with the labels actually stored, whatever moment the tab dies at.

import type { IDBPDatabase } from 'idb';
import type { LabelingConfig } from '../rlaif/labeler';
import type { LineError, PairLabel, PreferencePair, Task } from '../rlaif/types';
import { ConfigMismatchError, RunNotFoundError, StoreError } from './errors';
import {
  openRunsDb,
  runRange,
  type RewardModelRecord,
  type RewardSlot,
  type RunRecord,
  type RunSource,
  type RunStatus,
  type RunsDb,
} from './schema';

export interface NewRun {
  name: string;
  source: RunSource;
  task: Task;
  config: LabelingConfig;
  configHash: string;
  modelId: string;
  pairs: readonly PreferencePair[];
  /** The parse report of the source: bad lines with their numbers. */
  errors?: readonly LineError[];
}

/** Everything stored for one run. */
export interface StoredRun {
  run: RunRecord;
  pairs: PreferencePair[];
  /** In the order they were made. */
  labels: PairLabel[];
  errors: LineError[];
}

/** A reward model to save with a run; the store stamps `savedAt`. */
export type NewRewardModel = Omit<RewardModelRecord, 'savedAt'>;

export interface RunStoreOptions {
  /** Database name; tests use their own. */
  name?: string;
  /** Milliseconds clock for created/updated. */
  now?: () => number;
}

export class RunStore {
  private constructor(
    private readonly db: IDBPDatabase<RunsDb>,
    private readonly now: () => number,
  ) {}

  static async open(options: RunStoreOptions = {}): Promise<RunStore> {
    const db = await guarded('Opening local storage', () => openRunsDb(options.name));
    return new RunStore(db, options.now ?? Date.now);
  }

  close(): void {
    this.db.close();
  }

  /** Store a new run with its pairs and parse report. Duplicate pair ids are made unique. */
  createRun(input: NewRun): Promise<RunRecord> {
    return guarded('Saving the new run', async () => {
      const time = this.now();
      const pairs = withUniqueIds(input.pairs);
      const run: RunRecord = {
        id: newId(time),
        name: input.name,
        created: time,
        updated: time,
        source: input.source,
        task: input.task,
        config: structuredClone(input.config),
        configHash: input.configHash,
        modelId: input.modelId,
        pairCount: pairs.length,
        labelledCount: 0,
        status: pairs.length ? 'ready' : 'complete',
      };
      const tx = this.db.transaction(['runs', 'pairs', 'errors'], 'readwrite');
      const pairStore = tx.objectStore('pairs');
      await Promise.all([
        tx.objectStore('runs').add(run),
        tx.objectStore('errors').put({ runId: run.id, errors: [...(input.errors ?? [])] }),
        ...pairs.map((pair, index) => pairStore.add({ runId: run.id, index, pair })),
        tx.done,
      ]);
      return run;
    });
  }

  /** Every run, most recently updated first. */
  listRuns(): Promise<RunRecord[]> {
    return guarded('Listing runs', async () => {
      const runs = await this.db.getAll('runs');
      return runs.sort((a, b) => b.updated - a.updated);
    });
  }

  getRun(runId: string): Promise<RunRecord> {
    return guarded('Reading the run', async () => {
      const run = await this.db.get('runs', runId);
      if (!run) throw new RunNotFoundError(runId);
      return run;
    });
  }

  /** The run with its pairs (in order), labels (in the order made) and parse report. */
  openRun(runId: string): Promise<StoredRun> {
    return guarded('Opening the run', async () => {
      const tx = this.db.transaction(['runs', 'pairs', 'labels', 'errors'], 'readonly');
      const [run, pairRows, labelRows, errors] = await Promise.all([
        tx.objectStore('runs').get(runId),
        tx.objectStore('pairs').getAll(runRange(runId)),
        tx.objectStore('labels').getAll(runRange(runId)),
        tx.objectStore('errors').get(runId),
      ]);
      if (!run) throw new RunNotFoundError(runId);
      return {
        run,
        pairs: pairRows.sort((a, b) => a.index - b.index).map((row) => row.pair),
        labels: labelRows.sort((a, b) => a.seq - b.seq).map((row) => row.label),
        errors: errors?.errors ?? [],
      };
    });
  }

  /** Ids of the pairs that already have a label: what a resumed run skips. */
  labelledIds(runId: string): Promise<Set<string>> {
    return guarded('Reading the saved labels', async () => {
      const keys = await this.db.getAllKeys('labels', runRange(runId));
      return new Set(keys.map(([, pairId]) => pairId));
    });
  }

  /**
   * Save one label now. Relabelling a pair replaces its label. The run must exist and use the
   * label's prompt configuration; the run becomes 'complete' with its last pair.
   */
  saveLabel(runId: string, label: PairLabel): Promise<RunRecord> {
    return guarded('Saving a label', async () => {
      const tx = this.db.transaction(['runs', 'labels'], 'readwrite');
      const runs = tx.objectStore('runs');
      const labels = tx.objectStore('labels');
      const [run, existing] = await Promise.all([
        runs.get(runId),
        labels.getKey([runId, label.pairId]),
      ]);
      if (!run) throw new RunNotFoundError(runId);
      if (label.configHash !== run.configHash) {
        throw new ConfigMismatchError(runId, run.configHash, label.configHash);
      }
      const labelledCount = run.labelledCount + (existing === undefined ? 1 : 0);
      const next: RunRecord = {
        ...run,
        labelledCount,
        updated: this.now(),
        status: labelledCount >= run.pairCount ? 'complete' : run.status,
      };
      await Promise.all([
        labels.put({ runId, pairId: label.pairId, seq: run.labelledCount, label }),
        runs.put(next),
        tx.done,
      ]);
      return next;
    });
  }

  /** Record where the run stands ('labelling', 'paused', ...) and the last error, if any. */
  setStatus(runId: string, status: RunStatus, lastError?: string): Promise<RunRecord> {
    return this.update('Updating the run status', runId, (run) => {
      const complete = run.labelledCount >= run.pairCount;
      const next = { ...run, status: complete ? 'complete' : status, updated: this.now() };
      if (lastError === undefined) delete next.lastError;
      else next.lastError = lastError;
      return next;
    });
  }

  renameRun(runId: string, name: string): Promise<RunRecord> {
    const trimmed = name.trim();
    if (!trimmed) return Promise.reject(new RangeError('A run needs a name.'));
    return this.update('Renaming the run', runId, (run) => ({
      ...run,
      name: trimmed,
      updated: this.now(),
    }));
  }

  /** Delete the run and everything stored with it. Deleting a missing run is not an error. */
  deleteRun(runId: string): Promise<void> {
    return guarded('Deleting the run', async () => {
      const stores = ['runs', 'pairs', 'labels', 'errors', 'rewardModels'] as const;
      const tx = this.db.transaction(stores, 'readwrite');
      await Promise.all([
        tx.objectStore('runs').delete(runId),
        tx.objectStore('pairs').delete(runRange(runId)),
        tx.objectStore('labels').delete(runRange(runId)),
        tx.objectStore('errors').delete(runId),
        tx.objectStore('rewardModels').delete(runRange(runId)),
        tx.done,
      ]);
    });
  }

  /**
   * Save a reward model with its run, replacing the one in its slot. Checked against the run in
   * the same transaction, so a model never outlives a run deleted meanwhile (another tab).
   */
  saveRewardModel(input: NewRewardModel): Promise<RewardModelRecord> {
    return guarded('Saving the reward model', async () => {
      const tx = this.db.transaction(['runs', 'rewardModels'], 'readwrite');
      const run = await tx.objectStore('runs').get(input.runId);
      if (!run) throw new RunNotFoundError(input.runId);
      // slice(): a view into a larger buffer would otherwise store that whole buffer.
      const record: RewardModelRecord = { ...input, head: input.head.slice(), savedAt: this.now() };
      await Promise.all([tx.objectStore('rewardModels').put(record), tx.done]);
      return record;
    });
  }

  /** The reward models saved with a run, 'ai' before 'human'. */
  rewardModels(runId: string): Promise<RewardModelRecord[]> {
    return guarded('Reading the saved reward models', () =>
      this.db.getAll('rewardModels', runRange(runId)),
    );
  }

  /** Which slots each run has a saved reward model in (keys only: no model is read). */
  rewardModelSlots(): Promise<Map<string, RewardSlot[]>> {
    return guarded('Listing the saved reward models', async () => {
      const slots = new Map<string, RewardSlot[]>();
      for (const [runId, slot] of await this.db.getAllKeys('rewardModels')) {
        slots.set(runId, [...(slots.get(runId) ?? []), slot]);
      }
      return slots;
    });
  }

  private update(
    operation: string,
    runId: string,
    change: (run: RunRecord) => RunRecord,
  ): Promise<RunRecord> {
    return guarded(operation, async () => {
      const tx = this.db.transaction('runs', 'readwrite');
      const run = await tx.store.get(runId);
      if (!run) throw new RunNotFoundError(runId);
      const next = change(run);
      await Promise.all([tx.store.put(next), tx.done]);
      return next;
    });
  }
}

/** Our own errors pass through; anything IndexedDB throws becomes a StoreError saying what failed. */
async function guarded<T>(operation: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (
      error instanceof RunNotFoundError ||
      error instanceof ConfigMismatchError ||
      error instanceof StoreError
    ) {
      throw error;
    }
    throw new StoreError(operation, error);
  }
}

/** Sortable by time, unique enough for one browser; no secure context needed (unlike randomUUID). */
function newId(time: number): string {
  const random = Math.floor(Math.random() * 2 ** 40).toString(36);
  return `run-${time.toString(36)}-${random}`;
}

/**
 * Labels are keyed by (run, pair id), so ids must be unique within a run. Files can repeat ids;
 * a repeat becomes "<id>@<line>" (then "#2", "#3" in the unlikely case that is taken too).
 */
export function withUniqueIds(pairs: readonly PreferencePair[]): PreferencePair[] {
  const seen = new Set<string>();
  return pairs.map((pair) => {
    let id = pair.id;
    if (seen.has(id)) id = `${pair.id}@${pair.source.line}`;
    for (let k = 2; seen.has(id); k++) id = `${pair.id}@${pair.source.line}#${k}`;
    seen.add(id);
    return id === pair.id ? pair : { ...pair, id };
  });
}
