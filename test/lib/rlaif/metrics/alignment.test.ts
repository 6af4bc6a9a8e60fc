import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignment,
  alignmentBy,
  humansFor,
  rmPairwiseAccuracy,
} from '../../../../src/lib/rlaif/metrics';
import type { Choice, PreferencePair, SoftLabel } from '../../../../src/lib/rlaif/types';
import { pairLabel } from './fixtures';

// Five labels: right, wrong, exact tie, no human label, right.
const labels: SoftLabel[] = [
  [0.8, 0.2],
  [0.3, 0.7],
  [0.5, 0.5],
  [0.6, 0.4],
  [0.9, 0.1],
];
const humans: (Choice | undefined)[] = [0, 0, 1, undefined, 0];

describe('alignment', () => {
  it('counts argmax agreement, a tie as half, and skips pairs with no human label', () => {
    // Scored: 4 pairs; correct 2 (pairs 1 and 5), tie 1 (pair 3) -> (2 + 0.5) / 4 = 0.625.
    const result = alignment(labels, humans);
    expect(result).toMatchObject({ n: 4, correct: 2, ties: 1, skippedNoHuman: 1 });
    expect(result.accuracy.estimate).toBe(0.625);
    expect(result.accuracy.low).toBeCloseTo(0.2194, 4); // Wilson of 2.5 / 4
    expect(result.accuracy.high).toBeCloseTo(0.9081, 4);
  });

  it('reads the debiased label of a PairLabel', () => {
    // Stored order says 0 (0.6), swapped says 1 (0.2 for candidate 0): average [0.4, 0.6] -> 1.
    const label = pairLabel('a', [0.6, 0.4], [0.2, 0.8]);
    expect(alignment([label], [1]).correct).toBe(1);
    expect(alignment([label], [0]).correct).toBe(0);
  });

  it('is NaN with [0, 1] when nothing has a human label', () => {
    const result = alignment(
      labels,
      labels.map(() => undefined),
    );
    expect(result.n).toBe(0);
    expect(result.skippedNoHuman).toBe(5);
    expect(result.accuracy.estimate).toBeNaN();
  });

  it('rejects arrays of different lengths', () => {
    expect(() => alignment(labels, [0, 1])).toThrow(RangeError);
  });

  it('property: swapping both the AI label and the human choice changes nothing', () => {
    const item = fc.tuple(
      fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(0.5)),
      fc.constantFrom<Choice | undefined>(0, 1, undefined),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 60 }), (items) => {
        const soft = items.map(([p]): SoftLabel => [p, 1 - p]);
        const swapped = items.map(([p]): SoftLabel => [1 - p, p]);
        const hs = items.map(([, h]) => h);
        const flipped = hs.map((h) => (h === undefined ? undefined : ((1 - h) as Choice)));
        expect(alignment(swapped, flipped)).toEqual(alignment(soft, hs));
      }),
    );
  });

  it('property: a labeler that copies the human is perfect, its mirror image scores 0', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Choice>(0, 1), { minLength: 1 }), (hs) => {
        const copy = hs.map((h): SoftLabel => (h === 0 ? [0.9, 0.1] : [0.1, 0.9]));
        const mirror = copy.map(([a, b]): SoftLabel => [b, a]);
        expect(alignment(copy, hs).accuracy.estimate).toBe(1);
        expect(alignment(mirror, hs).accuracy.estimate).toBe(0);
      }),
    );
  });
});

describe('alignmentBy', () => {
  it('groups by key in first-seen order', () => {
    const keys = ['factual-error', 'verbosity', 'factual-error', 'verbosity', 'verbosity'];
    const groups = alignmentBy(labels, humans, keys);
    expect([...groups.keys()]).toEqual(['factual-error', 'verbosity']);
    // factual-error: pairs 1 (right) and 3 (tie) -> 1.5 / 2.
    expect(groups.get('factual-error')).toMatchObject({ n: 2, correct: 1, ties: 1 });
    expect(groups.get('factual-error')?.accuracy.estimate).toBe(0.75);
    // verbosity: pairs 2 (wrong), 4 (no human), 5 (right) -> 1 / 2.
    expect(groups.get('verbosity')).toMatchObject({ n: 2, correct: 1, ties: 0, skippedNoHuman: 1 });
  });

  it('property: the groups add up to the whole', () => {
    const item = fc.tuple(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom<Choice | undefined>(0, 1, undefined),
      fc.constantFrom('summarization', 'helpful', 'harmless'),
    );
    fc.assert(
      fc.property(fc.array(item), (items) => {
        const soft = items.map(([p]): SoftLabel => [p, 1 - p]);
        const hs = items.map(([, h]) => h);
        const groups = [
          ...alignmentBy(
            soft,
            hs,
            items.map(([, , k]) => k),
          ).values(),
        ];
        const whole = alignment(soft, hs);
        const sum = (f: (r: typeof whole) => number) => groups.reduce((a, r) => a + f(r), 0);
        expect(sum((r) => r.n)).toBe(whole.n);
        expect(sum((r) => r.correct)).toBe(whole.correct);
        expect(sum((r) => r.ties)).toBe(whole.ties);
        expect(sum((r) => r.skippedNoHuman)).toBe(whole.skippedNoHuman);
      }),
    );
  });
});

describe('humansFor', () => {
  it('joins labels to their pairs by id', () => {
    const pair = (id: string, humanChoice?: Choice): PreferencePair => ({
      id,
      task: 'summarization',
      context: 'post',
      candidates: ['a', 'b'],
      humanChoice,
      source: { format: 'native', line: 1 },
    });
    const pairs = [pair('x', 1), pair('y'), pair('z', 0)];
    const ls = ['z', 'x', 'y', 'missing'].map((id) => pairLabel(id, [0.7, 0.3]));
    expect(humansFor(ls, pairs)).toEqual([0, 1, undefined, undefined]);
  });
});

describe('rmPairwiseAccuracy', () => {
  it('scores the human-preferred candidate higher; equal rewards tie', () => {
    // right (2 > 1, human 0), wrong (0.5 < 0.7, human 0), tie (1 = 1), wrong (3 > -1, human 1).
    // (1 + 0.5) / 4 = 0.375; Wilson of 1.5 / 4 = [0.0919, 0.7806] (mirror of 2.5 / 4).
    const result = rmPairwiseAccuracy(
      [
        [2, 1],
        [0.5, 0.7],
        [1, 1],
        [3, -1],
      ],
      [0, 0, 1, 1],
    );
    expect(result).toMatchObject({ n: 4, correct: 1, ties: 1 });
    expect(result.accuracy.estimate).toBe(0.375);
    expect(result.accuracy.low).toBeCloseTo(1 - 0.9081, 4);
    expect(result.accuracy.high).toBeCloseTo(1 - 0.2194, 4);
  });

  it('rejects non-finite rewards and mismatched lengths', () => {
    expect(() => rmPairwiseAccuracy([[NaN, 1]], [0])).toThrow(RangeError);
    expect(() => rmPairwiseAccuracy([[1, 2]], [])).toThrow(RangeError);
  });

  it('property: adding a constant to both rewards changes nothing', () => {
    const item = fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 }));
    fc.assert(
      fc.property(fc.array(item), fc.integer({ min: -100, max: 100 }), (rs, c) => {
        const hs = rs.map((_, i) => (i % 2) as Choice);
        const shifted = rs.map(([a, b]): [number, number] => [a + c, b + c]);
        expect(rmPairwiseAccuracy(shifted, hs)).toEqual(rmPairwiseAccuracy(rs, hs));
      }),
    );
  });
});
