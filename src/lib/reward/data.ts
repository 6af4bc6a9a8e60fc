// Training pairs for the reward model: a context, two responses, and the target probability that
// the first is better. AI soft labels give p in (0, 1); human choices give p in {0, 1}.
import type { PairLabel, PreferencePair } from '../rlaif/types';

export interface TrainPair {
  context: string;
  a: string;
  b: string;
  /** Target P(a is better than b). */
  p: number;
}

/** Distilled RLAIF: the AI's debiased soft label is the target (pairs joined on pairId). */
export function pairsFromAiLabels(
  pairs: readonly PreferencePair[],
  labels: readonly PairLabel[],
): TrainPair[] {
  const byId = new Map(pairs.map((pair) => [pair.id, pair]));
  return labels.flatMap((label) => {
    const pair = byId.get(label.pairId);
    if (!pair) return [];
    const [a, b] = pair.candidates;
    return [{ context: pair.context, a, b, p: label.label[0] }];
  });
}

/** RLHF: the human choice is a hard target; unlabelled pairs are left out. */
export function pairsFromHumanChoices(pairs: readonly PreferencePair[]): TrainPair[] {
  return pairs.flatMap((pair) => {
    if (pair.humanChoice === undefined) return [];
    const [a, b] = pair.candidates;
    return [{ context: pair.context, a, b, p: pair.humanChoice === 0 ? 1 : 0 }];
  });
}
