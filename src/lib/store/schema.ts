// The IndexedDB layout for dataset runs. One database, five stores, all keyed by run id first so a
// run's rows form one contiguous key range (list, open and delete are single range operations).
// Version 1 had runs, pairs, labels and errors; version 2 adds each run's reward models.

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { LabelingConfig } from '../rlaif/labeler';
import type { LineError, PairLabel, PreferencePair, Task } from '../rlaif/types';

/**
 * Where a run's state is. 'labelling' stays stored if the tab dies mid-run; whoever opens the run
 * later sees it as interrupted (nothing is labelling it any more) and can resume.
 */
export type RunStatus = 'ready' | 'labelling' | 'paused' | 'stopped' | 'failed' | 'complete';

/** Where a run's pairs came from, for the runs list and exports. */
export interface RunSource {
  kind: 'probes' | 'file' | 'huggingface';
  /** e.g. "probes.jsonl (summarization, first 20)" or "Anthropic/hh-rlhf default/test". */
  description: string;
}

export interface RunRecord {
  id: string;
  name: string;
  /** Milliseconds since the epoch. */
  created: number;
  updated: number;
  source: RunSource;
  task: Task;
  /** The labeling settings the whole run uses: fixed at creation, reused on resume. */
  config: LabelingConfig;
  configHash: string;
  modelId: string;
  pairCount: number;
  labelledCount: number;
  status: RunStatus;
  /** The last failure, for the runs list ("stopped at pair 12: GPU device lost"). */
  lastError?: string;
}

export interface PairRow {
  runId: string;
  index: number;
  pair: PreferencePair;
}

export interface LabelRow {
  runId: string;
  pairId: string;
  /** The order labels were made in (0, 1, ...), so a reopened run lists them as made. */
  seq: number;
  label: PairLabel;
}

export interface ErrorsRow {
  runId: string;
  errors: LineError[];
}

/** Which labels a reward model was trained on: the run's AI labels or its human labels. */
export type RewardSlot = 'ai' | 'human';

/** A reward model saved with a run: the two files of its export, and the encoder it needs. */
export interface RewardModelRecord {
  runId: string;
  slot: RewardSlot;
  /** The text of reward-model.json. */
  manifest: string;
  /** The bytes of head.onnx. */
  head: Uint8Array;
  /** Milliseconds since the epoch, from the store's clock. */
  savedAt: number;
  /** The encoder the head was trained on; it only restores onto that encoder. */
  encoderModelId: string;
  encoderFingerprint: string;
  /** The held-out split it was trained beside (null when imported), for the accuracy caveat. */
  splitKey: string | null;
}

export interface RunsDb extends DBSchema {
  runs: { key: string; value: RunRecord };
  pairs: { key: [string, number]; value: PairRow };
  labels: { key: [string, string]; value: LabelRow };
  errors: { key: string; value: ErrorsRow };
  rewardModels: { key: [string, RewardSlot]; value: RewardModelRecord };
}

export const DB_NAME = 'rlaif-lab-runs';
export const DB_VERSION = 2;

export async function openRunsDb(name = DB_NAME): Promise<IDBPDatabase<RunsDb>> {
  const db: IDBPDatabase<RunsDb> = await openDB<RunsDb>(name, DB_VERSION, {
    // Each step only adds stores, so a database of any older version keeps all its data.
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('runs', { keyPath: 'id' });
        db.createObjectStore('pairs', { keyPath: ['runId', 'index'] });
        db.createObjectStore('labels', { keyPath: ['runId', 'pairId'] });
        db.createObjectStore('errors', { keyPath: 'runId' });
      }
      if (oldVersion < 2) db.createObjectStore('rewardModels', { keyPath: ['runId', 'slot'] });
    },
    // Another tab wants a newer schema: let it, rather than leave it hanging; our next call then
    // fails with InvalidStateError, which StoreError explains as "reload the page".
    blocking() {
      db.close();
    },
  });
  return db;
}

/** Every key of one run in a store keyed [runId, ...]: [runId] sorts before, [runId, []] after. */
export function runRange(runId: string): IDBKeyRange {
  return IDBKeyRange.bound([runId], [runId, []]);
}
