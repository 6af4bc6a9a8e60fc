// Live scoring at the real scale of a published encoder: a graph of all-MiniLM-L6-v2's shape (6
// layers, hidden 384, 12 heads, intermediate 1536, vocabulary 30522, 512 positions), generated
// here at bench time and never written to disk, in its fp32 and dynamically quantized variants
// (model.onnx, model_int8.onnx, model_uint8.onnx), run in this Node process on onnxruntime-web's
// WASM backend: the same library and kernels as the Reward page's WASM path, without a browser
// (a page would need the ~90 MB graph served). The committed tiny encoder runs the same
// keystrokes here, as the ratio's baseline.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import type { OrtModule } from '../../src/lib/engines/onnx/causal-lm';
import { headToOnnx, initHead, loadSentenceEncoder, RewardModel } from '../../src/lib/reward';
import type { SentenceEncoder } from '../../src/lib/reward/encoder';
import type { BertWeights } from '../../scripts/models/bert.ts';
import {
  encoderFolderFiles,
  folderFetch,
  MINILM_SHAPE,
  WEIGHT_FILES,
} from '../../scripts/models/encoder-folders.ts';
import type { ProbePair } from '../pages/common.ts';
import { keystrokes } from '../pages/reward-data.ts';
import { latencyStats } from '../pages/reward-stats.ts';
import type { LatencyStats } from '../pages/reward-types.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SEED = 20240615;
const HEAD_HIDDEN = 32;
const HEAD_SEED = 7;

export interface RealShapePlan {
  keystrokes: number;
  warmupKeystrokes: number;
  cachedCalls: number;
  /** onnxruntime-web WASM threads. */
  threads: number;
  variants: BertWeights[];
}

/** How far a variant's outputs are from fp32's on the timed texts. */
export interface VariantAccuracy {
  /** Smallest cosine between the variant's and fp32's embedding of the same text. */
  minCosine: number;
  /** Largest |component difference| of the unit embeddings. */
  maxAbsDiff: number;
  /** Largest |reward difference| through the same head. */
  maxRewardDiff: number;
  texts: number;
}

export interface RealShapeRun {
  encoder: string;
  variant: BertWeights;
  file: string;
  megabytes: number;
  loadMs: number;
  /** A new response per keystroke, the context's embedding cached. */
  cold: LatencyStats;
  /** The same calls' CPU time (all threads of this process). */
  coldCpu: LatencyStats;
  /** Context and response both new (one batched encoder run), as when a new post is opened. */
  newPair: LatencyStats;
  /** Both sides cached: features and head. */
  cached: LatencyStats;
  accuracy: VariantAccuracy | null;
}

export interface RealShapeResult {
  generatedAt: string;
  runtime: string;
  /** os.loadavg() before and after: how busy the machine was (wall times scale with it). */
  loadAverage: { before: number; after: number };
  cores: number;
  threads: number;
  shape: typeof MINILM_SHAPE;
  contextTokens: number;
  responseTokens: { min: number; max: number };
  /** The committed tiny encoder on the same keystrokes, fp32. */
  tiny: RealShapeRun;
  runs: RealShapeRun[];
  wallSeconds: number;
}

