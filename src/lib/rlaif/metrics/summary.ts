// One dataset run in a few numbers (alignment with its Wilson CI, position bias, how many pairs),
// and the sentence a speaker reads out to compare it with the paper.
import { PAPER_HEADLINE, paperAlignmentFor, promptLabel, TASK_NAMES } from '../paper';
import type { PromptConfig } from '../prompt';
import type { PairLabel, PreferencePair } from '../types';
import { alignment, humansFor, type AlignmentResult } from './alignment';
import { positionBias, type PositionBiasResult } from './position';

export interface RunSummary {
  /** Distinct pairs labelled (a pair labelled twice counts once, with its latest label). */
  labeled: number;
  /** Agreement with the human label over the labelled pairs that have one; n is that count. */
  alignment: AlignmentResult;
  /** Null when no label was scored in both orders: there is no bias to measure. */
  positionBias: PositionBiasResult | null;
}

/** The latest label per pair: re-labelling a pair must not count it twice. */
export function latestPerPair(labels: readonly PairLabel[]): PairLabel[] {
  const byPair = new Map<string, PairLabel>();
  for (const label of labels) {
    byPair.delete(label.pairId); // keep insertion order = order of the latest label
    byPair.set(label.pairId, label);
  }
  return [...byPair.values()];
}

/** Alignment with a Wilson 95% CI, position-bias rate and counts for a run's labels. */
export function summarizeRun(
  pairs: readonly PreferencePair[],
  labels: readonly PairLabel[],
): RunSummary {
  const latest = latestPerPair(labels);
  const bias = positionBias(latest);
  return {
    labeled: latest.length,
    alignment: alignment(latest, humansFor(latest, pairs)),
    positionBias: bias.n > 0 ? bias : null,
  };
}

/** A percentage as the paper prints it, without a trailing ".0": 78.0 -> "78%", 77.5 -> "77.5%". */
export function paperPercent(value: number): string {
  return `${Number(value.toFixed(1))}%`;
}

/** A measured share (0..1) as a whole percent: with tens of pairs, decimals would be noise. */
export function wholePercent(share: number): string {
  return `${Math.round(100 * share)}%`;
}

/** "64% [55–72%]": a share with its interval. */
export function percentWithInterval(i: { estimate: number; low: number; high: number }): string {
  return `${wholePercent(i.estimate)} [${Math.round(100 * i.low)}–${wholePercent(i.high)}]`;
}

export interface SpeakerInput {
  modelId: string;
  prompt: Pick<PromptConfig, 'task' | 'preamble' | 'cot' | 'shots'>;
  alignment: Pick<AlignmentResult, 'accuracy' | 'n'>;
}

/** The paper's number to compare with: the same prompt and task if reported, else its headline. */
function paperReference(prompt: SpeakerInput['prompt']): string {
  const same = paperAlignmentFor(prompt);
  if (same !== null) return `${paperPercent(same)} (paper, ${promptLabel(prompt)})`;
  const best = PAPER_HEADLINE.alignment.summarization as number; // always reported
  return `${paperPercent(best)} (paper, ${promptLabel(PAPER_HEADLINE)} on ${TASK_NAMES.summarization})`;
}

/**
 * "PaLM 2 L got 78% (paper, Detailed + CoT, 0-shot); <model> gets 64% [55–72%] on these 90 pairs."
 * Plain text (rendered as text, never HTML), so a model id cannot inject markup.
 */
export function speakerSentence({ modelId, prompt, alignment: a }: SpeakerInput): string {
  const paper = `PaLM 2 L got ${paperReference(prompt)}`;
  if (a.n === 0) return `${paper}; ${modelId} has no human-labelled pairs to compare with yet.`;
  const pairs = a.n === 1 ? 'this 1 pair' : `these ${a.n} pairs`;
  return `${paper}; ${modelId} gets ${percentWithInterval(a.accuracy)} on ${pairs}.`;
}
