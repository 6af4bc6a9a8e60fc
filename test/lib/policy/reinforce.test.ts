import { describe, expect, it } from 'vitest';
import { probs, totalVariation } from '../../../src/lib/policy/distribution';
import { betaPrime, evaluatePolicy, klOptimum } from '../../../src/lib/policy/objective';
import { DEFAULT_REINFORCE, Reinforce, type TrainContext } from '../../../src/lib/policy/reinforce';

const oneHot = (n: number) =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, k) => (k === i ? 1 : 0)));

describe('REINFORCE with the KL penalty', () => {
  // One context, one-hot features: the family contains pi* exactly (theta_i = r_i / beta' + c).
  const beta = 0.2; // beta' = 0.25
  const ctx: TrainContext = {
    logSft: [0.4, 0.3, 0.2, 0.1].map(Math.log),
    rewards: [0, 0.2, 0.4, -0.3],
    features: oneHot(4),
  };
  const optimum = klOptimum(ctx.logSft, ctx.rewards, betaPrime(beta));

  it('converges to the closed-form KL-regularised optimum on a fixed candidate set', () => {
    const learner = new Reinforce([ctx], {
      ...DEFAULT_REINFORCE,
      beta,
      learningRate: 0.05,
      samplesPerContext: 16,
      decaySteps: 200,
      seed: 7,
    });
    const start = totalVariation(learner.logProbs(ctx), optimum);
    let last = learner.step();
    for (let t = 1; t < 600; t++) last = learner.step();
    const got = learner.logProbs(ctx);
    expect(start).toBeGreaterThan(0.2);
    // At pi* every return R(i) equals beta log Z: the gradient noise vanishes there, so the fit is tight.
    expect(totalVariation(got, optimum)).toBeLessThan(0.005);
    // The objective it reached is the optimum's, to the same tolerance.
    const best = evaluatePolicy(optimum, ctx.logSft, ctx.rewards, beta).objective;
    expect(Math.abs(last.train.objective - best)).toBeLessThan(1e-4);
    expect(probs(got).reduce((a, p) => a + p, 0)).toBeCloseTo(1, 12);
  });

  it('is reproducible for a seed and reports reward, KL and entropy each step', () => {
    const run = (seed: number) => {
      const learner = new Reinforce([ctx], { ...DEFAULT_REINFORCE, beta, seed });
      return Array.from({ length: 20 }, () => learner.step());
    };
    const a = run(3);
    expect(run(3)).toEqual(a);
    expect(run(4)).not.toEqual(a);
    expect(a[0]!.step).toBe(1);
    // It starts at pi_SFT (theta = 0): KL about 0, entropy that of pi_SFT.
    expect(a[0]!.train.kl).toBeLessThan(0.01);
    expect(a.at(-1)!.train.reward).toBeGreaterThan(a[0]!.train.reward);
  });

  it('generalises to held-out contexts through shared features', () => {
    // The reward is the first feature plus noise-free offsets; held-out contexts share the rule.
    const make = (shift: number): TrainContext => {
      const feats = [
        [1, 0.2],
        [-1, 0.5],
        [0.5 + shift, -0.3],
        [-0.2, shift],
      ];
      return {
        logSft: [0.25, 0.25, 0.25, 0.25].map(Math.log),
        rewards: feats.map((f) => f[0]!),
        features: feats,
      };
    };
    const train = [0, 0.1, 0.2, 0.3, 0.4].map(make);
    const heldOut = [0.05, 0.35].map(make);
    const learner = new Reinforce(train, { ...DEFAULT_REINFORCE, beta: 0.05, seed: 1 }, heldOut);
    const first = learner.step();
    let last = first;
    for (let t = 0; t < 300; t++) last = learner.step();
    expect(last.heldOut!.reward).toBeGreaterThan(first.heldOut!.reward + 0.5);
    expect(last.heldOut!.kl).toBeGreaterThan(0);
    expect(last.train.entropy).toBeLessThan(first.train.entropy);
  });

  it('refuses an empty training set', () => {
    expect(() => new Reinforce([], DEFAULT_REINFORCE)).toThrow(RangeError);
  });
});
