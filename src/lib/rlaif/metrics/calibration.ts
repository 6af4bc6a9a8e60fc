// Calibration of the labeler's probabilities: a reliability diagram and the expected calibration
// error (ECE), plus the two ways of turning soft labels and human choices into (p, outcome) pairs.
import type { Choice } from '../types';
import { confidenceOf, preferred, softLabelOf, type LabelLike } from './labels';

/** Which of k equal-width bins over [lo, hi] holds x; x = hi goes in the last bin. */
export function binIndex(x: number, k: number, lo = 0, hi = 1): number {
  const i = Math.floor(((x - lo) / (hi - lo)) * k);
  return Math.min(k - 1, Math.max(0, i)); // clamp: hi (and rounding just past it) -> last bin
}

/** One bin of a reliability diagram: [lower, upper), the last bin [lower, 1]. */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin (NaN when empty). */
  meanConfidence: number;
  /** Share of outcomes equal to 1 in the bin (NaN when empty). */
  observedFrequency: number;
}

export interface CalibrationResult {
  bins: ReliabilityBin[];
  /** Expected calibration error: sum over bins of (count / N) |observed - meanConfidence|. */
  ece: number;
  n: number;
}

/** Reliability diagram over `bins` equal-width bins of [0, 1], and the ECE (NaN when empty). */
export function calibration(
  probs: readonly number[],
  outcomes: readonly (0 | 1)[],
  bins = 10,
): CalibrationResult {
  if (probs.length !== outcomes.length) {
    throw new RangeError(
      `calibration: ${probs.length} probabilities but ${outcomes.length} outcomes`,
    );
  }
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`calibration: bins = ${bins}`);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  const count = new Array<number>(bins).fill(0);
  probs.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`calibration: probability ${p} not in [0, 1]`);
    const b = binIndex(p, bins);
    sumP[b] = (sumP[b] ?? 0) + p;
    sumY[b] = (sumY[b] ?? 0) + (outcomes[i] ?? 0);
    count[b] = (count[b] ?? 0) + 1;
  });
  const n = probs.length;
  const table = count.map((c, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: c,
    meanConfidence: (sumP[b] ?? 0) / c, // NaN for an empty bin
    observedFrequency: (sumY[b] ?? 0) / c,
  }));
  // Empty bins carry no weight; an empty input has no calibration to speak of.
  const ece = table
    .filter((bin) => bin.count > 0)
    .reduce(
      (a, bin) => a + (bin.count / n) * Math.abs(bin.observedFrequency - bin.meanConfidence),
      0,
    );
  return { bins: table, ece: n === 0 ? NaN : ece, n };
}

/** Calibration input built from soft labels and human choices. */
export interface CalibrationInput {
  probs: number[];
  outcomes: (0 | 1)[];
  skippedNoHuman: number;
  /** Exact ties (p0 = p1), left out by the confidence variant: their pick is undefined. */
  skippedTies: number;
}

function checkLengths(what: string, a: number, b: number): void {
  if (a !== b) throw new RangeError(`${what}: ${a} labels but ${b} human choices`);
}

/**
 * Is P(candidate 0 better) calibrated? p = label[0], outcome = 1 when the human chose candidate 0.
 * Covers all of [0, 1] and keeps ties; it is the distribution the reward model is distilled from.
 */
export function candidateCalibrationInput(
  labels: readonly LabelLike[],
  humans: readonly (Choice | undefined)[],
): CalibrationInput {
  checkLengths('candidateCalibrationInput', labels.length, humans.length);
  const input: CalibrationInput = { probs: [], outcomes: [], skippedNoHuman: 0, skippedTies: 0 };
  labels.forEach((label, i) => {
    const human = humans[i];
    if (human === undefined) {
      input.skippedNoHuman += 1;
      return;
    }
    input.probs.push(softLabelOf(label)[0]);
    input.outcomes.push(human === 0 ? 1 : 0);
  });
  return input;
}

/**
 * Is the labeler's confidence calibrated? p = max(p0, p1), outcome = 1 when its pick matches the
 * human. This is the one the app plots: "when it says 80% sure, is it right 80% of the time?",
 * and its mean outcome is the alignment
 * accuracy over the untied pairs. p lies in [0.5, 1], so the lower bins stay empty.
 */
export function confidenceCalibrationInput(
  labels: readonly LabelLike[],
  humans: readonly (Choice | undefined)[],
): CalibrationInput {
  checkLengths('confidenceCalibrationInput', labels.length, humans.length);
  const input: CalibrationInput = { probs: [], outcomes: [], skippedNoHuman: 0, skippedTies: 0 };
  labels.forEach((label, i) => {
    const human = humans[i];
    if (human === undefined) {
      input.skippedNoHuman += 1;
      return;
    }
    const soft = softLabelOf(label);
    const pick = preferred(soft);
    if (pick === 'tie') {
      input.skippedTies += 1;
      return;
    }
    input.probs.push(confidenceOf(soft));
    input.outcomes.push(pick === human ? 1 : 0);
  });
  return input;
}
