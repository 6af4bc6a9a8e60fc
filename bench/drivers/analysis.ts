// From the pages' raw runs to what the report is about: speedups (prefix reuse over none, and
// over the transformers.js peer) against the project's targets, and whether all paths computed
// the same log-probs (a fast path that disagrees would be measuring the wrong thing).
import {
  CONFIG_NAMES,
  type ConfigName,
  type Ep,
  type PageResult,
  type RunResult,
} from '../pages/types.ts';

/** Required reuse/no-reuse speedups: more shared prefix, more to gain. */
export const TARGETS: Record<ConfigName, number> = {
  'Base 0-shot raw': 2.5,
  'Detailed 2-shot raw': 5,
};

export interface Meta {
  generatedAt: string;
  chromium: string;
  node: string;
  wallSeconds: number;
}

export interface Ratio {
  ep: Ep;
  config: ConfigName;
  /** Pairs/s with prefix reuse over pairs/s without. */
  reuseSpeedup: number | null;
  target: number;
  met: boolean | null;
  /** Tokens computed per pair without reuse over with it: the work saved, independent of timing. */
  tokenSaving: number | null;
  reuseVsTransformers: number | null;
  noReuseVsTransformers: number | null;
}

export interface Agreement {
  ep: Ep;
  config: ConfigName;
  /** Max |log-prob difference| over pairs, orders and answer tokens. */
  reuseVsNoReuse: number | null;
  transformersVsOnnx: number | null;
}

export interface BenchReport {
  meta: Meta;
  pages: PageResult[];
  ratios: Ratio[];
  agreement: Agreement[];
}

function find(pages: PageResult[], ep: Ep, config: ConfigName, reuse: boolean | null) {
  return pages
    .flatMap((p) => p.runs)
    .find((r) => r.ep === ep && r.config === config && r.reuse === reuse);
}

export const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a != null && b != null && b > 0 ? a / b : null;

export function maxDiff(a: RunResult | undefined, b: RunResult | undefined): number | null {
  if (!a || !b) return null;
  const diffs: number[] = [];
  for (const [id, orders] of Object.entries(a.logprobs)) {
    const other = b.logprobs[id];
    if (!other) continue;
    for (const [o, pair] of orders.entries()) {
      for (const [k, lp] of pair.entries()) diffs.push(Math.abs(lp - other[o]![k]!));
    }
  }
  return diffs.length ? Math.max(...diffs) : null;
}

function epsOf(pages: PageResult[]): Ep[] {
  return [...new Set(pages.map((p) => p.plan.ep))];
}

export function analyse(pages: PageResult[], meta: Meta): BenchReport {
  const ratios: Ratio[] = [];
  const agreement: Agreement[] = [];
  for (const ep of epsOf(pages)) {
    for (const config of CONFIG_NAMES) {
      const reuse = find(pages, ep, config, true);
      const naive = find(pages, ep, config, false);
      const peer = find(pages, ep, config, null);
      const speedup = ratio(reuse?.pairsPerSecond, naive?.pairsPerSecond);
      ratios.push({
        ep,
        config,
        reuseSpeedup: speedup,
        target: TARGETS[config],
        met: speedup === null ? null : speedup >= TARGETS[config],
        tokenSaving: ratio(naive?.tokens.computedPerPair, reuse?.tokens.computedPerPair),
        reuseVsTransformers: ratio(reuse?.pairsPerSecond, peer?.pairsPerSecond),
        noReuseVsTransformers: ratio(naive?.pairsPerSecond, peer?.pairsPerSecond),
      });
      agreement.push({
        ep,
        config,
        reuseVsNoReuse: maxDiff(reuse, naive),
        transformersVsOnnx: maxDiff(reuse, peer),
      });
    }
  }
  return { meta, pages, ratios, agreement };
}
