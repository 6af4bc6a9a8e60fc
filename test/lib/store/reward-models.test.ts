import 'fake-indexeddb/auto';
import { deleteDB, openDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DB_VERSION, RunNotFoundError, RunStore, StoreError } from '../../../src/lib/store';
import { labelFor, newRun, rewardModelFor, somePairs } from './fixtures';

// Reward models stored with their run (schema version 2), and the upgrade from version 1.
let counter = 0;
const opened: { store: RunStore; name: string }[] = [];

async function freshStore(now?: () => number): Promise<RunStore> {
  const name = `rm-store-test-${++counter}`;
  const store = await RunStore.open({ name, now });
  opened.push({ store, name });
  return store;
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const { store, name } of opened.splice(0)) {
    store.close();
    await deleteDB(name);
  }
});

describe('RunStore reward models', () => {
  it('saves one model per slot, replaces it on a new save, and reads the bytes back', async () => {
    let t = 100;
    const store = await freshStore(() => ++t);
    const run = await store.createRun(newRun(4));
    const other = await store.createRun(newRun(2, { name: 'Other' }));
    const ai = await store.saveRewardModel(rewardModelFor(run.id, 'ai', 1));
    await store.saveRewardModel(rewardModelFor(run.id, 'human', 2));
    await store.saveRewardModel(rewardModelFor(other.id, 'human', 3));
    expect(ai.savedAt).toBe(103);

    const saved = await store.rewardModels(run.id);
    expect(saved.map((r) => r.slot)).toEqual(['ai', 'human']);
    expect(saved[0]).toEqual({ ...rewardModelFor(run.id, 'ai', 1), savedAt: 103 });
    expect(saved[0]!.head).toBeInstanceOf(Uint8Array);
    expect([...saved[1]!.head]).toEqual([...rewardModelFor(run.id, 'human', 2).head]);

    const again = await store.saveRewardModel(rewardModelFor(run.id, 'ai', 9));
    const replaced = await store.rewardModels(run.id);
    expect(replaced).toHaveLength(2);
    expect(replaced[0]).toMatchObject({ encoderFingerprint: 'fp-9', savedAt: again.savedAt });
    expect(await store.rewardModelSlots()).toEqual(
      new Map([
        [run.id, ['ai', 'human']],
        [other.id, ['human']],
      ]),
    );
  });

  it('stores only the bytes of a view, not the whole buffer behind it', async () => {
    const store = await freshStore();
    const run = await store.createRun(newRun(1));
    const big = new Uint8Array(1000).map((_, i) => i % 256);
    await store.saveRewardModel({ ...rewardModelFor(run.id, 'ai'), head: big.subarray(10, 20) });
    const [saved] = await store.rewardModels(run.id);
    expect([...saved!.head]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(saved!.head.buffer.byteLength).toBe(10);
  });

  it('refuses a model for a missing run and deletes a run’s models with the run', async () => {
    const store = await freshStore();
    const error = await store.saveRewardModel(rewardModelFor('nope', 'ai')).catch((e) => e);
    expect(error).toBeInstanceOf(RunNotFoundError);
    const run = await store.createRun(newRun(3));
    const kept = await store.createRun(newRun(3, { name: 'Kept' }));
    await store.saveRewardModel(rewardModelFor(run.id, 'ai'));
    await store.saveRewardModel(rewardModelFor(run.id, 'human'));
    await store.saveRewardModel(rewardModelFor(kept.id, 'ai'));
    await store.deleteRun(run.id);
    expect(await store.rewardModels(run.id)).toEqual([]);
    expect(await store.rewardModels(kept.id)).toHaveLength(1);
    expect(await store.rewardModelSlots()).toEqual(new Map([[kept.id, ['ai']]]));
  });

  it('explains a full disk as a StoreError and keeps the previous model', async () => {
    const store = await freshStore();
    const run = await store.createRun(newRun(2));
    await store.saveRewardModel(rewardModelFor(run.id, 'ai', 1));
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('Quota exceeded', 'QuotaExceededError');
    });
    const error = await store.saveRewardModel(rewardModelFor(run.id, 'ai', 2)).catch((e) => e);
    vi.restoreAllMocks();
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toBe(
      'Saving the reward model failed: the browser storage for this site is full. ' +
        'Delete old runs or free disk space.',
    );
    const [saved] = await store.rewardModels(run.id);
    expect(saved!.encoderFingerprint).toBe('fp-1');
  });
});

describe('Schema upgrade from version 1', () => {
  it('keeps a version-1 database’s runs, pairs, labels and reports, and adds reward models', async () => {
    expect(DB_VERSION).toBe(2);
    const name = `rm-upgrade-test-${++counter}`;
    // The version-1 layout, written out as the old code created it.
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('runs', { keyPath: 'id' });
        db.createObjectStore('pairs', { keyPath: ['runId', 'index'] });
        db.createObjectStore('labels', { keyPath: ['runId', 'pairId'] });
        db.createObjectStore('errors', { keyPath: 'runId' });
      },
    });
    const pairs = somePairs(3);
    const { name: runName, source, task, config, configHash, modelId } = newRun(3);
    const input = { name: runName, source, task, config, configHash, modelId };
    const run = {
      ...input,
      id: 'run-old',
      created: 5,
      updated: 6,
      pairCount: 3,
      labelledCount: 2,
      status: 'paused',
    };
    await v1.put('runs', run);
    for (const [index, pair] of pairs.entries())
      await v1.put('pairs', { runId: run.id, index, pair });
    await v1.put('labels', { runId: run.id, pairId: 'p1', seq: 0, label: labelFor('p1', 0.8) });
    await v1.put('labels', { runId: run.id, pairId: 'p0', seq: 1, label: labelFor('p0', 0.3) });
    await v1.put('errors', { runId: run.id, errors: [{ line: 9, reason: 'bad' }] });
    v1.close();

    const store = await RunStore.open({ name });
    opened.push({ store, name });
    expect(await store.listRuns()).toEqual([run]);
    const stored = await store.openRun(run.id);
    expect(stored.pairs).toEqual(pairs);
    expect(stored.labels).toEqual([labelFor('p1', 0.8), labelFor('p0', 0.3)]);
    expect(stored.errors).toEqual([{ line: 9, reason: 'bad' }]);
    expect(await store.rewardModels(run.id)).toEqual([]);
    await store.saveRewardModel(rewardModelFor(run.id, 'human'));
    expect(await store.rewardModelSlots()).toEqual(new Map([[run.id, ['human']]]));
    // A second open finds version 2 already: nothing is recreated or lost.
    store.close();
    const again = await RunStore.open({ name });
    opened.push({ store: again, name });
    expect(await again.rewardModels(run.id)).toHaveLength(1);
    expect((await again.openRun(run.id)).labels).toHaveLength(2);
  });
});
