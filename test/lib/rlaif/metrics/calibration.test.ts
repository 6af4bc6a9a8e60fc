import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignment,
  binIndex,
  calibration,
  candidateCalibrationInput,
  confidenceCalibrationInput,
} from '../../../../src/lib/rlaif/metrics';
import type { Choice, SoftLabel } from '../../../../src/lib/rlaif/types';

describe('binIndex', () => {
  it('puts x in [b/k, (b+1)/k), and 1.0 in the last bin', () => {
    expect(binIndex(0, 10)).toBe(0);
    expect(binIndex(0.09, 10)).toBe(0);
    expect(binIndex(0.1, 10)).toBe(1);
    expect(binIndex(0.95, 10)).toBe(9);
    expect(binIndex(1, 10)).toBe(9);
    expect(binIndex(0.75, 4, 0.5, 1)).toBe(2);
    expect(binIndex(1, 4, 0.5, 1)).toBe(3);
  });
});

describe('calibration', () => {
  const probs = [0.2, 0.4, 0.7, 1.0];
  const outcomes: (0 | 1)[] = [0, 1, 1, 1];

  it('ECE for a 4-point example in 2 bins is 0.175', () => {
    // Bin [0, 0.5): 0.2 and 0.4 -> mean 0.3, observed 1/2 = 0.5, gap 0.2, weight 2/4 -> 0.1.
    // Bin [0.5, 1]: 0.7 and 1.0 -> mean 0.85, observed 2/2 = 1, gap 0.15, weight 2/4 -> 0.075.
    const r = calibration(probs, outcomes, 2);
    expect(r.n).toBe(4);
    expect(r.ece).toBeCloseTo(0.175, 12);
    expect(r.bins).toHaveLength(2);
    expect(r.bins[0]).toMatchObject({ lower: 0, upper: 0.5, count: 2, observedFrequency: 0.5 });
    expect(r.bins[0]?.meanConfidence).toBeCloseTo(0.3, 12);
    expect(r.bins[1]).toMatchObject({ lower: 0.5, upper: 1, count: 2, observedFrequency: 1 });
    expect(r.bins[1]?.meanConfidence).toBeCloseTo(0.85, 12);
  });

  it('the same 4 points in 10 bins: ECE 0.275, p = 1.0 in the last bin, empty bins NaN', () => {
    // Each point alone: |0 - 0.2| + |1 - 0.4| + |1 - 0.7| + |1 - 1.0| = 1.1, over 4 -> 0.275.
    const r = calibration(probs, outcomes);
    expect(r.ece).toBeCloseTo(0.275, 12);
    expect(r.bins.map((b) => b.count)).toEqual([0, 0, 1, 0, 1, 0, 0, 1, 0, 1]);
    expect(r.bins[9]).toMatchObject({ meanConfidence: 1, observedFrequency: 1 });
    expect(r.bins[9]?.upper).toBe(1);
    expect(r.bins[0]?.meanConfidence).toBeNaN();
  });

  it('is NaN for no data and rejects bad input', () => {
    expect(calibration([], []).ece).toBeNaN();
    expect(() => calibration([0.5], [])).toThrow(RangeError);
    expect(() => calibration([1.5], [1])).toThrow(RangeError);
    expect(() => calibration([0.5], [1], 0)).toThrow(RangeError);
  });

  it('property: ECE lies in [0, 1] and the bin counts add up to n', () => {
    const point = fc.tuple(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom<0 | 1>(0, 1),
    );
    fc.assert(
      fc.property(fc.array(point, { minLength: 1 }), fc.integer({ min: 1, max: 20 }), (pts, k) => {
        const r = calibration(
          pts.map(([p]) => p),
          pts.map(([, y]) => y),
          k,
        );
        expect(r.ece).toBeGreaterThanOrEqual(0);
        expect(r.ece).toBeLessThanOrEqual(1);
        expect(r.bins.reduce((a, b) => a + b.count, 0)).toBe(pts.length);
      }),
    );
  });

  it('property: ECE is 0 for perfectly calibrated constructed data', () => {
    // For each level j/10 used, repeat it m times with exactly (j/10) m positive outcomes
    // (m a multiple of 10), so every bin's observed frequency equals its mean confidence.
    const level = fc.tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 5 }));
    fc.assert(
      fc.property(
        fc.array(level, { minLength: 1 }),
        fc.integer({ min: 1, max: 20 }),
        (levels, k) => {
          const probs: number[] = [];
          const outcomes: (0 | 1)[] = [];
          for (const [j, reps] of levels) {
            const m = 10 * reps;
            for (let i = 0; i < m; i++) {
              probs.push(j / 10);
              outcomes.push(i < j * reps ? 1 : 0);
            }
          }
          expect(calibration(probs, outcomes, k).ece).toBeCloseTo(0, 9);
        },
      ),
    );
  });
});

describe('calibration inputs from soft labels', () => {
  const labels: SoftLabel[] = [
    [0.8, 0.2],
    [0.3, 0.7],
    [0.5, 0.5],
    [0.6, 0.4],
    [0.9, 0.1],
  ];
  const humans: (Choice | undefined)[] = [0, 0, 1, undefined, 1];

  it('candidate variant: p = P(candidate 0), outcome = human chose 0; keeps ties', () => {
    const input = candidateCalibrationInput(labels, humans);
    expect(input.probs).toEqual([0.8, 0.3, 0.5, 0.9]);
    expect(input.outcomes).toEqual([1, 1, 0, 0]);
    expect(input).toMatchObject({ skippedNoHuman: 1, skippedTies: 0 });
  });

  it('confidence variant: p = max prob, outcome = pick was right; skips ties', () => {
    const input = confidenceCalibrationInput(labels, humans);
    expect(input.probs).toEqual([0.8, 0.7, 0.9]);
    expect(input.outcomes).toEqual([1, 0, 0]);
    expect(input).toMatchObject({ skippedNoHuman: 1, skippedTies: 1 });
  });

  it('property: the confidence variant’s mean outcome is alignment over untied pairs', () => {
    const item = fc.tuple(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom<Choice | undefined>(0, 1, undefined),
    );
    fc.assert(
      fc.property(fc.array(item), (items) => {
        const soft = items.map(([p]): SoftLabel => [p, 1 - p]);
        const hs = items.map(([, h]) => h);
        const input = confidenceCalibrationInput(soft, hs);
        const a = alignment(soft, hs);
        expect(input.outcomes.filter((y) => y === 1).length).toBe(a.correct);
        expect(input.skippedTies).toBe(a.ties);
        expect(input.probs.every((p) => p >= 0.5 && p <= 1)).toBe(true);
      }),
    );
  });
});
