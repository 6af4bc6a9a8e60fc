// The paper's policy objective on a finite candidate set, and its closed-form optimum.
//
//   J(pi) = E_{y~pi}[(1 - beta) r(x, y)] - beta KL(pi || pi_SFT)
//
// Over a finite set the maximiser is the Gibbs tilt of pi_SFT (set the gradient of the
// Lagrangian to 0):  pi*(y) = pi_SFT(y) exp(r(y) / beta') / Z,  with beta' = beta / (1 - beta).
// beta' -> 0 puts all the mass on the best reward (best-of-N); beta' -> Infinity leaves pi_SFT.
//
// pi_SFT over the sampled set. The candidates were drawn from q (temperature 0.9), not from
// pi_SFT (temperature 1), and long sequences all have tiny, wildly different probabilities, so
// renormalising pi_SFT(y_i) over the set would put nearly all mass on one sample. We use the
// self-normalised importance-weighted empirical distribution instead:
//
//   pi_SFT_hat(i) = w_i / sum_j w_j,   w_i = pi_SFT(y_i) / q(y_i),
//
// the standard consistent estimate of pi_SFT from q-samples: E_{pi_SFT_hat}[f] -> E_{pi_SFT}[f]
// as N grows. At temperature 1 (q = pi_SFT) it is the plain empirical distribution, 1/N each.
// Duplicated samples stay separate draws, as in any empirical distribution.
import { entropy, expectation, kl, logNormalize } from './distribution';

/** What the math needs of a candidate: its sequence log-probs under pi_SFT and the sampler q. */
export interface Weighted {
  /** log pi_SFT(y | x), temperature 1. */
  logprob: number;
  /** log q(y | x), the distribution the sample was drawn from. */
  samplerLogprob: number;
}

/** log pi_SFT_hat over the sampled set: self-normalised importance weights pi_SFT / q. */
export function sftLogProbs(candidates: readonly Weighted[]): number[] {
  return logNormalize(candidates.map((c) => c.logprob - c.samplerLogprob));
}

/** The paper writes the penalty as beta against (1 - beta) r; the Gibbs temperature is beta'. */
export function betaPrime(beta: number): number {
  if (!(beta > 0 && beta < 1)) throw new RangeError(`beta must be in (0, 1), got ${beta}`);
  return beta / (1 - beta);
}

/** ...and back: the beta of the paper's objective whose optimum has Gibbs temperature beta'. */
export function betaFromPrime(bPrime: number): number {
  return bPrime / (1 + bPrime);
}

/** Best-of-N: the highest reward; ties go to the higher pi_SFT weight, then the lower index. */
export function bestOfN(rewards: readonly number[], logSft?: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < rewards.length; i++) {
    const better = rewards[i]! > rewards[best]!;
    const tie = rewards[i] === rewards[best] && (logSft?.[i] ?? 0) > (logSft?.[best] ?? 0);
    if (better || tie) best = i;
  }
  return best;
}

/**
 * log pi*(y) = log pi_SFT(y) + r(y) / beta' - log Z. beta' = 0 is the limit: pi_SFT restricted
 * to the best reward(s); beta' = Infinity is pi_SFT itself.
 */
export function klOptimum(
  logSft: readonly number[],
  rewards: readonly number[],
  bPrime: number,
): number[] {
  if (!(bPrime >= 0)) throw new RangeError(`beta' must be >= 0, got ${bPrime}`);
  if (bPrime === Infinity) return [...logSft];
  if (bPrime === 0) {
    const top = Math.max(...rewards.filter((_, i) => logSft[i]! > -Infinity));
    return logNormalize(logSft.map((lp, i) => (rewards[i] === top ? lp : -Infinity)));
  }
  return logNormalize(logSft.map((lp, i) => lp + rewards[i]! / bPrime));
}

/** Where a policy stands on the objective. */
export interface PolicyPoint {
  /** E_pi[r]. */
  reward: number;
  /** KL(pi || pi_SFT) in nats. */
  kl: number;
  /** H(pi) in nats. */
  entropy: number;
  /** (1 - beta) E_pi[r] - beta KL at the paper's beta. */
  objective: number;
}

export function evaluatePolicy(
  logPi: readonly number[],
  logSft: readonly number[],
  rewards: readonly number[],
  beta: number,
): PolicyPoint {
  const reward = expectation(logPi, rewards);
  const divergence = kl(logPi, logSft);
  return {
    reward,
    kl: divergence,
    entropy: entropy(logPi),
    objective: (1 - beta) * reward - beta * divergence,
  };
}

/** One candidate set as the frontier sees it. */
export interface ScoredSet {
  logSft: readonly number[];
  rewards: readonly number[];
}

export interface FrontierPoint {
  betaPrime: number;
  /** Mean over contexts of E_{pi*}[r] and of KL(pi* || pi_SFT). */
  reward: number;
  kl: number;
}

/**
 * The reward-vs-KL frontier: for each beta', the optimum of every context, averaged. Along it
 * reward and KL both fall as beta' grows (the tilt flattens towards pi_SFT).
 */
export function frontier(
  sets: readonly ScoredSet[],
  betaPrimes: readonly number[],
): FrontierPoint[] {
  return betaPrimes.map((b) => {
    let reward = 0;
    let divergence = 0;
    for (const s of sets) {
      const opt = klOptimum(s.logSft, s.rewards, b);
      reward += expectation(opt, s.rewards) / sets.length;
      divergence += kl(opt, s.logSft) / sets.length;
    }
    return { betaPrime: b, reward, kl: divergence };
  });
}

/** Log-spaced beta' values from lo to hi inclusive: the grid the frontier is drawn on. */
export function betaGrid(lo = 0.01, hi = 100, count = 41): number[] {
  const step = (Math.log(hi) - Math.log(lo)) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.exp(Math.log(lo) + i * step));
}
