// Evaluation: on held-out contexts, each improved policy's choice against a sample from pi_SFT,
// judged by the AI labeler (both orders, debiased) and by the dataset's human label when the two
// texts are the dataset's own pair; win rates with CIs, and average lengths next to them (a
// policy that wins by writing longer is hacking the reward, not improving).
import { throwIfAborted } from '../rlaif/engine';
import type { Labeler } from '../rlaif/labeler';
import { winRate, type Judgment, type WinRateResult } from '../rlaif/metrics/winrate';
import { fnv1a, mulberry32 } from '../rlaif/random';
import type { CandidateSet, PolicyContext } from './candidates';
import { drawIndex } from './distribution';

/** A policy to evaluate: log pi over each held-out set's candidates, sets in order. */
export interface PolicyUnderTest {
  name: string;
  logProbs: readonly (readonly number[])[];
}

/** One draw per set from each policy; the seed and the policy's name fix the draws. */
export function drawChoices(policy: PolicyUnderTest, seed: number): number[] {
  const random = mulberry32(fnv1a(`${seed}:${policy.name}`));
  return policy.logProbs.map((logp) => drawIndex(logp, random()));
}

/** P(a better than b) for one context: the labeler's debiased soft label, say. */
export type Judge = (
  context: PolicyContext,
  a: string,
  b: string,
  signal?: AbortSignal,
) => Promise<number>;

/** The AI judge: a labeler on the pair [a, b]; with debias on it scores both orders. */
export function labelerJudge(labeler: Labeler): Judge {
  return async (context, a, b, signal) => {
    const label = await labeler.label(
      { id: `policy:${context.id}`, context: context.context, candidates: [a, b] },
      { signal },
    );
    return label.label[0];
  };
}

/** The human's verdict on [a, b] when they are the dataset's own two responses, else none. */
export function humanJudgment(context: PolicyContext, a: string, b: string): Judgment | undefined {
  if (!context.human || a === b) return undefined;
  const [x, y] = context.human.candidates;
  const preferred = context.human.choice === 0 ? x : y;
  if (!((a === x && b === y) || (a === y && b === x))) return undefined;
  return a === preferred ? 'A' : 'B';
}

export interface Matchup {
  policy: string;
  contextId: string;
  improved: number;
  sft: number;
  improvedText: string;
  sftText: string;
  /** P(improved better) from the AI judge; 0.5 when both picked the same candidate. */
  ai: number;
  human?: Judgment;
  improvedTokens: number;
  sftTokens: number;
}

export interface JudgeCall {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Judge every policy's choice against the SFT choice on each held-out set. A pair of candidates
 * is judged once however many policies picked it; the same text on both sides is a tie.
 */
export async function judgeMatchups(
  sets: readonly CandidateSet[],
  policies: readonly PolicyUnderTest[],
  sftChoices: readonly number[],
  judge: Judge,
  seed: number,
  call: JudgeCall = {},
): Promise<Matchup[]> {
  const cache = new Map<string, number>();
  const matchups: Matchup[] = [];
  const total = policies.length * sets.length;
  for (const policy of policies) {
    const choices = drawChoices(policy, seed);
    for (const [s, set] of sets.entries()) {
      throwIfAborted(call.signal, 'Judging');
      const i = choices[s]!;
      const j = sftChoices[s]!;
      const a = set.candidates[i]!;
      const b = set.candidates[j]!;
      const key = `${s}:${i}:${j}`;
      let ai = a.text === b.text ? 0.5 : cache.get(key);
      if (ai === undefined) {
        ai = await judge(set.context, a.text, b.text, call.signal);
        cache.set(key, ai);
      }
      const human = humanJudgment(set.context, a.text, b.text);
      matchups.push({
        policy: policy.name,
        contextId: set.context.id,
        improved: i,
        sft: j,
        improvedText: a.text,
        sftText: b.text,
        ai,
        ...(human ? { human } : {}),
        improvedTokens: a.tokens,
        sftTokens: b.tokens,
      });
      call.onProgress?.(matchups.length, total);
    }
  }
  return matchups;
}

export interface WinRateRow {
  policy: string;
  /** Win rate vs the SFT sample from the AI judge's soft preferences, with its CI. */
  ai: WinRateResult;
  /** From human labels, where any applied (null when none did). */
  human: WinRateResult | null;
  /** Mean length in tokens of the policy's choices and of the SFT samples. */
  length: number;
  sftLength: number;
}

export function winRateTable(matchups: readonly Matchup[]): WinRateRow[] {
  const names = [...new Set(matchups.map((m) => m.policy))];
  return names.map((policy) => {
    const rows = matchups.filter((m) => m.policy === policy);
    const human = rows.flatMap((m) => (m.human ? [m.human] : []));
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    return {
      policy,
      ai: winRate(rows.map((m) => m.ai)),
      human: human.length ? winRate(human) : null,
      length: mean(rows.map((m) => m.improvedTokens)),
      sftLength: mean(rows.map((m) => m.sftTokens)),
    };
  });
}
