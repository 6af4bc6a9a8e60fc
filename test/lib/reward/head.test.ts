// The head's hand-written backward pass against central finite differences, the loss's two
// readings (soft cross-entropy, hard -log sigmoid), and AdamW against a step worked by hand.
import { describe, expect, it } from 'vitest';
import {
  cloneHead,
  initHead,
  pairFeatures,
  pairGradient,
  pairLoss,
  reward,
  sigmoid,
  softplus,
  zeroGrads,
  type Head,
} from '../../../src/lib/reward/head';
import { AdamW } from '../../../src/lib/reward/optim';
import { mulberry32 } from '../../../src/lib/rlaif/random';

const D = 5;
const H = 7;

function unitVector(random: () => number): Float64Array {
  const v = Float64Array.from({ length: D }, () => 2 * random() - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** A few pairs of features from random unit embeddings, with targets. */
function batch(
  seed: number,
  targets: number[],
): { fa: Float64Array; fb: Float64Array; p: number }[] {
  const random = mulberry32(seed);
  return targets.map((p) => {
    const x = unitVector(random);
    return { fa: pairFeatures(x, unitVector(random)), fb: pairFeatures(x, unitVector(random)), p };
  });
}

function meanLoss(head: Head, pairs: ReturnType<typeof batch>): number {
  const sum = pairs.reduce(
    (s, { fa, fb, p }) => s + pairLoss(reward(head, fa) - reward(head, fb), p),
    0,
  );
  return sum / pairs.length;
}

/** Max relative error between the analytic gradient and central differences over every weight. */
function gradientCheck(targets: number[]): number {
  const head = initHead(D, H, 7);
  // Non-zero biases, so their gradient path is exercised too.
  head.b1.forEach((_, j) => (head.b1[j] = 0.1 * (j - 3)));
  const pairs = batch(11, targets);
  const grads = zeroGrads(head);
  for (const { fa, fb, p } of pairs) pairGradient(head, grads, fa, fb, p, 1 / pairs.length);
  const eps = 1e-6;
  let worst = 0;
  for (const key of ['W1', 'b1', 'w2'] as const) {
    head[key].forEach((_, i) => {
      const plus = cloneHead(head);
      const minus = cloneHead(head);
      plus[key][i] = (plus[key][i] ?? 0) + eps;
      minus[key][i] = (minus[key][i] ?? 0) - eps;
      const numeric = (meanLoss(plus, pairs) - meanLoss(minus, pairs)) / (2 * eps);
      const analytic = grads[key][i] ?? NaN;
      // The floor only keeps exact zeros from dividing by zero.
      const scale = Math.max(Math.abs(numeric), Math.abs(analytic), 1e-8);
      worst = Math.max(worst, Math.abs(numeric - analytic) / scale);
    });
  }
  return worst;
}

describe('reward head', () => {
  it('lays out features as [e(x), e(y), e(x) * e(y)]', () => {
    expect([...pairFeatures([1, 2], [3, -4])]).toEqual([1, 2, 3, -4, 3, -8]);
    expect(() => pairFeatures([1], [1, 2])).toThrow(RangeError);
  });

  it('computes r = w2 . tanh(W1^T f + b1)', () => {
    const head: Head = {
      embedDim: 1,
      hidden: 2,
      W1: Float64Array.from([1, 0, 0, 1, 0.5, -0.5]), // [3, 2]
      b1: Float64Array.from([0.1, -0.2]),
      w2: Float64Array.from([2, -1]),
    };
    const f = Float64Array.from([0.3, -0.4, 0.5]);
    const a0 = 0.3 * 1 + 0.5 * 0.5 + 0.1;
    const a1 = -0.4 * 1 + 0.5 * -0.5 - 0.2;
    expect(reward(head, f)).toBeCloseTo(2 * Math.tanh(a0) - Math.tanh(a1), 14);
  });

  it('initialises from a seed (Xavier bounds, zero biases)', () => {
    const a = initHead(D, H, 1);
    expect(a.W1).toEqual(initHead(D, H, 1).W1);
    expect(a.W1).not.toEqual(initHead(D, H, 2).W1);
    const bound = Math.sqrt(6 / (3 * D + H));
    expect(Math.max(...a.W1.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect([...a.b1].every((b) => b === 0)).toBe(true);
  });

  it('soft loss is the cross-entropy of softmax(r_a, r_b) against [p, 1 - p]', () => {
    for (const [ra, rb, p] of [
      [0.3, -1.2, 0.9],
      [2, 2.5, 0.62],
      [-40, 45, 0.3],
    ] as const) {
      const qa = Math.exp(ra) / (Math.exp(ra) + Math.exp(rb));
      const expected = -(p * Math.log(qa) + (1 - p) * Math.log(1 - qa));
      expect(pairLoss(ra - rb, p)).toBeCloseTo(expected, 9);
    }
  });

  it('hard loss is -log sigmoid(r_w - r_l), stable for large margins', () => {
    expect(pairLoss(1.5, 1)).toBeCloseTo(-Math.log(sigmoid(1.5)), 14);
    expect(pairLoss(1.5, 0)).toBeCloseTo(-Math.log(sigmoid(-1.5)), 14);
    expect(pairLoss(-800, 1)).toBeCloseTo(800, 9);
    expect(pairLoss(800, 1)).toBe(softplus(-800));
    expect(Number.isFinite(sigmoid(-800))).toBe(true);
  });

  it('backward matches central differences for soft targets (rel. error < 1e-5)', () => {
    const error = gradientCheck([0.9, 0.62, 0.3, 0.5, 0.05]);
    console.info(`gradient check, soft targets: max relative error ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-5);
  });

  it('backward matches central differences for hard targets (rel. error < 1e-5)', () => {
    const error = gradientCheck([1, 0, 1, 1, 0]);
    console.info(`gradient check, hard targets: max relative error ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-5);
  });
});

describe('AdamW', () => {
  it('takes the first step by hand: lr * sign(g) after bias correction', () => {
    const value = Float64Array.from([1, -2]);
    const grad = Float64Array.from([0.5, -3]);
    const adam = new AdamW([{ name: 'w', value, grad, decay: false }], { lr: 0.1 });
    adam.step();
    // m = 0.1 g, v = 0.001 g^2; m / (1 - 0.9) = g, v / (1 - 0.999) = g^2: step = lr g / (|g| + eps)
    expect(value[0]).toBeCloseTo(1 - 0.1 * (0.5 / (0.5 + 1e-8)), 12);
    expect(value[1]).toBeCloseTo(-2 + 0.1 * (3 / (3 + 1e-8)), 12);
  });

  it('takes the second step by hand, with decoupled weight decay', () => {
    const value = Float64Array.from([1]);
    const grad = Float64Array.from([2]);
    const [lr, wd, b1, b2, eps] = [0.01, 0.1, 0.9, 0.999, 1e-8];
    const adam = new AdamW([{ name: 'w', value, grad, decay: true }], { lr, weightDecay: wd });
    adam.step();
    grad[0] = -1;
    adam.step();
    // By hand: step 1 with g = 2, step 2 with g = -1.
    let theta = 1;
    let m = (1 - b1) * 2;
    let v = (1 - b2) * 4;
    theta = theta * (1 - lr * wd) - (lr * (m / (1 - b1))) / (Math.sqrt(v / (1 - b2)) + eps);
    m = b1 * m + (1 - b1) * -1;
    v = b2 * v + (1 - b2) * 1;
    theta =
      theta * (1 - lr * wd) - (lr * (m / (1 - b1 ** 2))) / (Math.sqrt(v / (1 - b2 ** 2)) + eps);
    expect(value[0]).toBeCloseTo(theta, 14);
    expect(adam.t).toBe(2);
  });

  it('decays only tensors marked for decay, even with zero gradient', () => {
    const w = { name: 'w', value: Float64Array.from([2]), grad: new Float64Array(1), decay: true };
    const b = { name: 'b', value: Float64Array.from([2]), grad: new Float64Array(1), decay: false };
    new AdamW([w, b], { lr: 0.1, weightDecay: 0.5 }).step();
    expect(w.value[0]).toBeCloseTo(2 * (1 - 0.05), 14);
    expect(b.value[0]).toBe(2);
  });
});
