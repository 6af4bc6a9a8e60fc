import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitForRewardModels } from '../../../src/lib/reward/split';
import type { Choice, PairLabel, PreferencePair } from '../../../src/lib/rlaif/types';

function pair(id: string, context: string, humanChoice?: Choice): PreferencePair {
  return {
    id,
    task: 'summarization',
    context,
    candidates: [`${id} first`, `${id} second`],
    ...(humanChoice === undefined ? {} : { humanChoice }),
    source: { format: 'native', line: 1 },
  };
}

function label(pairId: string, p0: number): PairLabel {
  return {
    pairId,
    label: [p0, 1 - p0],
    orders: { stored: { logprobs: [0, 0], probs: [p0, 1 - p0], otherMass: 0 } },
    perOrder: { stored: [p0, 1 - p0] },
    modelId: 'test',
    configHash: 'h',
  };
}

/** n pairs with their own contexts, alternating human choices. */
const distinct = (n: number) =>
  Array.from({ length: n }, (_, i) => pair(`p${i}`, `context ${i}`, (i % 2) as Choice));

describe('splitForRewardModels', () => {
  it('holds out the requested share of human-labelled pairs, seeded and stable', () => {
    const pairs = distinct(50);
    const a = splitForRewardModels(pairs, [], { heldOutFraction: 0.2, seed: 3 });
    expect(a.heldOut).toHaveLength(10);
    expect(a.human).toHaveLength(40);
    expect(splitForRewardModels(pairs, [], { heldOutFraction: 0.2, seed: 3 })).toEqual(a);
    const b = splitForRewardModels(pairs, [], { heldOutFraction: 0.2, seed: 4 });
    expect(b.heldOutIds).not.toEqual(a.heldOutIds);
    expect(b.key).not.toBe(a.key);
  });

  it('evaluates against the human choice and trains on the rest with hard targets', () => {
    const pairs = distinct(10);
    const split = splitForRewardModels(pairs, [], { heldOutFraction: 0.3, seed: 1 });
    for (const [i, id] of split.heldOutIds.entries()) {
      const source = pairs.find((p) => p.id === id);
      expect(split.heldOut[i]).toEqual({
        context: source?.context,
        candidates: source?.candidates,
        humanChoice: source?.humanChoice,
      });
    }
    const heldContexts = new Set(split.heldOut.map((p) => p.context));
    for (const t of split.human) {
      expect(heldContexts.has(t.context)).toBe(false);
      const source = pairs.find((p) => p.context === t.context);
      expect(t.p).toBe(source?.humanChoice === 0 ? 1 : 0);
    }
  });

  it('takes AI soft labels only from pairs outside the held-out set, newest label per pair', () => {
    const pairs = distinct(20);
    const labels = [...pairs.map((p) => label(p.id, 0.3)), label('p5', 0.8), label('p6', 0.9)];
    const split = splitForRewardModels(pairs, labels, { heldOutFraction: 0.25, seed: 9 });
    expect(split.ai).toHaveLength(15);
    const held = new Set(split.heldOut.map((p) => p.context));
    expect(split.ai.every((t) => !held.has(t.context))).toBe(true);
    for (const [id, p] of [
      ['p5', 0.8],
      ['p6', 0.9],
    ] as const) {
      const context = pairs.find((x) => x.id === id)?.context;
      if (!held.has(context ?? '')) expect(split.ai.find((t) => t.context === context)?.p).toBe(p);
    }
  });

  it('keeps pairs without a human choice for AI training but never holds them out', () => {
    const pairs = [...distinct(6), pair('u1', 'unlabelled 1'), pair('u2', 'unlabelled 2')];
    const labels = pairs.map((p) => label(p.id, 0.6));
    const split = splitForRewardModels(pairs, labels, { heldOutFraction: 0.5, seed: 2 });
    expect(split.heldOut).toHaveLength(3);
    expect(split.heldOutIds.some((id) => id.startsWith('u'))).toBe(false);
    expect(split.human).toHaveLength(3);
    expect(split.ai).toHaveLength(5);
  });

  it('holds out whole contexts, so no held-out post trains a model through a sibling pair', () => {
    const pairs = Array.from({ length: 30 }, (_, i) =>
      pair(`p${i}`, `post ${i % 7}`, (i % 2) as Choice),
    );
    const labels = pairs.map((p) => label(p.id, 0.7));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0.01, max: 0.9, noNaN: true }),
        (seed, f) => {
          const split = splitForRewardModels(pairs, labels, { heldOutFraction: f, seed });
          const held = new Set(split.heldOut.map((p) => p.context));
          expect(held.size).toBeGreaterThan(0);
          expect(held.size).toBeLessThan(7);
          expect([...split.ai, ...split.human].some((t) => held.has(t.context))).toBe(false);
          expect(split.heldOut.length + split.human.length).toBe(30);
        },
      ),
    );
  });

  it('holds out nothing at fraction 0 or with a single context, and rejects bad fractions', () => {
    expect(splitForRewardModels(distinct(5), [], { heldOutFraction: 0, seed: 0 }).heldOut).toEqual(
      [],
    );
    const one = [pair('a', 'same', 0), pair('b', 'same', 1)];
    const split = splitForRewardModels(one, [], { heldOutFraction: 0.5, seed: 0 });
    expect(split.heldOut).toEqual([]);
    expect(split.human).toHaveLength(2);
    expect(() => splitForRewardModels(one, [], { heldOutFraction: 1, seed: 0 })).toThrow(
      RangeError,
    );
    expect(() => splitForRewardModels(one, [], { heldOutFraction: NaN, seed: 0 })).toThrow(
      RangeError,
    );
  });
});
