import 'fake-indexeddb/auto';
import { deleteDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { RewardFormatError } from '../../src/lib/reward/errors';
import {
  checkEncoder,
  exportRewardModel,
  parseManifest,
  type TrainingMetadata,
} from '../../src/lib/reward/export';
import { initHead } from '../../src/lib/reward/head';
import type { StartedEncoder, TrainedModel } from '../../src/lib/reward/worker/client';
import { DEFAULT_LABELING } from '../../src/lib/rlaif/labeler';
import type { PairLabel } from '../../src/lib/rlaif/types';
import { RunStore, StoreError, type RewardModelRecord } from '../../src/lib/store';
import { Lab } from '../../src/ui/state/lab.svelte';
import {
  DEFAULT_SETTINGS,
  errorText,
  RewardLab,
  rewardLabFor,
  restoreReplaces,
  sanitizeSettings,
  type RewardWorkerLike,
  type Slot,
  type SlotModel,
} from '../../src/ui/state/reward.svelte';
import { labelFor, newRun } from '../lib/store/fixtures';

describe('Reward page state', () => {
  it('keeps one state per Lab, so models survive leaving the page', () => {
    const lab = new Lab();
    expect(rewardLabFor(lab)).toBe(rewardLabFor(lab));
    expect(rewardLabFor(new Lab())).not.toBe(rewardLabFor(lab));
  });

  it('splits the probe set without a run, and the run’s AI and human labels with one', async () => {
    const lab = new Lab();
    const rm = rewardLabFor(lab);
    expect(rm.split).toBeNull();
    await rm.ensureProbes();
    expect(rm.split?.heldOut).toHaveLength(18);
    expect(rm.split?.human).toHaveLength(72);
    expect(rm.split?.ai).toEqual([]);

    rm.settings.heldOutFraction = 0.5;
    expect(rm.split?.heldOut).toHaveLength(45);

    const pairs = rm.probes.slice(0, 20);
    const labels: PairLabel[] = pairs.map((pair) => ({
      pairId: pair.id,
      label: [0.7, 0.3],
      orders: { stored: { logprobs: [0, 0], probs: [0.7, 0.3], otherMass: 0 } },
      perOrder: { stored: [0.7, 0.3] },
      modelId: 'm',
      configHash: 'h',
    }));
    lab.currentRun = {
      id: 'r',
      name: 'run',
      pairs,
      labels,
      modelId: 'm',
      config: DEFAULT_LABELING,
    };
    expect(rm.split?.heldOut).toHaveLength(10);
    expect(rm.split?.ai).toHaveLength(10);
    expect(rm.split?.ai.every((t) => t.p === 0.7)).toBe(true);
  });

  it('clamps settings from form inputs (empty inputs give the defaults)', () => {
    const raw = {
      ...DEFAULT_SETTINGS,
      epochs: 2.6,
      lr: -1,
      hidden: null as unknown as number,
      valFraction: 3,
      heldOutFraction: NaN,
    };
    expect(sanitizeSettings(raw)).toEqual({
      ...DEFAULT_SETTINGS,
      epochs: 3,
      lr: 1e-6,
      hidden: DEFAULT_SETTINGS.hidden,
      valFraction: 0.9,
      heldOutFraction: DEFAULT_SETTINGS.heldOutFraction,
    });
  });

  it('names the error type and kind, so a bad import says what it is', () => {
    expect(errorText(new RewardFormatError('checksum', 'SHA differs'))).toBe(
      'RewardFormatError (checksum): SHA differs',
    );
    expect(errorText(new TypeError('x'))).toBe('TypeError: x');
    expect(errorText('plain')).toBe('plain');
  });
});

// ---- models saved with their run ----------------------------------------------------------------

/** An encoder as the worker reports it; the fingerprint is what a saved head is checked against. */
const encoderInfo = (fingerprint: string): StartedEncoder => ({
  modelId: `enc-${fingerprint}`,
  fingerprint,
  dim: 4,
  maxLength: 16,
  ep: 'wasm',
  variant: 'fp32',
});

/** A real export (manifest + head.onnx) for `slot` on `encoder`, as the worker's train returns. */
async function exported(encoder: StartedEncoder, slot: Slot, seed: number): Promise<TrainedModel> {
  const metadata: TrainingMetadata = {
    labels: slot,
    pairs: 8,
    seed,
    epochs: 1,
    bestEpoch: 1,
    valLoss: null,
    valAccuracy: null,
    hyperparameters: {},
    createdAt: '2024-01-01T00:00:00.000Z',
  };
  const model = await exportRewardModel(initHead(encoder.dim, 3, seed), encoder, metadata);
  return {
    manifest: model.manifestJson,
    head: model.head,
    history: [],
    metadata,
    stoppedEarly: false,
  };
}

let trainings = 0;

/** A worker without onnxruntime: trains instantly, and checks opened models' encoder as the real one does. */
class FakeWorker implements RewardWorkerLike {
  readonly used: { slot: string; head: Uint8Array }[] = [];
  constructor(readonly encoder: StartedEncoder) {}
  async train(_pairs: unknown, options: { labels: Slot }): Promise<TrainedModel> {
    return exported(this.encoder, options.labels, ++trainings); // every training differs
  }
  async useModel(manifest: string, head: Uint8Array, slot = 'default') {
    const parsed = parseManifest(manifest);
    checkEncoder(parsed, this.encoder);
    this.used.push({ slot, head });
    return parsed;
  }
  async score(items: readonly unknown[]): Promise<number[]> {
    return items.map(() => 0);
  }
  async scorePair(): Promise<never> {
    throw new Error('not used here');
  }
  async evaluate(): Promise<never> {
    throw new Error('not used here'); // evaluateAll treats this as "replaced meanwhile"
  }
  async combine(): Promise<never> {
    throw new Error('not used here');
  }
  async dispose(): Promise<void> {}
}

let dbCounter = 0;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** One database, one clock and one stored run, shared by every "tab" a test opens on it. */
async function storedRun() {
  const name = `reward-state-${++dbCounter}`;
  let t = 1000;
  const now = () => ++t;
  const store = await RunStore.open({ name, now });
  cleanups.push(async () => {
    store.close();
    await deleteDB(name);
  });
  const input = newRun(12);
  const run = await store.createRun(input);
  const labels: PairLabel[] = input.pairs.slice(0, 6).map((p, i) => labelFor(p.id, 0.2 + i / 10));
  /** A tab: its own Lab with the run open, and its Reward state on the given encoder. */
  async function tab(fingerprint: string, openStore = () => RunStore.open({ name, now })) {
    const lab = new Lab();
    const { id } = run;
    lab.currentRun = {
      id,
      name: run.name,
      pairs: [...input.pairs],
      labels,
      modelId: 'tiny',
      config: DEFAULT_LABELING,
    };
    const worker = new FakeWorker(encoderInfo(fingerprint));
    const rm = new RewardLab(lab, { startWorker: async () => worker, openStore, now });
    await rm.loadEncoder(`enc-${fingerprint}`, 'wasm');
    return { lab, rm, worker };
  }
  /** Saves are in the background: wait until the store holds `n` models for the run. */
  async function saved(n: number): Promise<RewardModelRecord[]> {
    for (let i = 0; i < 100; i++) {
      const records = await store.rewardModels(run.id);
      if (records.length >= n) return records;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`expected ${n} saved models`);
  }
  return { store, run, tab, saved };
}

/** Wait for the background save to mark the slot's model as saved. */
async function savedModel(rm: RewardLab, slot: Slot): Promise<SlotModel> {
  for (let i = 0; i < 100 && rm.models[slot]?.savedAt == null; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const model = rm.models[slot];
  if (!model?.savedAt) throw new Error(`the ${slot} model was never saved`);
  return model;
}

describe('Reward models saved with the open run', () => {
  it('saves both trained models under the run, with their encoder and split', async () => {
    const { run, tab, saved } = await storedRun();
    const { rm } = await tab('fp-A');
    await rm.train(['ai', 'human']);
    const records = await saved(2);
    expect(records.map((r) => r.slot)).toEqual(['ai', 'human']);
    for (const record of records) {
      const model = rm.models[record.slot]!;
      expect(record).toMatchObject({
        runId: run.id,
        manifest: model.manifest,
        encoderModelId: 'enc-fp-A',
        encoderFingerprint: 'fp-A',
        splitKey: rm.split!.key,
      });
      expect([...record.head]).toEqual([...model.head]);
      expect((await savedModel(rm, record.slot)).savedAt).toBe(record.savedAt);
    }
    expect(rm.saveError).toBeNull();
  });

  it('saves nothing without an open run (the probe set is not a run)', async () => {
    const { store, run } = await storedRun();
    const lab = new Lab();
    const rm = new RewardLab(lab, {
      startWorker: async () => new FakeWorker(encoderInfo('fp-A')),
      openStore: async () => store,
    });
    await rm.loadEncoder('enc', 'wasm');
    await rm.ensureProbes();
    await rm.train(['human']);
    expect(rm.models.human?.runId).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.rewardModels(run.id)).toEqual([]);
  });

  it('restores them in a new tab on the same encoder: into the worker, published, marked restored', async () => {
    const { tab, saved } = await storedRun();
    const first = await tab('fp-A');
    await first.rm.train(['ai', 'human']);
    const records = await saved(2);

    const { rm, lab, worker } = await tab('fp-A'); // a reload: nothing in memory
    expect(rm.models).toEqual({ ai: null, human: null });
    const generation = rm.generation;
    await rm.restoreSaved();
    expect(worker.used.map((u) => u.slot)).toEqual(['ai', 'human']);
    expect([...worker.used[0]!.head]).toEqual([...records[0]!.head]);
    expect(rm.models.ai).toMatchObject({ origin: 'restored', savedAt: records[0]!.savedAt });
    expect(rm.models.human?.manifest).toBe(first.rm.models.human?.manifest);
    expect(rm.models.ai?.splitKey).toBe(rm.split?.key);
    expect(rm.models.ai?.training?.labels).toBe('ai');
    expect(lab.rewardScorers.map((s) => s.labels)).toEqual(['ai', 'human']);
    expect(rm.generation).toBeGreaterThan(generation);
    expect(rm.restoreNotice).toBeNull();
  });

  it('names the encoder saved models need instead of loading them on another one', async () => {
    const { tab, saved } = await storedRun();
    await (await tab('fp-A')).rm.train(['ai']);
    await saved(1);
    const { rm, worker, lab } = await tab('fp-B');
    await rm.restoreSaved();
    expect(worker.used).toEqual([]);
    expect(rm.models.ai).toBeNull();
    expect(lab.rewardScorers).toEqual([]);
    expect(rm.restoreNotice).toBe(
      'Saved models for this run need encoder enc-fp-A; load it to restore them.',
    );
    // No run open: nothing to restore, and nothing to say.
    lab.currentRun = null;
    await rm.restoreSaved();
    expect(rm.restoreNotice).toBeNull();
  });

  it('keeps a model trained in this tab after the save, and gives way to a newer save', async () => {
    const { tab, saved } = await storedRun();
    const here = await tab('fp-A');
    await here.rm.train(['ai']);
    const mine = await savedModel(here.rm, 'ai');
    await here.rm.restoreSaved(); // the saved copy is this very model: left alone
    expect(here.worker.used).toEqual([]);
    expect(here.rm.models.ai).toBe(mine);

    const other = await tab('fp-A'); // another tab trains and saves a newer one
    await other.rm.train(['ai']);
    const newer = await savedModel(other.rm, 'ai');
    expect(newer.savedAt!).toBeGreaterThan(mine.savedAt!);
    expect(newer.manifest).not.toBe(mine.manifest);
    await here.rm.restoreSaved();
    expect(here.rm.models.ai).toMatchObject({ origin: 'restored', manifest: newer.manifest });
    expect((await saved(1))[0]!.manifest).toBe(newer.manifest);
  });

  it('shows a failed save as a notice and keeps the model loaded', async () => {
    const { tab } = await storedRun();
    const full = new StoreError(
      'Saving the reward model',
      new DOMException('Quota exceeded', 'QuotaExceededError'),
    );
    const { rm, lab } = await tab('fp-A', async () => {
      throw full;
    });
    await rm.train(['human']);
    for (let i = 0; i < 50 && !rm.saveError; i++) await new Promise((r) => setTimeout(r, 5));
    expect(rm.saveError).toMatch(
      /^The RM trained on human labels \(RLHF\) could not be saved with its run \(StoreError: .*storage for this site is full.*\)\. It stays loaded/,
    );
    expect(rm.models.human).toMatchObject({ origin: 'trained', savedAt: null });
    expect(lab.rewardScorers.map((s) => s.labels)).toEqual(['human']);
    expect(rm.trainMessage?.kind).toBe('ok');
  });

  it('saves an imported model under the open run', async () => {
    const { run, tab, saved } = await storedRun();
    const { rm } = await tab('fp-A');
    const model = await exported(encoderInfo('fp-A'), 'human', 7);
    const files = [
      new File([model.manifest], 'reward-model.json'),
      new File([model.head.slice()], 'head.onnx'),
    ];
    await rm.importFiles(files);
    expect(rm.importMessage?.kind).toBe('ok');
    const [record] = await saved(1);
    expect(record).toMatchObject({ runId: run.id, slot: 'human', splitKey: null });
    expect(record!.manifest).toBe(model.manifest);
  });
});

describe('restoreReplaces', () => {
  const record = { runId: 'r', savedAt: 100 } as RewardModelRecord;
  const model = (over: Partial<SlotModel>): SlotModel => ({
    manifest: '',
    head: new Uint8Array(),
    history: [],
    training: null,
    origin: 'trained',
    splitKey: null,
    runId: 'r',
    madeAt: 50,
    savedAt: null,
    ...over,
  });
  it('fills empty slots and slots of other runs', () => {
    expect(restoreReplaces(record, null)).toBe(true);
    expect(restoreReplaces(record, model({ runId: 'other', madeAt: 500 }))).toBe(true);
    expect(restoreReplaces(record, model({ runId: null, madeAt: 500 }))).toBe(true);
  });
  it('keeps this run’s model when it is the saved one or newer, replaces it when older', () => {
    expect(restoreReplaces(record, model({ savedAt: 100 }))).toBe(false);
    expect(restoreReplaces(record, model({ madeAt: 150 }))).toBe(false);
    expect(restoreReplaces(record, model({ madeAt: 50 }))).toBe(true);
    expect(restoreReplaces(record, model({ madeAt: 150, savedAt: 60 }))).toBe(true);
  });
});

describe('Reward page state: the encoder’s variant', () => {
  it('starts the worker on the chosen variant and keeps what the worker reports', async () => {
    const asked: (string | undefined)[] = [];
    const rm = new RewardLab(new Lab(), {
      startWorker: async (options) => {
        asked.push(options.variant);
        return new FakeWorker({ ...encoderInfo('fp-q'), variant: options.variant ?? 'fp32' });
      },
    });
    await rm.loadEncoder('Xenova/all-MiniLM-L6-v2', 'wasm', 'uint8');
    expect(rm.encoder?.variant).toBe('uint8');
    await rm.loadEncoder('./models/tiny-encoder/', 'wasm'); // the embedded one, as the page loads it
    expect(asked).toEqual(['uint8', undefined]);
    expect(rm.encoder?.variant).toBe('fp32');
  });
});
