// Position bias: how often the labeler picks the same *slot* (first or second shown) whichever
// way round the two candidates are shown, rather than the same candidate.
import type { PairLabel } from '../types';
import { wilson, Z95, type Interval } from './intervals';
import { preferred } from './labels';

export interface PositionBiasResult {
  /** "% same position preferred": share of pairs scored in both orders with the same slot picked. */
  samePosition: Interval;
  /** Pairs scored in both orders (the denominator). */
  n: number;
  /** Pairs where both orders picked the same slot. */
  same: number;
  /** Of those, how many picked the first slot both times, and its share of `same`. */
  first: number;
  firstSlot: Interval;
  /** Of those, how many picked the second slot both times, and its share of `same`. */
  second: number;
  secondSlot: Interval;
  /** Pairs with an exact tie in either order: in n, never counted as same position. */
  undecided: number;
  /** Pairs without a swapped order: excluded from n. */
  skippedNoSwap: number;
}

/**
 * Position bias from each label's per-order soft labels (both already in stored order). Stored
 * order shows candidate c in slot c; swapped order shows candidate c in slot 1 - c. So the same
 * slot was picked exactly when the two orders picked *different* candidates.
 */
export function positionBias(labels: readonly PairLabel[], z = Z95): PositionBiasResult {
  let n = 0;
  let first = 0;
  let second = 0;
  let undecided = 0;
  for (const { perOrder } of labels) {
    if (perOrder.swapped === undefined) continue;
    n += 1;
    const inStored = preferred(perOrder.stored);
    const inSwapped = preferred(perOrder.swapped);
    if (inStored === 'tie' || inSwapped === 'tie') undecided += 1;
    else if (inStored !== inSwapped) {
      // In stored order candidate c sits in slot c, so the stored pick names the slot.
      if (inStored === 0) first += 1;
      else second += 1;
    }
  }
  const same = first + second;
  return {
    samePosition: wilson(same, n, z),
    n,
    same,
    first,
    firstSlot: wilson(first, same, z),
    second,
    secondSlot: wilson(second, same, z),
    undecided,
    skippedNoSwap: labels.length - n,
  };
}
