// From the labeler's log-probs to a soft preference. The paper's soft label is the softmax over
// the log-probs of the two answer tokens; position bias is mitigated by scoring both orders,
// un-swapping the second, and averaging.
import type { OrderScore, SoftLabel } from './types';

/** log(exp(a) + exp(b)) without overflow or underflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const max = Math.max(a, b);
  return max + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** softmax([a, b]) computed as a sigmoid of the difference: stable for any finite inputs. */
export function softmax2(a: number, b: number): [number, number] {
  if (a === -Infinity && b === -Infinity) return [0.5, 0.5];
  const pa = 1 / (1 + Math.exp(b - a));
  return [pa, 1 - pa];
}

/**
 * One order's score from the log-probs of the answer tokens "1" and "2" (over the full vocabulary).
 * When the question asks for the worse candidate, answer "1" means the first shown is worse, so
 * the probabilities of "first better" and "second better" swap.
 */
export function orderScore(answerLogprobs: [number, number], asksForWorse = false): OrderScore {
  const [one, two] = answerLogprobs;
  const probs = asksForWorse ? softmax2(two, one) : softmax2(one, two);
  const otherMass = Math.max(0, -Math.expm1(logAddExp(one, two)));
  return { logprobs: [one, two], probs, otherMass };
}

/**
 * Several scores of one order (self-consistency samples) as one: the mixture of their
 * distributions, i.e. the mean of the probabilities, with log-probs of the mixture.
 */
export function mixOrderScores(scores: OrderScore[]): OrderScore {
  if (scores.length === 0) throw new Error('mixOrderScores needs at least one score');
  if (scores.length === 1) return scores[0]!;
  const n = scores.length;
  const mean = (f: (s: OrderScore) => number) => scores.reduce((sum, s) => sum + f(s), 0) / n;
  const meanLog = (k: 0 | 1) =>
    scores.reduce((acc, s) => logAddExp(acc, s.logprobs[k]), -Infinity) - Math.log(n);
  const p = mean((s) => s.probs[0]);
  return {
    logprobs: [meanLog(0), meanLog(1)],
    probs: [p, 1 - p],
    otherMass: mean((s) => s.otherMass),
  };
}

/** An order's preference in stored candidate order: the swapped order shows candidate 1 first. */
export function inStoredOrder(score: OrderScore, swapped: boolean): SoftLabel {
  return swapped ? [score.probs[1], score.probs[0]] : [score.probs[0], score.probs[1]];
}

export type Averaging = 'probability' | 'logprob';

/**
 * Combine the two orders, both already in stored order. 'probability' averages the two
 * distributions (the paper's literal reading); 'logprob' averages log-probabilities and
 * renormalises (a normalised geometric mean: one confident order weighs more than it would).
 */
export function averageOrders(stored: SoftLabel, swapped: SoftLabel, mode: Averaging): SoftLabel {
  if (mode === 'probability') {
    const p = (stored[0] + swapped[0]) / 2;
    return [p, 1 - p];
  }
  const log = (p: number) => Math.log(p);
  return softmax2((log(stored[0]) + log(swapped[0])) / 2, (log(stored[1]) + log(swapped[1])) / 2);
}

export type Slot = 'first' | 'second';

/** Which shown position an order preferred, or null for an exact tie. */
export function preferredSlot(score: OrderScore): Slot | null {
  if (score.probs[0] === score.probs[1]) return null;
  return score.probs[0] > score.probs[1] ? 'first' : 'second';
}

/**
 * The paper's position-bias flag: the labeler preferred the same *position* in both orders, so
 * its choice followed the slot rather than the candidate.
 */
export function samePositionPreferred(stored: OrderScore, swapped: OrderScore): Slot | null {
  const a = preferredSlot(stored);
  return a !== null && a === preferredSlot(swapped) ? a : null;
}
