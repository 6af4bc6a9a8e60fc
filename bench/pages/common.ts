// Page-side pieces both suites share: the probe pairs, the exemplars, the two prompt configs,
// prompt token counts, the adapter report, and progress lines the driver echoes.
import { DEFAULT_LABELING, type LabelingConfig } from '../../src/lib/rlaif/labeler';
import type { Exemplar } from '../../src/lib/rlaif/prompt';
import type { AdapterInfo, ConfigName, PageEnvironment } from './types';

export interface ProbePair {
  id: string;
  context: string;
  candidates: [string, string];
}

export const CONFIGS: Record<ConfigName, LabelingConfig> = {
  'Base 0-shot raw': { ...DEFAULT_LABELING, debias: true },
  'Detailed 2-shot raw': {
    ...DEFAULT_LABELING,
    debias: true,
    prompt: { task: 'summarization', preamble: 'detailed', shots: 2, cot: false, format: 'raw' },
  },
};

/** The model folder as the app serves it (vite serves the repository root). */
export const MODEL_FOLDER = '/models/tiny-llama/';

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.text();
}

/** Reads a repository file by its server path ("/data/..."): fetch in the page, fs in Node. */
export type TextReader = (path: string) => Promise<string>;

export async function loadProbes(read: TextReader = fetchText): Promise<ProbePair[]> {
  const text = await read('/data/probes/summarization.jsonl');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as ProbePair);
}

export async function loadExemplars(read: TextReader = fetchText): Promise<Exemplar[]> {
  const all = JSON.parse(await read('/data/exemplars.json')) as Record<string, Exemplar[]>;
  return all.summarization ?? [];
}

/**
 * Warm-up pairs come first in the probe file, timed pairs after the most any config warms up
 * with: disjoint, so no timed pair finds its context cached, and every config times the same pairs.
 */
export function splitPairs(probes: ProbePair[], warmups: number[], timed: number[]) {
  const skip = Math.max(0, ...warmups);
  const most = Math.max(0, ...timed);
  if (skip + most > probes.length) {
    throw new Error(
      `${skip} + ${most} pairs asked for; ${probes.length} probe pairs fit the model.`,
    );
  }
  return {
    warm: (n: number) => probes.slice(0, n),
    timed: (n: number) => probes.slice(skip, skip + n),
  };
}

export function progress(message: string): void {
  console.log(`[bench] ${message}`);
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

/** Time an async step in ms. */
export async function timed<T>(step: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await step();
  return { value, ms: performance.now() - start };
}

async function adapterInfo(): Promise<AdapterInfo | null> {
  const adapter = await navigator.gpu?.requestAdapter().catch(() => null);
  if (!adapter) return null;
  const { info } = adapter;
  // isFallbackAdapter moved from the adapter to its info; Chromium versions differ in which.
  const onInfo = (info as Partial<{ isFallbackAdapter: boolean }>).isFallbackAdapter;
  const onAdapter = (adapter as Partial<{ isFallbackAdapter: boolean }>).isFallbackAdapter;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    isFallbackAdapter: onInfo ?? onAdapter ?? null,
  };
}

export async function environment(
  runtimes: PageEnvironment['runtimes'],
  maxPositions: number,
  skippedPairs: string[],
): Promise<PageEnvironment> {
  return {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    runtimes,
    adapter: await adapterInfo(),
    maxPositions,
    skippedPairs,
  };
}
