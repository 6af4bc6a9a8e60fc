// A small trainable policy over each context's candidate set, trained with REINFORCE.
//
//   pi_theta(i | x) = softmax_i( log pi_SFT_hat(i | x) + theta . phi(x, y_i) )
//
// theta = 0 is pi_SFT_hat itself, and theta is shared across contexts, so what it learns (from
// encoder features, length, SFT log-prob) carries over to contexts it never saw. The objective is
// the paper's, J = E_pi[(1 - beta) r] - beta KL(pi || pi_SFT), optimised as RL with the KL folded
// into the return of each sampled candidate:
//
//   R(i) = (1 - beta) r_i - beta (log pi_theta(i) - log pi_SFT(i))
//   grad J = E_{i~pi}[(R(i) - b) grad log pi_theta(i)],  grad log pi_theta(i) = phi_i - E_pi[phi]
//
// (E[grad log pi] = 0, so the baseline b and the KL term's own dependence on theta add no bias.)
// b is a running mean of the returns. With one-hot features on one context the family contains
// pi* exactly (theta_i = r_i / beta' + c), so REINFORCE must converge to the closed form.
import { mulberry32 } from '../rlaif/random';
import { drawIndex, logNormalize } from './distribution';
import { evaluatePolicy } from './objective';

/** One context's candidates as the learner sees them. */
export interface TrainContext {
  logSft: readonly number[];
  rewards: readonly number[];
  /** phi(x, y_i) per candidate, all of the same length. */
  features: readonly (readonly number[])[];
}

export interface ReinforceOptions {
  /** The paper's KL coefficient (0.05 there): J = (1 - beta) E[r] - beta KL. */
  beta: number;
  learningRate: number;
  /** Candidates sampled from pi_theta per context per step. */
  samplesPerContext: number;
  /** Contexts per step (a seeded minibatch); 0 or more than there are uses them all. */
  contextsPerStep: number;
  /** Running-mean baseline: b <- decay b + (1 - decay) mean R. */
  baselineDecay: number;
  /** Learning rate at step t: lr / sqrt(1 + t / decaySteps); 0 keeps it constant. */
  decaySteps: number;
  seed: number;
}

export const DEFAULT_REINFORCE: ReinforceOptions = {
  beta: 0.05,
  learningRate: 0.05,
  samplesPerContext: 4,
  contextsPerStep: 8,
  baselineDecay: 0.9,
  decaySteps: 0,
  seed: 0,
};

/** Exact averages over a set of contexts: what the live curves plot. */
export interface PolicyAverages {
  reward: number;
  kl: number;
  entropy: number;
  objective: number;
}

export interface StepStats {
  step: number;
  train: PolicyAverages;
  heldOut?: PolicyAverages;
  /** Mean sampled return R this step, and the baseline it was compared with. */
  sampledReturn: number;
  baseline: number;
}

/** log pi_theta over one context's candidates. */
export function policyLogProbs(theta: ArrayLike<number>, ctx: TrainContext): number[] {
  return logNormalize(ctx.logSft.map((lp, i) => lp + dot(theta, ctx.features[i]!)));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
}

/** Exact reward, KL, entropy and objective of pi_theta, averaged over contexts. */
export function averages(
  theta: ArrayLike<number>,
  contexts: readonly TrainContext[],
  beta: number,
): PolicyAverages {
  const sum = { reward: 0, kl: 0, entropy: 0, objective: 0 };
  for (const ctx of contexts) {
    const p = evaluatePolicy(policyLogProbs(theta, ctx), ctx.logSft, ctx.rewards, beta);
    sum.reward += p.reward;
    sum.kl += p.kl;
    sum.entropy += p.entropy;
    sum.objective += p.objective;
  }
  const n = contexts.length || 1;
  return {
    reward: sum.reward / n,
    kl: sum.kl / n,
    entropy: sum.entropy / n,
    objective: sum.objective / n,
  };
}

