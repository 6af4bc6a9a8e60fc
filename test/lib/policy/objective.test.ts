import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entropy, expectation, kl, logSumExp, probs } from '../../../src/lib/policy/distribution';
import {
  bestOfN,
  betaFromPrime,
  betaGrid,
  betaPrime,
  evaluatePolicy,
  frontier,
  klOptimum,
  sftLogProbs,
} from '../../../src/lib/policy/objective';

const finiteReward = fc.double({ min: -3, max: 3, noNaN: true });
/** A candidate set: 2-8 candidates with rewards and unnormalised log pi_SFT / log q. */
const candidateSet = fc.integer({ min: 2, max: 8 }).chain((n) =>
  fc.record({
    rewards: fc.array(finiteReward, { minLength: n, maxLength: n }),
    logp: fc.array(fc.double({ min: -60, max: -1, noNaN: true }), { minLength: n, maxLength: n }),
    logq: fc.array(fc.double({ min: -60, max: -1, noNaN: true }), { minLength: n, maxLength: n }),
  }),
);

describe('pi_SFT over the sampled set (self-normalised importance weights)', () => {
  it('is w_i = pi_SFT / q normalised: hand-computed', () => {
    // w = [e^-1 / e^-2, e^-3 / e^-3, e^-2 / e^-1] = [e, 1, 1/e]
    const got = probs(
      sftLogProbs([
        { logprob: -1, samplerLogprob: -2 },
        { logprob: -3, samplerLogprob: -3 },
        { logprob: -2, samplerLogprob: -1 },
      ]),
    );
    const z = Math.E + 1 + 1 / Math.E;
    expect(got[0]).toBeCloseTo(Math.E / z, 14);
    expect(got[1]).toBeCloseTo(1 / z, 14);
    expect(got[2]).toBeCloseTo(1 / Math.E / z, 14);
  });

  it('is uniform when the sampler is pi_SFT itself (temperature 1)', () => {
    const got = probs(
      sftLogProbs([-5, -40, -12].map((lp) => ({ logprob: lp, samplerLogprob: lp }))),
    );
    for (const p of got) expect(p).toBeCloseTo(1 / 3, 14);
  });

  it('always sums to 1 (property)', () => {
    fc.assert(
      fc.property(candidateSet, ({ logp, logq }) => {
        const lp = sftLogProbs(logp.map((l, i) => ({ logprob: l, samplerLogprob: logq[i]! })));
        expect(Math.exp(logSumExp(lp))).toBeCloseTo(1, 12);
      }),
    );
  });
});

