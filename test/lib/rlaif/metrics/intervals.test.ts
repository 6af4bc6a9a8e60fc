import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  normalInterval,
  normalQuantile,
  wilson,
  Z95,
  zForConfidence,
} from '../../../../src/lib/rlaif/metrics';

describe('wilson', () => {
  it('8/10 at 95% is [0.4902, 0.9433]', () => {
    // p = 0.8, z^2/n = 3.84146/10 = 0.384146, denominator 1 + 0.384146 = 1.384146.
    // centre = (0.8 + 0.192073) / 1.384146 = 0.716740
    // half   = (1.959964 / 1.384146) * sqrt(0.8 * 0.2 / 10 + 3.84146 / 400)
    //        = 1.416012 * sqrt(0.016 + 0.0096037) = 1.416012 * 0.160012 = 0.226579
    // low = 0.490162, high = 0.943318
    const ci = wilson(8, 10);
    expect(ci.estimate).toBe(0.8);
    expect(ci.n).toBe(10);
    expect(ci.low).toBeCloseTo(0.4902, 4);
    expect(ci.high).toBeCloseTo(0.9433, 4);
  });

  it('0/0 is NaN with the vacuous interval [0, 1]', () => {
    const ci = wilson(0, 0);
    expect(ci.estimate).toBeNaN();
    expect([ci.low, ci.high, ci.n]).toEqual([0, 1, 0]);
  });

  it('10/10 reaches exactly 1 and its low end is 1 / (1 + z^2/n) = 0.7225', () => {
    // p = 1: centre - half = (1 + z^2/2n - z^2/2n) / (1 + z^2/n) = 1 / 1.384146 = 0.722467.
    const ci = wilson(10, 10);
    expect(ci.high).toBe(1);
    expect(ci.low).toBeCloseTo(0.722467, 5);
  });

  it('0/10 starts at exactly 0 and mirrors 10/10', () => {
    const ci = wilson(0, 10);
    expect(ci.low).toBe(0);
    expect(ci.high).toBeCloseTo(1 - 0.722467, 5);
  });

  it('takes fractional successes (ties counted as halves): 2.5/4 = [0.2194, 0.9081]', () => {
    // centre = (0.625 + 0.480182) / 1.960365 = 0.563763; half = 0.999795 * sqrt(0.058594 + 0.060023)
    // = 0.344337.
    const ci = wilson(2.5, 4);
    expect(ci.low).toBeCloseTo(0.2194, 4);
    expect(ci.high).toBeCloseTo(0.9081, 4);
  });

  it('widens with z: 99% contains 95% contains 90%', () => {
    const at = (c: number) => wilson(30, 50, zForConfidence(c));
    expect(at(0.99).low).toBeLessThan(at(0.95).low);
    expect(at(0.95).low).toBeLessThan(at(0.9).low);
    expect(at(0.9).high).toBeLessThan(at(0.99).high);
  });

  it('rejects impossible counts', () => {
    expect(() => wilson(11, 10)).toThrow(RangeError);
    expect(() => wilson(-1, 10)).toThrow(RangeError);
    expect(() => wilson(NaN, 10)).toThrow(RangeError);
  });

  it('property: 0 <= low <= estimate <= high <= 1', () => {
    const countAndN = fc
      .nat(2000)
      .chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(countAndN, fc.double({ min: 0.1, max: 4, noNaN: true }), ([s, n], z) => {
        const ci = wilson(s, n, z);
        expect(ci.low).toBeGreaterThanOrEqual(0);
        expect(ci.high).toBeLessThanOrEqual(1);
        expect(ci.low).toBeLessThanOrEqual(ci.high);
        if (n > 0) {
          expect(ci.low).toBeLessThanOrEqual(ci.estimate);
          expect(ci.estimate).toBeLessThanOrEqual(ci.high);
        }
      }),
    );
  });

  it('property: for a fixed p the interval narrows as n grows (s/n vs 2s/2n vs 3s/3n)', () => {
    const countAndN = fc
      .integer({ min: 1, max: 500 })
      .chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(countAndN, ([s, n]) => {
        const width = (k: number) => {
          const ci = wilson(k * s, k * n);
          return ci.high - ci.low;
        };
        expect(width(2)).toBeLessThan(width(1));
        expect(width(3)).toBeLessThan(width(2));
      }),
    );
  });
});

describe('normalQuantile and zForConfidence', () => {
  it('gives the textbook z values for 90/95/99%', () => {
    expect(zForConfidence(0.9)).toBeCloseTo(1.644854, 6);
    expect(zForConfidence(0.95)).toBeCloseTo(1.959964, 6);
    expect(zForConfidence(0.99)).toBeCloseTo(2.575829, 6);
    expect(Z95).toBeCloseTo(zForConfidence(0.95), 6);
  });

  it('covers the centre and both tails of Acklam’s approximation', () => {
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 6); // lower-tail branch (p < 0.02425)
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6); // upper-tail branch
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361341, 5);
    expect(normalQuantile(0.8413447460685429)).toBeCloseTo(1, 7); // Phi(1)
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });

  it('rejects levels outside (0, 1)', () => {
    expect(() => zForConfidence(1)).toThrow(RangeError);
    expect(() => zForConfidence(0)).toThrow(RangeError);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
  });

  it('property: odd symmetry and increasing', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 0.5, noNaN: true }), (p) => {
        expect(normalQuantile(1 - p)).toBeCloseTo(-normalQuantile(p), 6);
        expect(normalQuantile(p)).toBeLessThanOrEqual(normalQuantile(Math.min(0.999999, p + 0.01)));
      }),
    );
  });
});

describe('normalInterval', () => {
  it('is estimate +- z se, clipped to [0, 1]', () => {
    // 0.5 +- 1.959964 * 0.1 = [0.3040036, 0.6959964]
    const [low, high] = normalInterval(0.5, 0.1);
    expect(low).toBeCloseTo(0.3040036, 7);
    expect(high).toBeCloseTo(0.6959964, 7);
    expect(normalInterval(0.95, 0.1)).toEqual([expect.closeTo(0.7540036, 7), 1]);
    expect(normalInterval(0.5, NaN)).toEqual([0, 1]);
  });
});
