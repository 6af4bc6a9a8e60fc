// Timing one config: every path labels the same warm-up pairs untimed, then the same timed pairs,
// interleaved pair by pair (the order rotating), so a busy neighbour on a shared machine slows all
// paths alike instead of whichever happened to run at the time.
import type { EngineStats } from '../../src/lib/engines/onnx/engine';
import type { LabelingConfig } from '../../src/lib/rlaif/labeler';
import type { Exemplar } from '../../src/lib/rlaif/prompt';
import { mean, progress, timed, type ProbePair } from './common';
import type { LabelPath } from './path';
import { promptTokenCounts } from './tokens';
import type { ConfigName, Ep, PairLogprobs, RunResult } from './types';

interface Tally {
  path: LabelPath;
  warmupMs: number;
  ms: number[];
  logprobs: Record<string, PairLogprobs>;
  before: EngineStats | null;
}

const pathName = (p: LabelPath) =>
  p.reuse === null ? 'transformers.js' : `onnx reuse=${String(p.reuse)}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function warmUp(tally: Tally, pairs: ProbePair[], what: string): Promise<void> {
  const primed = await timed(() => tally.path.prime());
  tally.warmupMs += primed.ms;
  for (const [i, pair] of pairs.entries()) {
    const { ms } = await timed(() => tally.path.label(pair));
    tally.warmupMs += ms;
    progress(
      `${what} ${pathName(tally.path)} warm-up ${i + 1}/${pairs.length}: ${ms.toFixed(0)} ms`,
    );
  }
  tally.before = tally.path.stats();
}

function result(
  tally: Tally,
  ep: Ep,
  name: ConfigName,
  config: LabelingConfig,
  exemplars: readonly Exemplar[],
  pairs: ProbePair[],
  warmupPairs: number,
): RunResult {
  const { path, before } = tally;
  const after = path.stats();
  const n = pairs.length;
  const perPair = (key: Exclude<keyof EngineStats, 'lastReuseFallback'>) =>
    after && before ? (after[key] - before[key]) / n : null;
  const counts = promptTokenCounts(path.tokenizer, config, exemplars, pairs);
  const total = tally.ms.reduce((s, x) => s + x, 0);
  return {
    suite: path.suite,
    ep,
    config: name,
    reuse: path.reuse,
    loadMs: path.loadMs,
    warmupPairs,
    warmupMs: tally.warmupMs,
    pairs: n,
    timedMs: total,
    pairsPerSecond: n / (total / 1000),
    medianMsPerPair: median(tally.ms),
    tokens: {
      ...counts,
      // The peer runs both orders' whole prompts; it keeps no counters.
      computedPerPair: perPair('tokensComputed') ?? 2 * counts.promptPerOrderMean,
    },
    forwardCallsPerPair: perPair('forwardCalls') ?? 2,
    prefixHits: after && before ? after.prefixHits - before.prefixHits : null,
    reuseFallbacks: after && before ? after.reuseFallbacks - before.reuseFallbacks : null,
    logprobs: tally.logprobs,
  };
}

export async function timeConfig(
  paths: LabelPath[],
  ep: Ep,
  name: ConfigName,
  config: LabelingConfig,
  exemplars: readonly Exemplar[],
  pairs: { warm: ProbePair[]; timed: ProbePair[] },
): Promise<RunResult[]> {
  const what = `${ep} ${name}`;
  const tallies: Tally[] = paths.map((path) => ({
    path,
    warmupMs: 0,
    ms: [],
    logprobs: {},
    before: null,
  }));
  for (const t of tallies) await warmUp(t, pairs.warm, what);
  for (const [i, pair] of pairs.timed.entries()) {
    const rotated = tallies.map((_, k) => tallies[(i + k) % tallies.length]!);
    const line: string[] = [];
    for (const t of rotated) {
      const { value, ms } = await timed(() => t.path.label(pair));
      t.ms.push(ms);
      t.logprobs[pair.id] = value;
      line.push(`${pathName(t.path)} ${ms.toFixed(0)} ms`);
    }
    progress(`${what} pair ${i + 1}/${pairs.timed.length}: ${line.join(', ')}`);
  }
  progress(
    `${what} done: ${tallies.map((t) => `${pathName(t.path)} ${mean(t.ms).toFixed(0)} ms/pair`).join(', ')}`,
  );
  return tallies.map((t) => result(t, ep, name, config, exemplars, pairs.timed, pairs.warm.length));
}