describe("the KL-regularised optimum pi* = pi_SFT exp(r / beta') / Z", () => {
  const logSft = [0.5, 0.25, 0.25].map(Math.log);
  const rewards = [0, Math.LN2, 0];

  it('matches the closed form on a hand-computed case', () => {
    // beta' = 1: weights [0.5, 0.5, 0.25] (0.25 * e^ln2 = 0.5), Z = 1.25 -> [0.4, 0.4, 0.2].
    const opt = klOptimum(logSft, rewards, 1);
    expect(probs(opt)[0]).toBeCloseTo(0.4, 14);
    expect(probs(opt)[1]).toBeCloseTo(0.4, 14);
    expect(probs(opt)[2]).toBeCloseTo(0.2, 14);
    // E[r] = 0.4 ln 2; KL = 0.6 ln 0.8 + 0.4 ln 1.6 (= E[r] / beta' - ln Z).
    expect(expectation(opt, rewards)).toBeCloseTo(0.4 * Math.LN2, 14);
    expect(kl(opt, logSft)).toBeCloseTo(0.6 * Math.log(0.8) + 0.4 * Math.log(1.6), 14);
    expect(kl(opt, logSft)).toBeCloseTo(0.4 * Math.LN2 - Math.log(1.25), 14);
  });

  it("maximises the paper objective (1 - beta) E[r] - beta KL when beta' = beta / (1 - beta)", () => {
    const beta = 0.05;
    const opt = klOptimum(logSft, rewards, betaPrime(beta));
    const best = evaluatePolicy(opt, logSft, rewards, beta).objective;
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: 3, maxLength: 3 }),
        (logits) => {
          const z = logSumExp(logits);
          const other = logits.map((l) => l - z);
          expect(evaluatePolicy(other, logSft, rewards, beta).objective).toBeLessThanOrEqual(
            best + 1e-12,
          );
        },
      ),
    );
    expect(betaPrime(0.05)).toBeCloseTo(0.05 / 0.95, 15);
    expect(betaFromPrime(betaPrime(0.3))).toBeCloseTo(0.3, 15);
  });

  it("recovers best-of-N as beta' -> 0 and pi_SFT as beta' -> Infinity", () => {
    fc.assert(
      fc.property(candidateSet, ({ rewards: r, logp, logq }) => {
        const sft = sftLogProbs(logp.map((l, i) => ({ logprob: l, samplerLogprob: logq[i]! })));
        const best = bestOfN(r, sft);
        const top = Math.max(...r);
        // At beta' = 0 exactly: all mass on the best reward (shared by pi_SFT among ties).
        const zero = probs(klOptimum(sft, r, 0));
        const onTop = zero.reduce((s, p, i) => (r[i] === top ? s + p : s), 0);
        expect(onTop).toBeCloseTo(1, 12);
        expect(zero[best]).toBeGreaterThan(0);
        // As beta' shrinks the mass on the best reward goes to 1 ...
        const gap = Math.min(...r.filter((x) => x < top).map((x) => top - x), 1);
        const small = probs(klOptimum(sft, r, gap / 200));
        expect(small.reduce((s, p, i) => (r[i] === top ? s + p : s), 0)).toBeGreaterThan(0.99);
        // ... and a huge beta' is pi_SFT.
        const huge = klOptimum(sft, r, 1e9);
        for (const [i, lp] of huge.entries()) expect(lp).toBeCloseTo(sft[i]!, 6);
        expect(klOptimum(sft, r, Infinity)).toEqual(sft);
      }),
    );
  });

  it("is normalised for every beta' (property)", () => {
    fc.assert(
      fc.property(candidateSet, fc.double({ min: 1e-4, max: 1e4, noNaN: true }), (s, b) => {
        const sft = sftLogProbs(s.logp.map((l, i) => ({ logprob: l, samplerLogprob: s.logq[i]! })));
        expect(probs(klOptimum(sft, s.rewards, b)).reduce((a, p) => a + p, 0)).toBeCloseTo(1, 10);
      }),
    );
  });

  it("traces a monotone frontier: reward and KL both fall as beta' grows (property)", () => {
    fc.assert(
      fc.property(fc.array(candidateSet, { minLength: 1, maxLength: 4 }), (sets) => {
        const scored = sets.map((s) => ({
          rewards: s.rewards,
          logSft: sftLogProbs(s.logp.map((l, i) => ({ logprob: l, samplerLogprob: s.logq[i]! }))),
        }));
        const points = frontier(scored, betaGrid(0.01, 100, 25));
        for (let i = 1; i < points.length; i++) {
          expect(points[i]!.reward).toBeLessThanOrEqual(points[i - 1]!.reward + 1e-9);
          expect(points[i]!.kl).toBeLessThanOrEqual(points[i - 1]!.kl + 1e-9);
        }
      }),
    );
  });
});

describe('best-of-N and the distribution helpers', () => {
  it('picks the highest reward, breaking ties by pi_SFT weight then index', () => {
    expect(bestOfN([0.1, 0.7, 0.3])).toBe(1);
    expect(bestOfN([0.7, 0.1, 0.7], [-2, -1, -0.5])).toBe(2);
    expect(bestOfN([0.7, 0.7])).toBe(0);
  });

  it('computes entropy and KL on hand-checked cases', () => {
    const uniform = [0.25, 0.25, 0.25, 0.25].map(Math.log);
    expect(entropy(uniform)).toBeCloseTo(Math.log(4), 14);
    const p = [0.5, 0.5, 0, 0].map(Math.log);
    expect(kl(p, uniform)).toBeCloseTo(Math.log(2), 14);
    expect(kl(uniform, p)).toBe(Infinity);
  });
});
