// What the reward bench page and its Node driver (bench/drivers/reward.ts) exchange. The driver
// puts a plan in the page's URL and reads a RewardPageResult back from window.__rewardResult.
import type { Ep, PageEnvironment } from './types';

export interface RewardPlan {
  ep: Ep;
  /** Keystroke-like edits of the probe response, timed (and untimed before them). */
  keystrokes: number;
  warmupKeystrokes: number;
  /** Scoring calls on text the encoder has already embedded. */
  cachedCalls: number;
  /** Training pairs in the dataset (embedded once, then trained on). */
  pairs: number;
  /** How many of them this page embeds; fewer than `pairs` gives an estimate for all. */
  embedPairs: number;
  /** Epochs of head training in the page; 0: no training here. */
  trainEpochs: number;
  /** onnxruntime-web's WASM threads; 0: as loadOrt sets them (the app's choice). */
  threads: number;
}

/** Milliseconds per call over a run of calls. p95: nearest rank. */
export interface LatencyStats {
  samples: number;
  medianMs: number;
  p95Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

export interface LiveScoring {
  /** A new response text per call: the encoder runs on it, the context comes from the cache. */
  cold: LatencyStats;
  /** Context and response both cached: pair features and the head graph only. */
  cached: LatencyStats;
  contextTokens: number;
  /** Token counts of the timed responses, special tokens included. */
  responseTokens: { min: number; max: number };
}

export interface EmbedTiming {
  pairs: number;
  /** Distinct texts embedded (context and both responses of every pair). */
  texts: number;
  /** Their tokens, special tokens included (cut at the encoder's limit). */
  tokens: number;
  /** Positions computed: each batch (sorted by length) padded to its longest text. */
  paddedTokens: number;
  ms: number;
  textsPerSecond: number;
  /** Every pair of the dataset: measured when this page embedded them all, else scaled by padded tokens. */
  allPairsMs: number;
  estimated: boolean;
}

export interface TrainTiming {
  where: 'browser' | 'node';
  pairs: number;
  trainPairs: number;
  valPairs: number;
  hidden: number;
  batchSize: number;
  epochs: number;
  /** The first epoch pays the JIT warming up. */
  firstEpochMs: number;
  /** Over the epochs after the first. */
  medianEpochMs: number;
  meanEpochMs: number;
}

export type RewardEnvironment = Omit<PageEnvironment, 'skippedPairs'>;

export interface RewardPageResult {
  plan: RewardPlan;
  environment: RewardEnvironment;
  /** Encoder session (with onnxruntime-web's start on the first page) and head session, in ms. */
  loadMs: { encoder: number; head: number };
  live: LiveScoring | null;
  embed: EmbedTiming | null;
  train: TrainTiming | null;
  failures: string[];
}

/** The embedded training pairs, for the driver to train on in Node (number arrays: JSON-safe). */
export interface EmbeddedForNode {
  dim: number;
  vectors: number[];
  context: number[];
  a: number[];
  b: number[];
  p: number[];
}

export interface RewardWindow {
  __rewardResult?: RewardPageResult;
  __rewardEmbedded?: EmbeddedForNode;
  /** A failure before anything could be measured (e.g. the encoder did not load). */
  __rewardError?: string;
}

const PLAN_KEYS = [
  'keystrokes',
  'warmupKeystrokes',
  'cachedCalls',
  'pairs',
  'embedPairs',
  'trainEpochs',
  'threads',
] as const;

export function rewardPlanToQuery(plan: RewardPlan): string {
  const q = new URLSearchParams({ ep: plan.ep });
  for (const key of PLAN_KEYS) q.set(key, String(plan[key]));
  return q.toString();
}

export function rewardPlanFromQuery(search: string): RewardPlan {
  const q = new URLSearchParams(search);
  const count = (key: (typeof PLAN_KEYS)[number], fallback: number) => {
    const n = Number(q.get(key));
    return q.has(key) && Number.isInteger(n) && n >= 0 ? n : fallback;
  };
  return {
    ep: q.get('ep') === 'webgpu' ? 'webgpu' : 'wasm',
    keystrokes: count('keystrokes', 30),
    warmupKeystrokes: count('warmupKeystrokes', 5),
    cachedCalls: count('cachedCalls', 30),
    pairs: count('pairs', 1000),
    embedPairs: count('embedPairs', 1000),
    trainEpochs: count('trainEpochs', 0),
    threads: count('threads', 0),
  };
}