function probes(): ProbePair[] {
  const text = readFileSync(resolve(ROOT, 'data/probes/summarization.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as ProbePair);
}

interface Timed {
  /** Wall-clock ms per call: what the user waits. */
  ms: number[];
  /** This process's CPU ms per call (every thread): the work, whatever else the machine runs. */
  cpuMs: number[];
}

async function timedCalls(calls: (() => Promise<number>)[]): Promise<Timed> {
  const out: Timed = { ms: [], cpuMs: [] };
  for (const call of calls) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const reward = await call();
    out.ms.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    out.cpuMs.push((used.user + used.system) / 1000);
    if (!Number.isFinite(reward)) throw new Error(`reward ${reward}`);
  }
  return out;
}

interface Texts {
  context: string;
  typed: string[];
  warmup: string[];
  /** Fresh (context, response) pairs for the new-pair timing. */
  pairs: { context: string; response: string }[];
}

function texts(plan: RealShapePlan): Texts {
  const [probe, other, ...rest] = probes();
  if (!probe || !other) throw new Error('data/probes/summarization.jsonl has fewer than 2 pairs');
  return {
    context: probe.context,
    typed: keystrokes(probe.candidates[0], plan.keystrokes),
    warmup: keystrokes(other.candidates[0], plan.warmupKeystrokes),
    pairs: rest.slice(0, 10).map((p) => ({ context: p.context, response: p.candidates[1] })),
  };
}

/** Time one encoder + head the way the Reward page uses them. */
async function measure(
  encoder: SentenceEncoder,
  variant: BertWeights,
  file: string,
  bytes: number,
  loadMs: number,
  t: Texts,
  plan: RealShapePlan,
): Promise<{ run: RealShapeRun; vectors: Float32Array[]; rewards: number[] }> {
  const model = await RewardModel.create(
    ort as unknown as OrtModule,
    encoder,
    headToOnnx(initHead(encoder.dim, HEAD_HIDDEN, HEAD_SEED)),
  );
  await model.score(t.context, 'first');
  await timedCalls(t.warmup.map((r) => () => model.score(t.context, r)));
  const cold = await timedCalls(t.typed.map((r) => () => model.score(t.context, r)));
  const last = t.typed.at(-1) ?? '';
  const cached = await timedCalls(
    Array.from({ length: plan.cachedCalls }, () => () => model.score(t.context, last)),
  );
  const newPair = await timedCalls(t.pairs.map((p) => () => model.score(p.context, p.response)));
  const vectors = await encoder.embed(t.typed);
  const rewards = await model.scoreMany(
    t.typed.map((response) => ({ context: t.context, response })),
  );
  await model.release();
  const stats = {
    cold: latencyStats(cold.ms),
    coldCpu: latencyStats(cold.cpuMs),
    newPair: latencyStats(newPair.ms),
  };
  console.log(
    `[real] ${encoder.modelId} ${variant}: new response median ${stats.cold.medianMs.toFixed(1)} ` +
      `ms, p95 ${stats.cold.p95Ms.toFixed(1)} ms (CPU median ${stats.coldCpu.medianMs.toFixed(1)} ms); new pair median ${stats.newPair.medianMs.toFixed(1)} ms`,
  );
  const run: RealShapeRun = {
    encoder: encoder.modelId,
    variant,
    file,
    megabytes: bytes / 1e6,
    loadMs,
    ...stats,
    cached: latencyStats(cached.ms),
    accuracy: null,
  };
  return { run, vectors, rewards };
}

function accuracy(
  vectors: Float32Array[],
  rewards: number[],
  fp32: { vectors: Float32Array[]; rewards: number[] },
): VariantAccuracy {
  const cosines = vectors.map((v, i) =>
    v.reduce((s, x, k) => s + x * (fp32.vectors[i]?.[k] ?? 0), 0),
  );
  const diffs = vectors.flatMap((v, i) =>
    [...v].map((x, k) => Math.abs(x - (fp32.vectors[i]?.[k] ?? 0))),
  );
  return {
    minCosine: Math.min(...cosines),
    maxAbsDiff: Math.max(...diffs),
    maxRewardDiff: Math.max(...rewards.map((r, i) => Math.abs(r - (fp32.rewards[i] ?? NaN)))),
    texts: vectors.length,
  };
}

/** Every variant of the real shape, then the tiny encoder, one after another. */
export async function runRealShape(plan: RealShapePlan): Promise<RealShapeResult> {
  const started = performance.now();
  const loadBefore = loadavg()[0] ?? NaN;
  ort.env.wasm.numThreads = plan.threads;
  const t = texts(plan);
  const generatedAt = performance.now();
  const weights: BertWeights[] = ['fp32', ...plan.variants.filter((v) => v !== 'fp32')];
  const files = encoderFolderFiles({
    shape: MINILM_SHAPE,
    seed: SEED,
    weights,
    sentenceTransformers: { pooling: 'mean', normalize: true },
  });
  console.log(
    `[real] generated ${weights.join(', ')} in ${((performance.now() - generatedAt) / 1000).toFixed(1)} s`,
  );
  const base = 'http://generated.test/minilm-shape/';
  const runs: RealShapeRun[] = [];
  let fp32: { vectors: Float32Array[]; rewards: number[] } | null = null;
  let tokens = { context: 0, min: 0, max: 0 };
  for (const variant of weights) {
    const file = `onnx/${WEIGHT_FILES[variant]}`;
    const loadStart = performance.now();
    const encoder = await loadSentenceEncoder(base, {
      ort: ort as unknown as OrtModule,
      ep: 'wasm',
      variant,
      fetch: folderFetch(base, files),
      cache: null,
    });
    const loadMs = performance.now() - loadStart;
    const lengths = t.typed.map((x) => encoder.tokenize(x).length);
    tokens = {
      context: encoder.tokenize(t.context).length,
      min: Math.min(...lengths),
      max: Math.max(...lengths),
    };
    const bytes = files.get(file)?.length ?? 0;
    const out = await measure(encoder, variant, file, bytes, loadMs, t, plan);
    if (variant === 'fp32') fp32 = { vectors: out.vectors, rewards: out.rewards };
    else if (fp32) out.run.accuracy = accuracy(out.vectors, out.rewards, fp32);
    runs.push(out.run);
    await encoder.release();
  }
  const tiny = await runTiny(t, plan);
  return {
    generatedAt: new Date().toISOString(),
    loadAverage: { before: loadBefore, after: loadavg()[0] ?? NaN },
    cores: cpus().length,
    runtime: `onnxruntime-web ${ort.env.versions.web ?? '?'} WASM in Node ${process.version}`,
    threads: plan.threads,
    shape: MINILM_SHAPE,
    contextTokens: tokens.context,
    responseTokens: { min: tokens.min, max: tokens.max },
    tiny,
    runs,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

/** A folder on disk as path -> bytes. */
function readFolder(folder: string): Map<string, Uint8Array> {
  const entries = readdirSync(folder, { recursive: true, withFileTypes: true });
  return new Map(
    entries
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const path = join(entry.parentPath, entry.name);
        return [relative(folder, path), readFileSync(path)] as const;
      }),
  );
}

async function runTiny(t: Texts, plan: RealShapePlan): Promise<RealShapeRun> {
  const base = 'http://models.test/tiny-encoder/';
  const loadStart = performance.now();
  const encoder = await loadSentenceEncoder(base, {
    ort: ort as unknown as OrtModule,
    ep: 'wasm',
    fetch: folderFetch(base, readFolder(resolve(ROOT, 'models/tiny-encoder'))),
    cache: null,
  });
  const loadMs = performance.now() - loadStart;
  const bytes = readFileSync(resolve(ROOT, 'models/tiny-encoder/onnx/model.onnx')).length;
  const { run } = await measure(encoder, 'fp32', 'onnx/model.onnx', bytes, loadMs, t, plan);
  await encoder.release();
  return { ...run, encoder: 'models/tiny-encoder' };
}
