// The end-of-run summary: the core's metrics over this config's labels (no math here), as JSON
// for scripts and as a few lines of text for people.
import type { EngineStats } from '../lib/engines/onnx/engine';
import {
  calibration,
  confidenceCalibrationInput,
  humansFor,
  latestPerPair,
  percentWithInterval,
  summarizeRun,
  type AlignmentResult,
  type CalibrationResult,
  type PositionBiasResult,
} from '../lib/rlaif/metrics';
import type { PairLabel, PreferencePair } from '../lib/rlaif/types';

export interface RunStats {
  /** Labels made by this run, and pairs it skipped as already labelled. */
  labelled: number;
  skipped: number;
  seconds: number;
  pairsPerSecond: number;
  /** CPU seconds this process spent labelling (all threads): steadier than wall time on a busy machine. */
  cpuSeconds: number;
}

export interface Summary {
  modelId: string;
  configHash: string;
  pairs: number;
  labelled: number;
  alignment: AlignmentResult;
  positionBias: PositionBiasResult | null;
  calibration: CalibrationResult;
  run: RunStats;
  engine: Omit<EngineStats, 'lastReuseFallback'> | null;
}

export const CALIBRATION_BINS = 10;

export function summarize(
  pairs: readonly PreferencePair[],
  labels: readonly PairLabel[],
  ids: { modelId: string; configHash: string },
  run: RunStats,
  engine: EngineStats | null,
): Summary {
  const latest = latestPerPair(labels);
  const { labeled, alignment, positionBias } = summarizeRun(pairs, latest);
  const input = confidenceCalibrationInput(latest, humansFor(latest, pairs));
  return {
    ...ids,
    pairs: pairs.length,
    labelled: labeled,
    alignment,
    positionBias,
    calibration: calibration(input.probs, input.outcomes, CALIBRATION_BINS),
    run,
    engine: engine && {
      forwardCalls: engine.forwardCalls,
      tokensComputed: engine.tokensComputed,
      prefixHits: engine.prefixHits,
      reuseFallbacks: engine.reuseFallbacks,
    },
  };
}

/** JSON with NaN (an empty interval) written as null, as JSON.stringify does anyway. */
export function summaryJson(summary: Summary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

export function summaryText(s: Summary): string[] {
  const a = s.alignment;
  const lines = [
    `Labelled ${s.labelled}/${s.pairs} pairs with ${s.modelId} (config ${s.configHash}).`,
    a.n
      ? `Alignment with humans: ${percentWithInterval(a.accuracy)} (Wilson 95% CI) on ${a.n} pairs` +
        (a.ties ? `, ${a.ties} ties` : '')
      : 'Alignment with humans: no pair has a human label.',
  ];
  const b = s.positionBias;
  lines.push(
    b
      ? `Position bias: same position preferred in ${percentWithInterval(b.samePosition)} of ${b.n} pairs ` +
          `(first ${b.first}, second ${b.second})`
      : 'Position bias: not measured (only one order scored).',
  );
  lines.push(
    s.calibration.n
      ? `Calibration: ECE ${s.calibration.ece.toFixed(3)} over ${s.calibration.n} pairs (${CALIBRATION_BINS} bins)`
      : 'Calibration: no human-labelled, untied pairs.',
  );
  const r = s.run;
  lines.push(
    `This run: ${r.labelled} labelled, ${r.skipped} already done, ${r.seconds.toFixed(1)} s, ` +
      `${r.pairsPerSecond.toFixed(2)} pairs/s`,
  );
  const e = s.engine;
  if (e) {
    lines.push(
      `Engine: ${e.forwardCalls} forward calls, ${e.tokensComputed} tokens computed, ` +
        `${e.prefixHits} prefix-cache hits, ${e.reuseFallbacks} reuse fallbacks`,
    );
  }
  return lines;
}