/** Adam (Kingma & Ba), ascending: the gradient estimate's scale varies a lot between rewards. */
class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(size: number) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }
  ascend(theta: Float64Array, grad: Float64Array, lr: number): void {
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
    this.t++;
    for (let k = 0; k < theta.length; k++) {
      this.m[k] = b1 * this.m[k]! + (1 - b1) * grad[k]!;
      this.v[k] = b2 * this.v[k]! + (1 - b2) * grad[k]! ** 2;
      const mHat = this.m[k]! / (1 - b1 ** this.t);
      const vHat = this.v[k]! / (1 - b2 ** this.t);
      theta[k]! += (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  }
}

/** A REINFORCE learner you step yourself, so a page can yield (or cancel) between steps. */
export class Reinforce {
  readonly theta: Float64Array;
  private readonly adam: Adam;
  private readonly random: () => number;
  private baseline: number | null = null;
  private t = 0;

  constructor(
    private readonly train: readonly TrainContext[],
    private readonly options: ReinforceOptions,
    private readonly heldOut: readonly TrainContext[] = [],
  ) {
    if (!train.length) throw new RangeError('REINFORCE needs at least one training context');
    const dim = train[0]!.features[0]?.length ?? 0;
    this.theta = new Float64Array(dim);
    this.adam = new Adam(dim);
    this.random = mulberry32(options.seed);
  }

  get steps(): number {
    return this.t;
  }

  /** One step: sample, estimate the policy gradient, take an Adam step; exact stats after. */
  step(): StepStats {
    const { beta, samplesPerContext: k } = this.options;
    const batch = this.minibatch();
    const grad = new Float64Array(this.theta.length);
    const samples: { ctx: TrainContext; logPi: number[]; i: number; ret: number }[] = [];
    for (const ctx of batch) {
      const logPi = policyLogProbs(this.theta, ctx);
      for (let s = 0; s < k; s++) {
        const i = drawIndex(logPi, this.random());
        const ret = (1 - beta) * ctx.rewards[i]! - beta * (logPi[i]! - ctx.logSft[i]!);
        samples.push({ ctx, logPi, i, ret });
      }
    }
    const meanReturn = samples.reduce((s, x) => s + x.ret, 0) / samples.length;
    // The baseline from earlier steps only: including this step's returns would bias the estimate.
    const b = this.baseline ?? meanReturn;
    for (const { ctx, logPi, i, ret } of samples) {
      const advantage = ret - b;
      const meanPhi = expectedFeatures(logPi, ctx.features);
      const phi = ctx.features[i]!;
      for (let d = 0; d < grad.length; d++) {
        grad[d]! += (advantage * (phi[d]! - meanPhi[d]!)) / samples.length;
      }
    }
    const { learningRate, decaySteps, baselineDecay } = this.options;
    const lr = decaySteps > 0 ? learningRate / Math.sqrt(1 + this.t / decaySteps) : learningRate;
    this.adam.ascend(this.theta, grad, lr);
    this.baseline = baselineDecay * b + (1 - baselineDecay) * meanReturn;
    this.t++;
    return {
      step: this.t,
      train: averages(this.theta, this.train, beta),
      ...(this.heldOut.length ? { heldOut: averages(this.theta, this.heldOut, beta) } : {}),
      sampledReturn: meanReturn,
      baseline: b,
    };
  }

  /** This step's contexts: all of them, or a seeded draw without replacement. */
  private minibatch(): readonly TrainContext[] {
    const size = this.options.contextsPerStep;
    if (size <= 0 || size >= this.train.length) return this.train;
    const order = this.train.map((ctx) => ({ ctx, key: this.random() }));
    order.sort((a, b) => a.key - b.key);
    return order.slice(0, size).map((o) => o.ctx);
  }

  /** log pi_theta for any context with the same feature layout (held-out ones included). */
  logProbs(ctx: TrainContext): number[] {
    return policyLogProbs(this.theta, ctx);
  }
}

function expectedFeatures(logPi: readonly number[], features: TrainContext['features']): number[] {
  const mean = new Array<number>(features[0]!.length).fill(0);
  for (const [i, lp] of logPi.entries()) {
    const p = Math.exp(lp);
    for (let d = 0; d < mean.length; d++) mean[d]! += p * features[i]![d]!;
  }
  return mean;
}
