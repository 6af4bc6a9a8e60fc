import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { positionBias } from '../../../../src/lib/rlaif/metrics';
import type { SoftLabel } from '../../../../src/lib/rlaif/types';
import { pairLabel } from './fixtures';

describe('positionBias', () => {
  it('counts pairs where both orders picked the same slot, and which slot', () => {
    // Per-order labels are in stored order. Stored shows candidate c in slot c; swapped shows
    // candidate c in slot 1 - c.
    const labels = [
      pairLabel('a', [0.9, 0.1], [0.2, 0.8]), // stored picks 0 (first), swapped picks 1 (first)
      pairLabel('b', [0.3, 0.7], [0.6, 0.4]), // stored picks 1 (second), swapped picks 0 (second)
      pairLabel('c', [0.8, 0.2], [0.7, 0.3]), // picks candidate 0 both times: consistent
      pairLabel('d', [0.8, 0.2]), // never swapped: excluded
      pairLabel('e', [0.6, 0.4], [0.1, 0.9]), // first slot both times
      pairLabel('f', [0.5, 0.5], [0.1, 0.9]), // a tie in stored order: undecided, not same
    ];
    const bias = positionBias(labels);
    expect(bias).toMatchObject({ n: 5, same: 3, first: 2, second: 1, undecided: 1 });
    expect(bias.skippedNoSwap).toBe(1);
    expect(bias.samePosition.estimate).toBe(0.6); // 3 of 5
    expect(bias.firstSlot.estimate).toBeCloseTo(2 / 3, 12);
    expect(bias.secondSlot.estimate).toBeCloseTo(1 / 3, 12);
    // Wilson of 2/3: centre (0.666667 + 0.640243) / 2.280486 = 0.573081, half 0.365424.
    expect(bias.firstSlot.low).toBeCloseTo(0.2077, 4);
    expect(bias.firstSlot.high).toBeCloseTo(0.9385, 4);
  });

  it('with no swapped orders it reports nothing measured', () => {
    const bias = positionBias([pairLabel('a', [0.9, 0.1])]);
    expect(bias.n).toBe(0);
    expect(bias.samePosition.estimate).toBeNaN();
    expect(bias.skippedNoSwap).toBe(1);
  });

  it('property: a labeler that always picks the first slot is 100% biased, first slot', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.51, max: 1, noNaN: true }), { minLength: 1 }),
        (ps) => {
          // Swapped order shows candidate 1 first, so preferring slot 1 there means candidate 1.
          const labels = ps.map((p, i) =>
            pairLabel(String(i), [p, 1 - p] as SoftLabel, [1 - p, p] as SoftLabel),
          );
          const bias = positionBias(labels);
          expect(bias.samePosition.estimate).toBe(1);
          expect(bias.firstSlot.estimate).toBe(1);
        },
      ),
    );
  });

  it('property: a position-blind labeler (same candidate in both orders) is 0% biased', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1 }), (ps) => {
        const labels = ps.map((p, i) =>
          pairLabel(String(i), [p, 1 - p] as SoftLabel, [p, 1 - p] as SoftLabel),
        );
        expect(positionBias(labels).same).toBe(0);
      }),
    );
  });
});
