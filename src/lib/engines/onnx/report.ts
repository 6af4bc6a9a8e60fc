// The model report the Label page shows after a load: what was loaded (variant, files, sizes),
// how the graph is fed (KV dtype, inputs found, BOS), whether KV reuse works, and how fast it
// reads. Pure: the worker passes in the facts and the page renders the result.
import type { ExecutionProvider } from './causal-lm';
import type { GraphIo } from './graph-io';
import type { OnnxVariant } from './model-files';

/** The tokens the tokenizer's post-processor puts before a raw prompt (BOS); empty when none. */
export interface SpecialPrefix {
  ids: number[];
  tokens: string[];
}

/** One scoring call as the worker timed it: tokens the engine computed, wall time. */
export interface ScoringTiming {
  tokens: number;
  ms: number;
}

export interface ReuseStats {
  prefixHits: number;
  reuseFallbacks: number;
  /** Why reuse last stopped short of a segment boundary (OnnxEngine.stats.lastReuseFallback). */
  fallbackReason?: string;
}

export interface ReportFile {
  path: string;
  bytes: number;
}

export interface ModelReportInput {
  variant: OnnxVariant;
  ep: ExecutionProvider;
  /** The graph and its external data files as loaded. */
  files: ReportFile[];
  graph: GraphIo;
  specialPrefix: SpecialPrefix;
  /** Whether the engine was asked to reuse prefix caches at all. */
  reusePrefix: boolean;
  stats: ReuseStats | null;
  timings: ScoringTiming[];
}

export type ReuseState = 'off' | 'waiting' | 'active' | 'partial' | 'fallback';

export interface ModelReport {
  variant: OnnxVariant;
  ep: ExecutionProvider;
  files: ReportFile[];
  totalBytes: number;
  kvDtype: GraphIo['kvDtype'];
  logitsDtype: GraphIo['logitsDtype'];
  /** Input names with the per-layer KV names folded: past_key_values.{0..29}.{key,value}. */
  inputs: string[];
  positionIds: GraphIo['positionIds'];
  bos: { used: boolean; tokens: string[] };
  reuse: { state: ReuseState; active: boolean; why: string };
  /** Prefill tokens per second over the last scoring calls; null before the first. */
  speed: { tokensPerSecond: number | null; tokens: number; ms: number; calls: number };
}

/** How many scoring calls the speed is averaged over. */
export const TIMING_WINDOW = 8;

/** Append a timing, keeping the last TIMING_WINDOW. */
export function recordTiming(timings: ScoringTiming[], next: ScoringTiming): ScoringTiming[] {
  return [...timings, next].slice(-TIMING_WINDOW);
}

/** Fold `past_key_values.N.key/value` (or present.N...) into one entry per kind. */
export function foldKvNames(names: string[]): string[] {
  const layers = new Map<string, number[]>();
  const out: string[] = [];
  for (const name of names) {
    const match = /^(past_key_values|present)\.(\d+)\.(key|value)$/.exec(name);
    if (!match) {
      out.push(name);
      continue;
    }
    const kind = match[1]!;
    if (!layers.has(kind)) {
      layers.set(kind, []);
      out.push(kind); // placeholder, replaced below, keeps the position of the first KV name
    }
    layers.get(kind)!.push(Number(match[2]));
  }
  return out.map((name) => {
    const ids = layers.get(name);
    if (!ids) return name;
    const max = Math.max(...ids);
    return `${name}.{0..${max}}.{key,value}`;
  });
}

function reuseOf(reusePrefix: boolean, stats: ReuseStats | null): ModelReport['reuse'] {
  if (!reusePrefix) {
    return { state: 'off', active: false, why: 'off: every prompt runs whole (naive baseline)' };
  }
  const hits = stats?.prefixHits ?? 0;
  const short = stats?.reuseFallbacks ?? 0;
  const reason = stats?.fallbackReason ? ` (${stats.fallbackReason})` : '';
  // The engine always runs the whole prompt's ids; a boundary inside a token only moves a cut back.
  if (short > 0 && hits === 0) {
    const why =
      `not active yet: ${short} prompt(s) had a segment boundary inside a token, so their ` +
      `caches stopped short of it${reason}`;
    return { state: 'fallback', active: false, why };
  }
  if (short > 0) {
    const why =
      `active: ${hits} prefix hit(s); on ${short} prompt(s) a cache stopped a token or more ` +
      `short of a segment boundary${reason}`;
    return { state: 'partial', active: true, why };
  }
  if (hits > 0) return { state: 'active', active: true, why: `active: ${hits} prefix hit(s)` };
  return { state: 'waiting', active: true, why: 'on: no prefix has been reused yet' };
}

/** Prefill speed: tokens computed over wall time, summed across the window. */
export function speedOf(timings: ScoringTiming[]): ModelReport['speed'] {
  const tokens = timings.reduce((s, t) => s + t.tokens, 0);
  const ms = timings.reduce((s, t) => s + t.ms, 0);
  const tokensPerSecond = timings.length && ms > 0 ? (1000 * tokens) / ms : null;
  return { tokensPerSecond, tokens, ms, calls: timings.length };
}

export function modelReport(input: ModelReportInput): ModelReport {
  return {
    variant: input.variant,
    ep: input.ep,
    files: input.files,
    totalBytes: input.files.reduce((s, f) => s + f.bytes, 0),
    kvDtype: input.graph.kvDtype,
    logitsDtype: input.graph.logitsDtype,
    inputs: foldKvNames(input.graph.inputs),
    positionIds: input.graph.positionIds,
    bos: { used: input.specialPrefix.ids.length > 0, tokens: input.specialPrefix.tokens },
    reuse: reuseOf(input.reusePrefix, input.stats),
    speed: speedOf(input.timings),
  };
}
