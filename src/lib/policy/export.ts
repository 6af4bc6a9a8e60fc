// Exports: one JSONL line per sample (with its reward and pi_SFT weight) and per judgment, and
// a JSON summary of the run (settings, frontier, curves, win rates), so results leave the tab.
import type { CandidateSet } from './candidates';
import type { Matchup, WinRateRow } from './evaluate';
import type { FrontierPoint } from './objective';
import type { StepStats } from './reinforce';

export interface SampleRecord {
  type: 'sample';
  contextId: string;
  split: 'train' | 'held-out';
  index: number;
  text: string;
  tokens: number;
  finishReason: string;
  seed: number;
  logprob: number;
  samplerLogprob: number;
  /** pi_SFT_hat(i): the normalised importance weight. */
  sftWeight: number;
  reward: number | null;
}

export function sampleRecords(
  sets: readonly CandidateSet[],
  rewards: readonly (readonly number[])[] | null,
  logSft: readonly (readonly number[])[],
  heldOut: ReadonlySet<string>,
): SampleRecord[] {
  return sets.flatMap((set, s) =>
    set.candidates.map((c, index) => ({
      type: 'sample' as const,
      contextId: set.context.id,
      split: heldOut.has(set.context.id) ? ('held-out' as const) : ('train' as const),
      index,
      text: c.text,
      tokens: c.tokens,
      finishReason: c.finishReason,
      seed: c.seed,
      logprob: c.logprob,
      samplerLogprob: c.samplerLogprob,
      sftWeight: Math.exp(logSft[s]![index]!),
      reward: rewards?.[s]?.[index] ?? null,
    })),
  );
}

export function judgmentRecords(matchups: readonly Matchup[]) {
  return matchups.map((m) => ({ type: 'judgment' as const, ...m }));
}

export function toJsonl(records: readonly object[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}

export interface RunSummary {
  settings: Record<string, unknown>;
  frontier: FrontierPoint[];
  curves: StepStats[];
  winRates: WinRateRow[];
}

export function summaryJson(summary: RunSummary): string {
  return JSON.stringify(summary, null, 2);
}
