import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  averageOrders,
  inStoredOrder,
  logAddExp,
  mixOrderScores,
  orderScore,
  samePositionPreferred,
  softmax2,
} from '../../../src/lib/rlaif/preference';

const close = (a: number, b: number, eps = 1e-12) => Math.abs(a - b) <= eps;
const logprob = fc.double({ min: -60, max: 0, noNaN: true });

describe('softmax2', () => {
  it('matches hand-computed values', () => {
    // log .6 and log .2: the two-way softmax is .6 / .8 = .75.
    const [a, b] = softmax2(Math.log(0.6), Math.log(0.2));
    expect(a).toBeCloseTo(0.75, 12);
    expect(b).toBeCloseTo(0.25, 12);
    expect(softmax2(0, 0)).toEqual([0.5, 0.5]);
  });
  it('is stable for huge and tiny inputs', () => {
    expect(softmax2(1000, -1000)).toEqual([1, 0]);
    expect(softmax2(-1e6, -1e6 - Math.log(3))[0]).toBeCloseTo(0.75, 9); // 1e6 has ulp ~1e-10
    expect(softmax2(-Infinity, -Infinity)).toEqual([0.5, 0.5]);
    expect(softmax2(-Infinity, -2)).toEqual([0, 1]);
  });
  it('sums to 1, stays in [0, 1], is shift invariant and swap symmetric', () => {
    fc.assert(
      fc.property(logprob, logprob, fc.double({ min: -50, max: 50, noNaN: true }), (a, b, c) => {
        const [pa, pb] = softmax2(a, b);
        expect(close(pa + pb, 1)).toBe(true);
        expect(pa).toBeGreaterThanOrEqual(0);
        expect(pa).toBeLessThanOrEqual(1);
        expect(Math.abs(softmax2(a + c, b + c)[0] - pa)).toBeLessThan(1e-9);
        expect(close(softmax2(b, a)[0], pb)).toBe(true);
      }),
    );
  });
});

describe('logAddExp', () => {
  it('adds probabilities in log space', () => {
    expect(Math.exp(logAddExp(Math.log(0.25), Math.log(0.5)))).toBeCloseTo(0.75, 14);
    expect(logAddExp(-Infinity, -3)).toBe(-3);
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.log(2), 10);
  });
});

describe('orderScore', () => {
  it('keeps the raw log-probs and the mass on other tokens', () => {
    const s = orderScore([Math.log(0.6), Math.log(0.2)]);
    expect(s.probs[0]).toBeCloseTo(0.75, 12);
    expect(s.otherMass).toBeCloseTo(0.2, 12);
    expect(s.logprobs).toEqual([Math.log(0.6), Math.log(0.2)]);
  });
  it('inverts when the prompt asks for the worse candidate', () => {
    // "1 is more harmful" with P = .6 vs .2: the first shown is better with P = .25.
    const s = orderScore([Math.log(0.6), Math.log(0.2)], true);
    expect(s.probs[0]).toBeCloseTo(0.25, 12);
    expect(s.logprobs).toEqual([Math.log(0.6), Math.log(0.2)]);
  });
  it('never reports negative other mass from rounding', () => {
    expect(orderScore([Math.log(0.5), Math.log(0.5)]).otherMass).toBeGreaterThanOrEqual(0);
  });
});

describe('mixOrderScores (self-consistency)', () => {
  it('averages probabilities and gives the log-probs of the mixture', () => {
    const a = orderScore([Math.log(0.8), Math.log(0.1)]);
    const b = orderScore([Math.log(0.2), Math.log(0.6)]);
    const m = mixOrderScores([a, b]);
    // P(first better): (8/9 + 1/4) / 2.
    expect(m.probs[0]).toBeCloseTo((8 / 9 + 0.25) / 2, 12);
    expect(Math.exp(m.logprobs[0])).toBeCloseTo(0.5, 12);
    expect(Math.exp(m.logprobs[1])).toBeCloseTo(0.35, 12);
    expect(m.otherMass).toBeCloseTo((0.1 + 0.2) / 2, 12);
    expect(mixOrderScores([a])).toBe(a);
    expect(() => mixOrderScores([])).toThrow();
  });
});

describe('position debiasing', () => {
  it('un-swaps the swapped order into stored order', () => {
    const swapped = orderScore([Math.log(0.6), Math.log(0.2)]); // first shown = candidate 1
    expect(inStoredOrder(swapped, true)[0]).toBeCloseTo(0.25, 12);
    expect(inStoredOrder(swapped, false)[0]).toBeCloseTo(0.75, 12);
  });
  it('averages probabilities by default, or log-probs when asked', () => {
    expect(averageOrders([0.9, 0.1], [0.5, 0.5], 'probability')[0]).toBeCloseTo(0.7, 12);
    // Geometric: sqrt(.9*.5) / (sqrt(.9*.5) + sqrt(.1*.5)) = 3/4.
    expect(averageOrders([0.9, 0.1], [0.5, 0.5], 'logprob')[0]).toBeCloseTo(0.75, 12);
  });
  it('turns a purely position-biased labeler into an undecided one and flags it', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), (p) => {
        // The labeler gives the first slot probability p whatever is in it.
        const lp: [number, number] = [Math.log(p * 0.9), Math.log((1 - p) * 0.9)];
        const stored = orderScore(lp);
        const swapped = orderScore(lp);
        for (const mode of ['probability', 'logprob'] as const) {
          const label = averageOrders(
            inStoredOrder(stored, false),
            inStoredOrder(swapped, true),
            mode,
          );
          expect(Math.abs(label[0] - 0.5)).toBeLessThan(1e-9);
        }
        if (Math.abs(p - 0.5) > 1e-9) {
          expect(samePositionPreferred(stored, swapped)).toBe(p > 0.5 ? 'first' : 'second');
        }
      }),
    );
  });
  it('is swap symmetric: swapping the pair mirrors the label, sums to 1, stays in bounds', () => {
    fc.assert(
      fc.property(logprob, logprob, logprob, logprob, (a, b, c, d) => {
        const first = orderScore([a, b]);
        const second = orderScore([c, d]);
        for (const mode of ['probability', 'logprob'] as const) {
          const label = averageOrders(
            inStoredOrder(first, false),
            inStoredOrder(second, true),
            mode,
          );
          // The same two prompts, with the pair stored the other way round.
          const mirrored = averageOrders(
            inStoredOrder(second, false),
            inStoredOrder(first, true),
            mode,
          );
          expect(Math.abs(label[0] - mirrored[1])).toBeLessThan(1e-9);
          expect(close(label[0] + label[1], 1)).toBe(true);
          expect(label[0]).toBeGreaterThanOrEqual(0);
          expect(label[0]).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
  it('flags no position bias when the labeler follows the candidate', () => {
    const stored = orderScore([Math.log(0.7), Math.log(0.2)]); // prefers candidate 0 in slot 1
    const swapped = orderScore([Math.log(0.2), Math.log(0.7)]); // prefers candidate 0 in slot 2
    expect(samePositionPreferred(stored, swapped)).toBeNull();
    expect(samePositionPreferred(orderScore([0, 0]), orderScore([-1, -2]))).toBeNull();
  });
});
