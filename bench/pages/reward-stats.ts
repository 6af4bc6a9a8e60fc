// Summaries of timing runs, shared by the reward bench page and its Node driver.
import { batches } from '../../src/lib/reward/encoder';
import type { EpochStats } from '../../src/lib/reward/train';
import type { LatencyStats, TrainTiming } from './reward-types';

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = sorted(xs);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const mean = (xs: readonly number[]) =>
  xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN;

/** Nearest rank: the smallest sample with at least q of the samples at or below it. */
export function quantile(xs: readonly number[], q: number): number {
  if (!xs.length) return NaN;
  const s = sorted(xs);
  return s[Math.min(s.length, Math.max(1, Math.ceil(q * s.length))) - 1]!;
}

export function latencyStats(ms: readonly number[]): LatencyStats {
  return {
    samples: ms.length,
    medianMs: median(ms),
    p95Ms: quantile(ms, 0.95),
    meanMs: mean(ms),
    minMs: Math.min(...ms),
    maxMs: Math.max(...ms),
  };
}

/** Epoch times from a training history (fitHead's, with its resolved options). */
export function trainTiming(
  where: TrainTiming['where'],
  history: readonly EpochStats[],
  run: { pairs: number; trainPairs: number; valPairs: number; hidden: number; batchSize: number },
): TrainTiming {
  const ms = history.map((h) => h.seconds * 1000);
  const rest = ms.length > 1 ? ms.slice(1) : ms;
  return {
    where,
    ...run,
    epochs: ms.length,
    firstEpochMs: ms[0] ?? NaN,
    medianEpochMs: median(rest),
    meanEpochMs: mean(rest),
  };
}

/**
 * Token positions the encoder computes for texts of these lengths: it sorts them by length and
 * pads each batch (SentenceEncoder's batches) to its longest. The cost model an embedding
 * estimate scales by.
 */
export function paddedPositions(lengths: readonly number[], batchSize: number): number {
  const rows = sorted(lengths).map((length) => ({ ids: { length } }));
  return batches(rows, batchSize).reduce(
    (sum, b) => sum + b.length * (b.at(-1)?.ids.length ?? 0),
    0,
  );
}
