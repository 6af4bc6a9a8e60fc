// What the bench page and its Node driver exchange. The driver puts a plan in the page's URL and
// reads a PageResult back from window.__benchResult; the page itself never writes files.

export type Suite = 'onnx' | 'transformers';
export type Ep = 'wasm' | 'webgpu';

/** The prompt configurations measured, by the names the table shows. */
export const CONFIG_NAMES = ['Base 0-shot raw', 'Detailed 2-shot raw'] as const;
export type ConfigName = (typeof CONFIG_NAMES)[number];

export interface BenchPlan {
  ep: Ep;
  /** Timed pairs per config, taken from the same place in the probe file for every config. */
  pairs: Record<ConfigName, number>;
  /**
   * Untimed pairs each path labels before a config's timed pairs (the first pairs of the probe
   * file, never among the timed ones). Engines serve every config, so a later config needs fewer.
   */
  warmup: Record<ConfigName, number>;
  /** Configs the transformers.js peer runs (it costs as much as no reuse, the slowest path). */
  peerConfigs: ConfigName[];
}

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean | null;
}

/** One onnxruntime-web instance in the page: the app's, or the one transformers.js bundles. */
export interface RuntimeInfo {
  version: string | null;
  /** ort.env.wasm.numThreads as set for the runs. */
  numThreads: number | null;
}

export interface PageEnvironment {
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  runtimes: Partial<Record<Suite, RuntimeInfo>>;
  /** null: navigator.gpu offers no adapter. */
  adapter: AdapterInfo | null;
  /** The model's position limit, and the probe pairs left out for needing more. */
  maxPositions: number;
  skippedPairs: string[];
}

/** Token counts of the prompts the run scored (means over the timed pairs). */
export interface TokenCounts {
  /** The dataset prefix: preamble and exemplars, shared by every pair. */
  datasetPrefix: number;
  /** The pair prefix: its context, shared by both orders. */
  pairPrefixMean: number;
  /** Everything the model reads for one order (dataset prefix + pair prefix + continuation). */
  promptPerOrderMean: number;
  /** Tokens the engine actually ran per pair (both orders), from engine.stats.tokensComputed. */
  computedPerPair: number | null;
}

/** The answer-token log-probs ["1", "2"] per pair: stored order, then swapped order. */
export type PairLogprobs = [stored: [number, number], swapped: [number, number]];

export interface RunResult {
  suite: Suite;
  ep: Ep;
  config: ConfigName;
  /** Prefix KV reuse on (OnnxEngine default), off, or n/a (transformers.js: full prompt per order). */
  reuse: boolean | null;
  /** Session creation (and for transformers.js, tokenizer and model files) in ms. */
  loadMs: number;
  warmupPairs: number;
  /** Untimed: the warm-up pairs (first runs, shader compilation) and the dataset prefix, in ms. */
  warmupMs: number;
  pairs: number;
  timedMs: number;
  pairsPerSecond: number;
  /** The median pair: less moved than the mean by a busy neighbour on a shared machine. */
  medianMsPerPair: number;
  tokens: TokenCounts;
  forwardCallsPerPair: number | null;
  prefixHits: number | null;
  reuseFallbacks: number | null;
  logprobs: Record<string, PairLogprobs>;
}

export interface RunFailure {
  suite: Suite;
  ep: Ep;
  config: ConfigName | null;
  message: string;
}

export interface PageResult {
  plan: BenchPlan;
  environment: PageEnvironment;
  runs: RunResult[];
  failures: RunFailure[];
}

/** What the page leaves on window for the driver. */
export interface BenchWindow {
  __benchResult?: PageResult;
  /** A failure before any run could start (e.g. the data did not load). */
  __benchError?: string;
}

export function planToQuery(plan: BenchPlan): string {
  const q = new URLSearchParams({
    ep: plan.ep,
    pairs: CONFIG_NAMES.map((c) => plan.pairs[c]).join(','),
    warmup: CONFIG_NAMES.map((c) => plan.warmup[c]).join(','),
    peer: plan.peerConfigs.join(','),
  });
  return q.toString();
}

/** "2,1": a count per config, in CONFIG_NAMES order; `fallback` where one is missing or bad. */
export function perConfig(text: string | null, fallback: number): Record<ConfigName, number> {
  const items = (text ?? '').split(',');
  const count = (item: string | undefined) => {
    const n = Number(item);
    return item && Number.isInteger(n) && n >= 0 ? n : fallback;
  };
  return Object.fromEntries(CONFIG_NAMES.map((c, i) => [c, count(items[i])])) as Record<
    ConfigName,
    number
  >;
}

export function planFromQuery(search: string): BenchPlan {
  const q = new URLSearchParams(search);
  const peer = (q.get('peer') ?? '').split(',');
  return {
    ep: q.get('ep') === 'webgpu' ? 'webgpu' : 'wasm',
    pairs: perConfig(q.get('pairs'), 2),
    warmup: perConfig(q.get('warmup'), 1),
    peerConfigs: CONFIG_NAMES.filter((c) => peer.includes(c)),
  };
}
