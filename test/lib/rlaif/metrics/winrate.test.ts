import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { winRate, type Preference } from '../../../../src/lib/rlaif/metrics';

const flip = (p: Preference): Preference =>
  p === 'A' ? 'B' : p === 'B' ? 'A' : p === 'tie' ? 'tie' : 1 - p;

describe('winRate', () => {
  it('7 wins of 10 hard: se from the n - 1 sample variance, normal CI and Wilson', () => {
    // Scores: seven 1s, three 0s; mean 0.7. Squared deviations 7 * 0.09 + 3 * 0.49 = 2.1.
    // Sample variance 2.1 / 9 = 0.233333; se = sqrt(0.233333 / 10) = 0.152753
    //   (= sqrt(p(1-p)/(n-1)) = sqrt(0.21 / 9); the n-denominator value would be 0.144914).
    // CI = 0.7 +- 1.959964 * 0.152753 = 0.7 +- 0.299390 = [0.400610, 0.999390].
    const prefs: Preference[] = ['A', 'A', 'B', 'A', 'A', 'B', 'A', 'A', 'B', 'A'];
    const r = winRate(prefs);
    expect(r).toMatchObject({ rate: 0.7, wins: 7, losses: 3, ties: 0, n: 10 });
    expect(r.se).toBeCloseTo(0.152753, 6);
    expect(r.ci[0]).toBeCloseTo(0.40061, 5);
    expect(r.ci[1]).toBeCloseTo(0.99939, 5);
    expect(r.wilson?.estimate).toBe(0.7);
    // Wilson of 7/10: centre (0.7 + 0.192073) / 1.384146 = 0.644493,
    // half 1.416012 * sqrt(0.021 + 0.0096037) = 0.247716.
    expect(r.wilson?.low).toBeCloseTo(0.3968, 4);
    expect(r.wilson?.high).toBeCloseTo(0.8922, 4);
  });

  it('mixes hard and soft: a tie counts 0.5, a soft preference its probability', () => {
    // Scores 1, 1, 0, 0.5, 0.9, 0.2 -> mean 3.6 / 6 = 0.6.
    // Deviations 0.4, 0.4, -0.6, -0.1, 0.3, -0.4; squares sum to 0.94; variance 0.94 / 5 = 0.188.
    // se = sqrt(0.188 / 6) = 0.177012; CI = 0.6 +- 0.346938 = [0.253062, 0.946938].
    const r = winRate(['A', 'A', 'B', 'tie', 0.9, 0.2]);
    expect(r).toMatchObject({ wins: 3, losses: 2, ties: 1, n: 6 });
    expect(r.rate).toBeCloseTo(0.6, 12);
    expect(r.se).toBeCloseTo(0.177012, 6);
    expect(r.ci[0]).toBeCloseTo(0.253062, 5);
    expect(r.ci[1]).toBeCloseTo(0.946938, 5);
    expect(r.wilson).toBeUndefined(); // soft inputs and a tie: no Wilson
  });

  it('gives Wilson only for hard data without ties', () => {
    expect(winRate(['A', 'tie', 'B']).wilson).toBeUndefined();
    expect(winRate([0.9, 0.2, 1]).wilson).toBeUndefined(); // soft, even with no exact 0.5
    expect(winRate(['A', 'B', 'A']).wilson?.estimate).toBeCloseTo(2 / 3, 12);
  });

  it('clips the normal CI to [0, 1] and handles tiny inputs', () => {
    expect(winRate(['A', 'A', 'A', 'B']).ci[1]).toBe(1); // 0.75 +- 0.49 overshoots
    const one = winRate(['A']);
    expect(one.se).toBeNaN(); // no spread from one item
    expect(one.ci).toEqual([0, 1]);
    const none = winRate([]);
    expect(none.rate).toBeNaN();
    expect(none.ci).toEqual([0, 1]);
  });

  it('rejects soft preferences outside [0, 1]', () => {
    expect(() => winRate([1.2])).toThrow(RangeError);
    expect(() => winRate([NaN])).toThrow(RangeError);
  });

  const pref = fc.oneof(
    fc.constantFrom<Preference>('A', 'B', 'tie'),
    fc.double({ min: 0, max: 1, noNaN: true }),
  );

  it('property: win rate of B over A is 1 - win rate of A over B, same se, mirrored CI', () => {
    fc.assert(
      fc.property(fc.array(pref, { minLength: 2 }), (prefs) => {
        const ab = winRate(prefs);
        const ba = winRate(prefs.map(flip));
        expect(ba.rate).toBeCloseTo(1 - ab.rate, 12);
        expect(ba.se).toBeCloseTo(ab.se, 12);
        expect([ba.wins, ba.losses, ba.ties]).toEqual([ab.losses, ab.wins, ab.ties]);
        expect(ba.ci[0]).toBeCloseTo(1 - ab.ci[1], 12);
        expect(ba.ci[1]).toBeCloseTo(1 - ab.ci[0], 12);
      }),
    );
  });

  it('property: for hard data without ties, se = sqrt(p(1-p)/(n-1))', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Preference>('A', 'B'), { minLength: 2 }), (prefs) => {
        const r = winRate(prefs);
        expect(r.se).toBeCloseTo(Math.sqrt((r.rate * (1 - r.rate)) / (r.n - 1)), 12);
        expect(r.wilson?.estimate).toBe(r.rate);
      }),
    );
  });
});
