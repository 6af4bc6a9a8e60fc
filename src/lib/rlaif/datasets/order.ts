// Which slot the human-chosen candidate goes in. Datasets that store "chosen" and "rejected" would
// otherwise always put the better answer first, and a position-biased labeler would look perfect.

import { seededCoin } from '../random';
import type { Choice, Task } from '../types';

/** Options shared by the formats that store chosen/rejected rather than a choice. */
export interface PairOptions {
  /** The task the pairs belong to (default: 'helpful' for TRL, 'harmless' for HH-RLHF). */
  task?: Task;
  /** Seed for the coin that decides, per line, whether the chosen candidate goes first. */
  seed?: number;
}

/** Order chosen/rejected by a fair coin from (seed, line); humanChoice points at the chosen one. */
export function orderPair(
  chosen: string,
  rejected: string,
  seed: number,
  line: number,
): { candidates: [string, string]; humanChoice: Choice } {
  return seededCoin(seed, line)
    ? { candidates: [rejected, chosen], humanChoice: 1 }
    : { candidates: [chosen, rejected], humanChoice: 0 };
}
