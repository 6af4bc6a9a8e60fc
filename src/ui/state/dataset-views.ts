// What the Dataset page shows of the open run: the pairs table's rows and every chart's numbers.
// Plain TypeScript with no runes; the math lives in src/lib/rlaif/metrics.
import {
  alignment,
  alignmentBy,
  calibration,
  confidenceCalibrationInput,
  confidenceHistogram,
  humansFor,
  positionBias,
} from '../../lib/rlaif/metrics';
import type { PairLabel, PreferencePair } from '../../lib/rlaif/types';

/** One row of the pairs table: everything it shows, precomputed once per label change. */
export interface PairRow {
  index: number;
  pair: PreferencePair;
  label?: PairLabel;
  /** P(candidate 1 better), debiased; "1" is the first candidate as stored. */
  p1?: number;
  /** Agreement of the AI's pick with the human's; undefined when either is missing. */
  agrees?: boolean;
}

/** Table rows in run order. */
export function rowsOf(pairs: PreferencePair[], labels: PairLabel[]): PairRow[] {
  const byId = new Map(labels.map((l) => [l.pairId, l]));
  return pairs.map((pair, index) => rowOf(pair, index, byId.get(pair.id)));
}

function rowOf(pair: PreferencePair, index: number, label: PairLabel | undefined): PairRow {
  if (!label) return { index, pair };
  const [p1, p2] = label.label;
  const pick = p1 === p2 ? undefined : p1 > p2 ? 0 : 1;
  const agrees =
    pick === undefined || pair.humanChoice === undefined ? undefined : pick === pair.humanChoice;
  return { index, pair, label, p1, agrees };
}

export type DatasetMetrics = ReturnType<typeof metricsOf>;

/** Every chart's numbers, from src/lib/rlaif/metrics. */
export function metricsOf(labels: PairLabel[], pairs: PreferencePair[]) {
  const humans = humansFor(labels, pairs);
  const byId = new Map(pairs.map((p) => [p.id, p]));
  const groupOf = (label: PairLabel) => {
    const pair = byId.get(label.pairId);
    return pair?.defect ?? pair?.task ?? 'unknown';
  };
  const groups = alignmentBy(labels, humans, labels.map(groupOf));
  const input = confidenceCalibrationInput(labels, humans);
  return {
    n: labels.length,
    alignment: alignment(labels, humans),
    byGroup: [...groups].map(([key, result]) => ({ key, result })),
    positionBias: positionBias(labels),
    calibration: calibration(input.probs, input.outcomes, 10),
    histogram: confidenceHistogram(labels, 10),
  };
}
