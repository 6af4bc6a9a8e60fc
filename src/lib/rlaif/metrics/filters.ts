// Confidence filtering: keep the pairs humans were sure about, or the labels the AI was sure
// about, and a histogram of the labeler's confidence for the UI.
import type { PreferencePair } from '../types';
import { binIndex } from './calibration';
import { confidenceOf, softLabelOf, type LabelLike } from './labels';

/** The OpenAI TL;DR confidence levels (1..9) the paper keeps: sure of 1, or sure of 2. */
export const HIGH_CONFIDENCE_TLDR: readonly number[] = [1, 2, 8, 9];

/** Pairs whose human confidence is one of `allowed`; pairs with no confidence are dropped. */
export function filterByHumanConfidence<P extends Pick<PreferencePair, 'humanConfidence'>>(
  pairs: readonly P[],
  allowed: readonly number[] = HIGH_CONFIDENCE_TLDR,
): P[] {
  return pairs.filter(
    (p) => p.humanConfidence !== undefined && allowed.includes(p.humanConfidence),
  );
}

// Margins like 0.7 - 0.5 = 0.19999999999999996 must still pass a 0.2 cut-off.
const MARGIN_TOLERANCE = 1e-12;

/** Per label: is the AI at least `minMargin` away from a coin flip, |p0 - 0.5| >= minMargin? */
export function aiMarginMask(labels: readonly LabelLike[], minMargin: number): boolean[] {
  return labels.map((l) => Math.abs(softLabelOf(l)[0] - 0.5) >= minMargin - MARGIN_TOLERANCE);
}

/** Labels with |p0 - 0.5| >= minMargin. Use aiMarginMask + selectWhere to filter parallel arrays. */
export function filterByAiMargin<L extends LabelLike>(
  labels: readonly L[],
  minMargin: number,
): L[] {
  const keep = aiMarginMask(labels, minMargin);
  return labels.filter((_, i) => keep[i]);
}

/** The items whose mask entry is true, e.g. the human choices that go with kept labels. */
export function selectWhere<T>(items: readonly T[], mask: readonly boolean[]): T[] {
  if (items.length !== mask.length) {
    throw new RangeError(`selectWhere: ${items.length} items but ${mask.length} mask entries`);
  }
  return items.filter((_, i) => mask[i]);
}

export interface HistogramBin {
  lower: number;
  upper: number;
  count: number;
}

/**
 * Histogram of the labeler's confidence max(p0, p1) in k equal bins over [0.5, 1] (its full range
 * for a normalised label); 1.0 lands in the last bin, anything below 0.5 in the first.
 */
export function confidenceHistogram(labels: readonly LabelLike[], k = 10): HistogramBin[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`confidenceHistogram: k = ${k}`);
  const bins = Array.from({ length: k }, (_, b) => ({
    lower: 0.5 + (0.5 * b) / k,
    upper: 0.5 + (0.5 * (b + 1)) / k,
    count: 0,
  }));
  for (const label of labels) {
    const bin = bins[binIndex(confidenceOf(softLabelOf(label)), k, 0.5, 1)];
    if (bin) bin.count += 1;
  }
  return bins;
}
