import 'fake-indexeddb/auto';
import { deleteDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { runBatch } from '../../../src/lib/rlaif/batch';
import { CancelledError } from '../../../src/lib/rlaif/engine';
import {
  ConfigMismatchError,
  RunNotFoundError,
  RunStore,
  StoreError,
  withUniqueIds,
} from '../../../src/lib/store';
import { labelFor, newRun, somePairs } from './fixtures';

let counter = 0;
const opened: { store: RunStore; name: string }[] = [];

/** A store on its own database, closed and deleted after the test. */
async function freshStore(now?: () => number): Promise<{ store: RunStore; name: string }> {
  const name = `runs-test-${++counter}`;
  const store = await RunStore.open({ name, now });
  opened.push({ store, name });
  return { store, name };
}

afterEach(async () => {
  for (const { store, name } of opened.splice(0)) {
    store.close();
    await deleteDB(name);
  }
});

describe('RunStore', () => {
  it('creates a run and opens it with its pairs in order and its parse report', async () => {
    const { store } = await freshStore(() => 1000);
    const run = await store.createRun(newRun(30));
    expect(run).toMatchObject({
      name: 'Probe run',
      created: 1000,
      updated: 1000,
      pairCount: 30,
      labelledCount: 0,
      status: 'ready',
      configHash: 'hash-1',
      modelId: 'tiny',
    });
    const stored = await store.openRun(run.id);
    expect(stored.pairs.map((p) => p.id)).toEqual(somePairs(30).map((p) => p.id));
    expect(stored.pairs[7]).toEqual(somePairs(30)[7]);
    expect(stored.labels).toEqual([]);
    expect(stored.errors).toEqual([{ line: 3, reason: 'invalid JSON' }]);
    expect(stored.run.config.prompt.task).toBe('summarization');
  });

  it('saves labels one at a time, counts them, and completes the run with the last one', async () => {
    let t = 0;
    const { store } = await freshStore(() => ++t);
    const run = await store.createRun(newRun(3));
    await store.saveLabel(run.id, labelFor('p2', 0.7));
    let record = await store.saveLabel(run.id, labelFor('p0', 0.2));
    expect(record).toMatchObject({ labelledCount: 2, status: 'ready' });
    // Relabelling replaces, it does not count twice.
    record = await store.saveLabel(run.id, labelFor('p0', 0.3));
    expect(record.labelledCount).toBe(2);
    record = await store.saveLabel(run.id, labelFor('p1', 0.9));
    expect(record).toMatchObject({ labelledCount: 3, status: 'complete' });
    const stored = await store.openRun(run.id);
    expect(stored.labels.map((l) => [l.pairId, l.label[0]])).toEqual([
      ['p2', 0.7],
      ['p0', 0.3],
      ['p1', 0.9],
    ]);
    expect(await store.labelledIds(run.id)).toEqual(new Set(['p0', 'p1', 'p2']));
  });

  it('refuses a label from another prompt configuration, and labels for a missing run', async () => {
    const { store } = await freshStore();
    const run = await store.createRun(newRun(2));
    await expect(store.saveLabel(run.id, labelFor('p0', 0.6, 'other'))).rejects.toBeInstanceOf(
      ConfigMismatchError,
    );
    await expect(store.saveLabel('nope', labelFor('p0', 0.6))).rejects.toBeInstanceOf(
      RunNotFoundError,
    );
    expect((await store.getRun(run.id)).labelledCount).toBe(0);
  });

  it('lists runs newest first, renames and deletes them with everything they hold', async () => {
    let t = 0;
    const { store } = await freshStore(() => (t += 10));
    const a = await store.createRun(newRun(2, { name: 'A' }));
    const b = await store.createRun(newRun(2, { name: 'B' }));
    await store.saveLabel(a.id, labelFor('p0', 0.6)); // A is now the most recently updated
    expect((await store.listRuns()).map((r) => r.name)).toEqual(['A', 'B']);
    await store.renameRun(b.id, '  Renamed  ');
    expect((await store.listRuns()).map((r) => r.name)).toEqual(['Renamed', 'A']);
    await expect(store.renameRun(b.id, '   ')).rejects.toThrow(/needs a name/);

    await store.deleteRun(a.id);
    expect((await store.listRuns()).map((r) => r.id)).toEqual([b.id]);
    await expect(store.openRun(a.id)).rejects.toBeInstanceOf(RunNotFoundError);
    expect(await store.labelledIds(a.id)).toEqual(new Set());
    // The other run's pairs are untouched by the range delete.
    expect((await store.openRun(b.id)).pairs).toHaveLength(2);
  });

  it('keeps status and the last error, and never marks a complete run as anything else', async () => {
    const { store } = await freshStore();
    const run = await store.createRun(newRun(1));
    let record = await store.setStatus(run.id, 'failed', 'stopped at pair 1: GPU lost');
    expect(record).toMatchObject({ status: 'failed', lastError: 'stopped at pair 1: GPU lost' });
    record = await store.setStatus(run.id, 'labelling');
    expect(record.lastError).toBeUndefined();
    await store.saveLabel(run.id, labelFor('p0', 0.6));
    expect((await store.setStatus(run.id, 'paused')).status).toBe('complete');
  });

  it('survives closing and reopening the database: a resumed batch labels only the rest', async () => {
    const first = await freshStore();
    const run = await first.store.createRun(newRun(6));
    const controller = new AbortController();
    const labeler = { label: async (pair: { id: string }) => labelFor(pair.id, 0.6) };
    const interrupted = runBatch({
      labeler,
      pairs: (await first.store.openRun(run.id)).pairs,
      labelled: await first.store.labelledIds(run.id),
      signal: controller.signal,
      onLabel: async (label) => {
        await first.store.saveLabel(run.id, label);
        if (label.pairId === 'p2') controller.abort(); // the "reload"
      },
    });
    await expect(interrupted).rejects.toBeInstanceOf(CancelledError);
    first.store.close();

    const again = await RunStore.open({ name: first.name });
    opened.push({ store: again, name: first.name });
    const stored = await again.openRun(run.id);
    expect(stored.labels.map((l) => l.pairId)).toEqual(['p0', 'p1', 'p2']);
    const labelledNow: string[] = [];
    await runBatch({
      labeler,
      pairs: stored.pairs,
      labelled: await again.labelledIds(run.id),
      onLabel: async (label) => {
        labelledNow.push(label.pairId);
        await again.saveLabel(run.id, label);
      },
    });
    expect(labelledNow).toEqual(['p3', 'p4', 'p5']);
    expect(await again.getRun(run.id)).toMatchObject({ labelledCount: 6, status: 'complete' });
  });

  it('wraps IndexedDB failures in a StoreError that says what failed', async () => {
    const { store } = await freshStore();
    store.close();
    const error = await store.listRuns().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/^Listing runs failed: .*closed.*Reload/);
  });
});

describe('withUniqueIds', () => {
  it('renames repeated ids after their line and leaves unique ones alone', () => {
    const pairs = somePairs(4).map((p, i) => ({ ...p, id: i < 3 ? 'x' : 'x@2' }));
    expect(withUniqueIds(pairs).map((p) => p.id)).toEqual(['x', 'x@2', 'x@3', 'x@2@4']);
    const same = somePairs(2);
    expect(withUniqueIds(same)[0]).toBe(same[0]);
  });
});
