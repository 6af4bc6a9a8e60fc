// Confidence intervals for proportions: the Wilson score interval, the normal (Wald) interval, and
// the z value for a two-sided confidence level from the inverse normal CDF.

/** A proportion with its confidence interval. */
export interface Interval {
  /** The point estimate: successes / n (NaN when n = 0). */
  estimate: number;
  low: number;
  high: number;
  /** How many trials the estimate rests on. */
  n: number;
}

/** z for a two-sided 95% interval, Phi^-1(0.975). */
export const Z95 = 1.959964;

// Acklam's rational approximation of the inverse normal CDF (relative error below 1.15e-9).
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [
  -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/** Evaluate c[0] x^(k-1) + ... + c[k-1] by Horner's rule. */
function horner(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((acc, c) => acc * x + c, 0);
}

/** Phi^-1(p): the standard normal quantile. p = 0 gives -Infinity, p = 1 gives +Infinity. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile: p must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p < P_LOW) {
    // Lower tail: a rational function of sqrt(-2 ln p).
    const q = Math.sqrt(-2 * Math.log(p));
    return horner(C, q) / (horner(D, q) * q + 1);
  }
  if (p > 1 - P_LOW) return -normalQuantile(1 - p); // upper tail by symmetry
  const q = p - 0.5;
  const r = q * q;
  return (horner(A, r) * q) / (horner(B, r) * r + 1);
}

/** z for a two-sided interval at this confidence level, e.g. 0.9 -> 1.645, 0.99 -> 2.576. */
export function zForConfidence(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`zForConfidence: confidence must be in (0, 1), got ${confidence}`);
  }
  return normalQuantile(1 - (1 - confidence) / 2);
}

const clip01 = (x: number): number => Math.min(1, Math.max(0, x));

/**
 * Wilson score interval for successes out of n. Unlike the normal interval it stays inside [0, 1]
 * and is not zero-width at 0/n or n/n. `successes` may be fractional (ties counted as halves).
 * n = 0 gives estimate NaN and the vacuous interval [0, 1].
 */
export function wilson(successes: number, n: number, z = Z95): Interval {
  if (!(n >= 0) || !(successes >= 0 && successes <= n)) {
    throw new RangeError(`wilson: need 0 <= successes <= n, got ${successes} of ${n}`);
  }
  if (n === 0) return { estimate: NaN, low: 0, high: 1, n };
  const p = successes / n;
  const z2n = (z * z) / n;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  // At 0/n and n/n the bound is exactly 0 or 1; rounding would leave 0.9999999999999999.
  const low = successes === 0 ? 0 : clip01(center - half);
  const high = successes === n ? 1 : clip01(center + half);
  return { estimate: p, low, high, n };
}

/** Normal-approximation interval estimate +- z * se, clipped to [0, 1]; a NaN se gives [0, 1]. */
export function normalInterval(estimate: number, se: number, z = Z95): [number, number] {
  if (Number.isNaN(se) || Number.isNaN(estimate)) return [0, 1];
  return [clip01(estimate - z * se), clip01(estimate + z * se)];
}
