// The data the Reward page trains and evaluates on: a seeded held-out set of human-labelled pairs
// for the paper's RM accuracy table, and the training pairs for the two reward models (AI soft
// labels for distilled RLAIF, human choices for RLHF) taken from everything else. Pure: no DOM.
import { fnv1a, mulberry32 } from '../rlaif/random';
import type { PairLabel, PreferencePair } from '../rlaif/types';
import { pairsFromAiLabels, pairsFromHumanChoices, type TrainPair } from './data';
import type { EvalPair } from './worker/protocol';

export interface RewardSplitOptions {
  /** Share of the human-labelled pairs held out for evaluation, in [0, 1). */
  heldOutFraction: number;
  seed: number;
}

export interface RewardSplit {
  /** Human-labelled pairs neither model trains on, in dataset order. */
  heldOut: EvalPair[];
  heldOutIds: string[];
  /** Distilled RLAIF targets: the AI's soft label of each labelled pair outside the held-out set. */
  ai: TrainPair[];
  /** RLHF targets: the human choice of each human-labelled pair outside the held-out set. */
  human: TrainPair[];
  /** Names this exact held-out set, so a model trained on another split can be flagged. */
  key: string;
}

/** Seeded Fisher-Yates over a copy. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = mulberry32(fnv1a(`holdout:${seed}`));
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * The contexts to hold out. Pairs are grouped by context (one TL;DR post has many comparisons)
 * so no held-out post leaks into training through a sibling pair. Whole groups are taken until
 * the target is reached, always leaving at least one group to train on.
 */
function heldOutContexts(labelled: readonly PreferencePair[], options: RewardSplitOptions) {
  const sizes = new Map<string, number>();
  for (const pair of labelled) sizes.set(pair.context, (sizes.get(pair.context) ?? 0) + 1);
  const target = Math.round(labelled.length * options.heldOutFraction);
  const chosen = new Set<string>();
  if (options.heldOutFraction <= 0 || sizes.size < 2) return chosen;
  let taken = 0;
  for (const context of shuffled([...sizes.keys()], options.seed)) {
    if (taken >= Math.max(1, target) || chosen.size === sizes.size - 1) break;
    chosen.add(context);
    taken += sizes.get(context) ?? 0;
  }
  return chosen;
}

/** The latest AI label per pair (a pair labelled again keeps its newest label). */
function latestLabels(labels: readonly PairLabel[]): PairLabel[] {
  return [...new Map(labels.map((label) => [label.pairId, label])).values()];
}

export function splitForRewardModels(
  pairs: readonly PreferencePair[],
  labels: readonly PairLabel[],
  options: RewardSplitOptions,
): RewardSplit {
  if (!(options.heldOutFraction >= 0 && options.heldOutFraction < 1)) {
    throw new RangeError(`heldOutFraction must be in [0, 1), got ${options.heldOutFraction}`);
  }
  const labelled = pairs.filter((pair) => pair.humanChoice !== undefined);
  const held = heldOutContexts(labelled, options);
  const heldOutPairs = labelled.filter((pair) => held.has(pair.context));
  const trainable = pairs.filter((pair) => !held.has(pair.context));
  const heldOutIds = heldOutPairs.map((pair) => pair.id);
  return {
    heldOut: heldOutPairs.map(({ context, candidates, humanChoice }) => ({
      context,
      candidates,
      humanChoice: humanChoice ?? 0,
    })),
    heldOutIds,
    ai: pairsFromAiLabels(trainable, latestLabels(labels)),
    human: pairsFromHumanChoices(trainable),
    key: `${heldOutIds.length}:${fnv1a(heldOutIds.join('\n')).toString(16)}`,
  };
}
