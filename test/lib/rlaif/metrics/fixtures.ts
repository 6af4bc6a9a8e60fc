// Builders for the metric tests: a PairLabel from its per-order soft labels.
import type { PairLabel, SoftLabel } from '../../../../src/lib/rlaif/types';

const order = ([p0, p1]: SoftLabel) => ({
  logprobs: [Math.log(p0), Math.log(p1)] as [number, number],
  probs: [p0, p1] as [number, number],
  otherMass: 0,
});

/** A label whose stored order says `stored` and, if given, whose swapped order (un-swapped) says `swapped`. */
export function pairLabel(pairId: string, stored: SoftLabel, swapped?: SoftLabel): PairLabel {
  const label: SoftLabel = swapped
    ? [(stored[0] + swapped[0]) / 2, (stored[1] + swapped[1]) / 2]
    : stored;
  return {
    pairId,
    label,
    // The swapped OrderScore is in shown order, so its probabilities are reversed.
    orders: { stored: order(stored), swapped: swapped && order([swapped[1], swapped[0]]) },
    perOrder: { stored, swapped },
    modelId: 'test-model',
    configHash: 'test',
  };
}
