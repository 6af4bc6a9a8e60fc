// Number formatting shared by the chart summaries (text only: the numbers come from metrics).
import type { Interval } from '../../lib/rlaif/metrics';

export function pct(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '–';
}

/** "62.5% (95% CI 40.1–80.2%)" */
export function withCi(interval: Interval): string {
  if (!Number.isFinite(interval.estimate)) return 'no data';
  return `${pct(interval.estimate)} (95% CI ${pct(interval.low)}–${pct(interval.high)})`;
}
