// Reading a soft label: which candidate it prefers, and how sure it is.
import type { Choice, PairLabel, SoftLabel } from '../types';

/** Either a bare soft label or a full PairLabel (whose debiased `label` is used). */
export type LabelLike = SoftLabel | PairLabel;

/** The soft label in stored order: P(candidate 0 better), P(candidate 1 better). */
export function softLabelOf(label: LabelLike): SoftLabel {
  return Array.isArray(label) ? label : label.label;
}

/** argmax of a two-way distribution; 'tie' when both are exactly equal (p = 0.5). */
export function preferred([p0, p1]: SoftLabel): Choice | 'tie' {
  if (Number.isNaN(p0) || Number.isNaN(p1)) throw new RangeError('soft label contains NaN');
  if (p0 === p1) return 'tie';
  return p0 > p1 ? 0 : 1;
}

/** The labeler's confidence in its own pick: max(p0, p1), 0.5 for a coin flip. */
export function confidenceOf([p0, p1]: SoftLabel): number {
  return Math.max(p0, p1);
}
