import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contextKey, groupByContext, groupByKey } from '../../../src/lib/rlaif/context-groups';

describe('groupByContext', () => {
  it('puts pairs sharing a context back to back, contexts in order of first appearance', () => {
    const pair = (id: string, context: string) => ({ id, task: 'summarization' as const, context });
    const grouped = groupByContext([
      pair('a1', 'A'),
      pair('b1', 'B'),
      pair('a2', 'A'),
      pair('c1', 'C'),
      pair('b2', 'B'),
      pair('a3', 'A'),
    ]);
    expect(grouped.map((p) => p.id)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'c1']);
  });

  it('keys on the task too: the same text under another task is another prompt', () => {
    expect(contextKey({ task: 'helpful', context: 'x' })).not.toBe(
      contextKey({ task: 'harmless', context: 'x' }),
    );
  });

  it('is a stable permutation with every key contiguous (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 })), (keys) => {
        const items = keys.map((k, i) => ({ k: String(k), i }));
        const out = groupByKey(items, (item) => item.k);
        expect([...out].sort((x, y) => x.i - y.i)).toEqual(items);
        const runs = out.map((o) => o.k).filter((k, j, all) => k !== all[j - 1]);
        expect(new Set(runs).size).toBe(runs.length); // each key forms one run
        for (const k of new Set(keys.map(String))) {
          const order = out.filter((o) => o.k === k).map((o) => o.i);
          expect(order).toEqual([...order].sort((x, y) => x - y));
        }
      }),
    );
  });
});
