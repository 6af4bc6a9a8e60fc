// Accuracy against human labels: AI labeler alignment (argmax of the soft label vs the human
// choice) and reward-model pairwise accuracy (higher reward vs the human choice).
import type { Choice, PairLabel, PreferencePair } from '../types';
import { wilson, Z95, type Interval } from './intervals';
import { preferred, softLabelOf, type LabelLike } from './labels';

/** Share of pairs that agree with the human; an exact tie counts as half a correct answer. */
export interface AccuracyResult {
  /** (correct + ties / 2) / n with its Wilson interval. */
  accuracy: Interval;
  /** Pairs scored: those with a human label. */
  n: number;
  /** Pairs where the pick matched the human outright (ties not included). */
  correct: number;
  /** Pairs with no pick (p0 = p1, or equal rewards), each worth 0.5. */
  ties: number;
}

export interface AlignmentResult extends AccuracyResult {
  /** Labels whose pair has no human choice: left out of n. */
  skippedNoHuman: number;
}

function checkLengths(what: string, a: number, b: number): void {
  if (a !== b) throw new RangeError(`${what}: ${a} labels but ${b} human choices`);
}

/** Tally picks (0, 1 or 'tie') against the human choices into an accuracy with a Wilson CI. */
function tally(picks: readonly (Choice | 'tie')[], humans: readonly Choice[], z: number) {
  let correct = 0;
  let ties = 0;
  picks.forEach((pick, i) => {
    if (pick === 'tie') ties += 1;
    else if (pick === humans[i]) correct += 1;
  });
  const n = picks.length;
  // A tie is a coin flip: its expected accuracy is 0.5, so it counts as half.
  return { accuracy: wilson(correct + ties / 2, n, z), n, correct, ties };
}

/**
 * AI labeler alignment: accuracy of argmax(soft label) against the human choice, over the pairs
 * that have one. `labels[i]` and `humans[i]` describe the same pair.
 */
export function alignment(
  labels: readonly LabelLike[],
  humans: readonly (Choice | undefined)[],
  z = Z95,
): AlignmentResult {
  checkLengths('alignment', labels.length, humans.length);
  const picks: (Choice | 'tie')[] = [];
  const known: Choice[] = [];
  labels.forEach((label, i) => {
    const human = humans[i];
    if (human === undefined) return;
    picks.push(preferred(softLabelOf(label)));
    known.push(human);
  });
  return { ...tally(picks, known, z), skippedNoHuman: labels.length - picks.length };
}

/** Alignment per group (e.g. per defect or per task); `keys[i]` is the group of pair i. */
export function alignmentBy<K>(
  labels: readonly LabelLike[],
  humans: readonly (Choice | undefined)[],
  keys: readonly K[],
  z = Z95,
): Map<K, AlignmentResult> {
  checkLengths('alignmentBy', labels.length, humans.length);
  if (keys.length !== labels.length) {
    throw new RangeError(`alignmentBy: ${labels.length} labels but ${keys.length} keys`);
  }
  const groups = new Map<K, { labels: LabelLike[]; humans: (Choice | undefined)[] }>();
  labels.forEach((label, i) => {
    const key = keys[i] as K; // lengths checked above
    const group = groups.get(key) ?? { labels: [], humans: [] };
    group.labels.push(label);
    group.humans.push(humans[i]);
    groups.set(key, group);
  });
  return new Map([...groups].map(([key, g]) => [key, alignment(g.labels, g.humans, z)]));
}

/** The human choice for each label's pair (joined on pairId); undefined if unknown or unlabelled. */
export function humansFor(
  labels: readonly PairLabel[],
  pairs: readonly PreferencePair[],
): (Choice | undefined)[] {
  const byId = new Map(pairs.map((pair) => [pair.id, pair.humanChoice]));
  return labels.map((label) => byId.get(label.pairId));
}

/**
 * Reward-model pairwise accuracy on held-out human-labelled pairs: the share where the RM scores
 * the human-preferred candidate higher. `rewards[i]` = [r(x, y0), r(x, y1)]; equal rewards tie.
 */
export function rmPairwiseAccuracy(
  rewards: readonly (readonly [number, number])[],
  humans: readonly Choice[],
  z = Z95,
): AccuracyResult {
  checkLengths('rmPairwiseAccuracy', rewards.length, humans.length);
  const picks = rewards.map(([r0, r1]): Choice | 'tie' => {
    if (!Number.isFinite(r0) || !Number.isFinite(r1)) {
      throw new RangeError(`rmPairwiseAccuracy: non-finite reward ${r0}, ${r1}`);
    }
    return r0 === r1 ? 'tie' : r0 > r1 ? 0 : 1;
  });
  return tally(picks, humans, z);
}
