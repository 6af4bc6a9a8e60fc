// Win rate of policy A over policy B from per-item preferences, hard or soft, with its CI.
import { normalInterval, wilson, Z95, type Interval } from './intervals';

/** A hard judgment of one pair of outputs: A better, B better, or neither. */
export type Judgment = 'A' | 'B' | 'tie';

/** One item's preference: a hard judgment, or a soft P(A better) in [0, 1]. */
export type Preference = Judgment | number;

export interface WinRateResult {
  /** Mean per-item score: 1 for 'A', 0 for 'B', 0.5 for 'tie', p for a soft preference. */
  rate: number;
  /** Items leaning A (score > 0.5), leaning B (score < 0.5), and exactly even (score = 0.5). */
  wins: number;
  losses: number;
  ties: number;
  n: number;
  /** Standard error of the mean: sample std (n - 1 denominator) / sqrt(n); NaN when n < 2. */
  se: number;
  /** Normal-approximation interval rate +- z * se, clipped to [0, 1]. */
  ci: [number, number];
  /** Wilson interval of wins / n, given only when every item is hard and none is a tie. */
  wilson?: Interval;
}

/** The score an item contributes to A's win rate. */
export function scoreOf(pref: Preference): number {
  if (pref === 'A') return 1;
  if (pref === 'B') return 0;
  if (pref === 'tie') return 0.5; // a tie splits the win
  if (!(pref >= 0 && pref <= 1)) throw new RangeError(`winRate: P(A better) ${pref} not in [0, 1]`);
  return pref; // a soft preference counts its probability
}

/**
 * Win rate of A over B. SE uses the sample variance (Bessel's n - 1), so for hard data without
 * ties it is sqrt(p(1-p)/(n-1)), slightly wider than the textbook sqrt(p(1-p)/n).
 */
export function winRate(prefs: readonly Preference[], z = Z95): WinRateResult {
  const scores = prefs.map(scoreOf);
  const n = scores.length;
  const rate = scores.reduce((a, s) => a + s, 0) / n; // NaN when n = 0
  const sumSq = scores.reduce((a, s) => a + (s - rate) ** 2, 0);
  const se = n >= 2 ? Math.sqrt(sumSq / (n - 1) / n) : NaN;
  const wins = scores.filter((s) => s > 0.5).length;
  const losses = scores.filter((s) => s < 0.5).length;
  const ties = n - wins - losses;
  const hard = prefs.every((p) => typeof p === 'string');
  const result: WinRateResult = {
    rate,
    wins,
    losses,
    ties,
    n,
    se,
    ci: normalInterval(rate, se, z),
  };
  if (hard && ties === 0) result.wilson = wilson(wins, n, z);
  return result;
}
