import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aiMarginMask,
  confidenceHistogram,
  filterByAiMargin,
  filterByHumanConfidence,
  HIGH_CONFIDENCE_TLDR,
  selectWhere,
} from '../../../../src/lib/rlaif/metrics';
import type { SoftLabel } from '../../../../src/lib/rlaif/types';
import { pairLabel } from './fixtures';

describe('filterByHumanConfidence', () => {
  const pairs = [1, 2, 3, 5, 8, 9, undefined].map((c, i) => ({
    id: String(i),
    humanConfidence: c,
  }));

  it('keeps the TL;DR high-confidence set {1, 2, 8, 9} by default', () => {
    expect(HIGH_CONFIDENCE_TLDR).toEqual([1, 2, 8, 9]);
    expect(filterByHumanConfidence(pairs).map((p) => p.humanConfidence)).toEqual([1, 2, 8, 9]);
  });

  it('takes any allowed set, and drops pairs with no confidence', () => {
    expect(filterByHumanConfidence(pairs, [3, 5]).map((p) => p.id)).toEqual(['2', '3']);
    expect(filterByHumanConfidence(pairs, [])).toEqual([]);
  });
});

describe('filterByAiMargin', () => {
  const labels: SoftLabel[] = [
    [0.5, 0.5],
    [0.7, 0.3],
    [0.3, 0.7],
    [0.65, 0.35],
    [0.95, 0.05],
  ];

  it('keeps |p0 - 0.5| >= minMargin, 0.7 passing a 0.2 margin despite rounding', () => {
    expect(filterByAiMargin(labels, 0.2)).toEqual([
      [0.7, 0.3],
      [0.3, 0.7],
      [0.95, 0.05],
    ]);
    expect(filterByAiMargin(labels, 0)).toHaveLength(5);
    expect(filterByAiMargin(labels, 0.45)).toEqual([[0.95, 0.05]]); // 0.95 - 0.5 = 0.44999999999999996
    expect(filterByAiMargin(labels, 0.46)).toEqual([]);
  });

  it('works on PairLabels and filters parallel arrays through the mask', () => {
    const pls = [pairLabel('a', [0.9, 0.1]), pairLabel('b', [0.55, 0.45])];
    expect(filterByAiMargin(pls, 0.1).map((l) => l.pairId)).toEqual(['a']);
    const mask = aiMarginMask(labels, 0.2);
    expect(mask).toEqual([false, true, true, false, true]);
    expect(selectWhere(['a', 'b', 'c', 'd', 'e'], mask)).toEqual(['b', 'c', 'e']);
    expect(() => selectWhere(['a'], mask)).toThrow(RangeError);
  });

  it('property: a larger margin keeps a subset', () => {
    const label = fc.double({ min: 0, max: 1, noNaN: true }).map((p): SoftLabel => [p, 1 - p]);
    fc.assert(
      fc.property(
        fc.array(label),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (ls, a, b) => {
          const [lo, hi] = a < b ? [a, b] : [b, a];
          const wide = aiMarginMask(ls, lo);
          aiMarginMask(ls, hi).forEach((kept, i) => {
            if (kept) expect(wide[i]).toBe(true);
          });
        },
      ),
    );
  });
});

describe('confidenceHistogram', () => {
  it('bins max(p0, p1) over [0.5, 1], with 1.0 in the last bin', () => {
    const labels: SoftLabel[] = [
      [0.5, 0.5], // 0.5 -> bin 0
      [0.4, 0.6], // 0.6 -> bin 0 of [0.5, 0.625)
      [0.3, 0.7], // 0.7 -> bin 1
      [0.8, 0.2], // 0.8 -> bin 2
      [0, 1], // 1.0 -> bin 3
      [1, 0], // 1.0 -> bin 3
    ];
    const h = confidenceHistogram(labels, 4);
    expect(h.map((b) => b.count)).toEqual([2, 1, 1, 2]);
    expect(h.map((b) => [b.lower, b.upper])).toEqual([
      [0.5, 0.625],
      [0.625, 0.75],
      [0.75, 0.875],
      [0.875, 1],
    ]);
    expect(() => confidenceHistogram(labels, 0)).toThrow(RangeError);
  });

  it('property: counts add up to the number of labels', () => {
    const label = fc.double({ min: 0, max: 1, noNaN: true }).map((p): SoftLabel => [p, 1 - p]);
    fc.assert(
      fc.property(fc.array(label), fc.integer({ min: 1, max: 30 }), (ls, k) => {
        const h = confidenceHistogram(ls, k);
        expect(h).toHaveLength(k);
        expect(h.reduce((a, b) => a + b.count, 0)).toBe(ls.length);
      }),
    );
  });
});
