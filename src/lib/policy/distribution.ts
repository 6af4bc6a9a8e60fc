// Distributions over a context's finite candidate set, kept in log space: a policy here is a
// vector of log-probabilities, one per candidate, that log-sum-exps to 0.

/** log(sum(exp(x))), stable for large and -Infinity entries; -Infinity for an empty list. */
export function logSumExp(xs: readonly number[]): number {
  const max = Math.max(...xs);
  if (!Number.isFinite(max)) return max;
  let sum = 0;
  for (const x of xs) sum += Math.exp(x - max);
  return max + Math.log(sum);
}

/** Normalise unnormalised log-weights into log-probabilities. */
export function logNormalize(logWeights: readonly number[]): number[] {
  const logZ = logSumExp(logWeights);
  if (!Number.isFinite(logZ)) throw new RangeError('logNormalize: every weight is zero or invalid');
  return logWeights.map((w) => w - logZ);
}

export const probs = (logp: readonly number[]): number[] => logp.map(Math.exp);

/** E_p[f] for log-probabilities logp. */
export function expectation(logp: readonly number[], f: readonly number[]): number {
  return logp.reduce((s, lp, i) => (lp === -Infinity ? s : s + Math.exp(lp) * f[i]!), 0);
}

/** KL(p || q) = sum p log(p/q), in nats; 0 log 0 = 0, and +Infinity where q = 0 < p. */
export function kl(logp: readonly number[], logq: readonly number[]): number {
  let sum = 0;
  for (const [i, lp] of logp.entries()) {
    if (lp === -Infinity) continue;
    sum += Math.exp(lp) * (lp - logq[i]!);
  }
  return Math.max(0, sum); // rounding can leave -1e-17 where p = q
}

/** Shannon entropy H(p) in nats. */
export function entropy(logp: readonly number[]): number {
  return logp.reduce((s, lp) => (lp === -Infinity ? s : s - Math.exp(lp) * lp), 0);
}

/** Total variation distance between two distributions given as log-probabilities. */
export function totalVariation(logp: readonly number[], logq: readonly number[]): number {
  return 0.5 * logp.reduce((s, lp, i) => s + Math.abs(Math.exp(lp) - Math.exp(logq[i]!)), 0);
}

/** Draw an index from log-probabilities with a uniform random number u in [0, 1). */
export function drawIndex(logp: readonly number[], u: number): number {
  let r = u;
  for (const [i, lp] of logp.entries()) {
    r -= Math.exp(lp);
    if (r < 0) return i;
  }
  // Rounding left a sliver of mass: the last candidate with positive probability.
  return logp.findLastIndex((lp) => lp > -Infinity);
}
