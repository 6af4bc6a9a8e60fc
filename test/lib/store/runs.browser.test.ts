import { deleteDB } from 'idb';
import { afterAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../../src/lib/store';
import { labelFor, newRun, rewardModelFor } from './fixtures';

// The same store on Chromium's own IndexedDB (the Node tests use fake-indexeddb): structured
// cloning of real labels, compound-key ranges and a close/reopen cycle, as a reload does.
describe('RunStore on Chromium IndexedDB', () => {
  const name = `runs-browser-${Date.now()}`;
  afterAll(() => deleteDB(name));

  it('stores a run, its labels and its report, and reads them back after reopening', async () => {
    const store = await RunStore.open({ name });
    const run = await store.createRun(newRun(500));
    for (const [i, p] of [0.1, 0.9, 0.5].entries()) {
      await store.saveLabel(run.id, labelFor(`p${i * 7}`, p));
    }
    await store.setStatus(run.id, 'labelling');
    store.close(); // the tab "dies" mid-run

    const again = await RunStore.open({ name });
    const stored = await again.openRun(run.id);
    expect(stored.run).toMatchObject({ labelledCount: 3, status: 'labelling', pairCount: 500 });
    expect(stored.pairs).toHaveLength(500);
    expect(stored.pairs[499]!.id).toBe('p499');
    expect(stored.labels.map((l) => [l.pairId, l.label[0]])).toEqual([
      ['p0', 0.1],
      ['p7', 0.9],
      ['p14', 0.5],
    ]);
    expect(stored.errors).toEqual([{ line: 3, reason: 'invalid JSON' }]);
    expect(await again.labelledIds(run.id)).toEqual(new Set(['p0', 'p7', 'p14']));
    await again.deleteRun(run.id);
    expect(await again.listRuns()).toEqual([]);
    again.close();
  });

  it('round-trips a reward model’s bytes through a reopen, and deletes it with its run', async () => {
    const store = await RunStore.open({ name });
    const run = await store.createRun(newRun(5));
    // Every byte value, behind an offset into a larger buffer, as worker messages hand them over.
    const backing = new Uint8Array(4096 + 7).map((_, i) => (i * 131 + 17) % 256);
    const head = backing.subarray(7);
    const model = { ...rewardModelFor(run.id, 'human', 4), head };
    const saved = await store.saveRewardModel(model);
    store.close();

    const again = await RunStore.open({ name });
    const [back] = await again.rewardModels(run.id);
    expect(back).toBeDefined();
    expect(back!.head).toBeInstanceOf(Uint8Array);
    expect(back!.head.byteLength).toBe(4096);
    expect(back!.head).toEqual(head);
    expect(back).toEqual({ ...model, head: back!.head, savedAt: saved.savedAt });
    expect(await again.rewardModelSlots()).toEqual(new Map([[run.id, ['human']]]));
    await again.deleteRun(run.id);
    expect(await again.rewardModels(run.id)).toEqual([]);
    again.close();
  });
});
