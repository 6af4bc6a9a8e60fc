// `npm run bench:reward`: the reward model's costs as a user meets them: live scoring latency per
// keystroke (a new response each time, and cached text), the one-time embedding of 1,000 training
// pairs, and the head's training per epoch, on the WASM and WebGPU EPs of headless Chromium (and
// the training in Node too). Starts vite, opens bench/pages/reward.html once per EP; then live
// scoring at all-MiniLM-L6-v2's real shape per variant (fp32, int8, uint8), generated now and run
// in Node on onnxruntime-web WASM (reward-real.ts). Writes bench-results/reward.json and .md.
//
//   tsx bench/drivers/reward.ts [--eps wasm,webgpu] [--wasm-keystrokes 30] [--webgpu-keystrokes 8]
//     [--wasm-warmup 5] [--webgpu-warmup 2] [--wasm-cached 30] [--webgpu-cached 10] [--pairs 1000]
//     [--webgpu-embed-pairs 8] [--epochs 10] [--threads 0] [--skip-node]
//     [--real-variants fp32,int8,uint8] [--real-keystrokes 30] [--real-threads 2] [--skip-real]
//     [--real-only]
//   --real-only: run only the real-shape part, keeping the pages' results of the last reward.json.
//   --webgpu-embed-pairs: pairs the WebGPU page embeds (an even sample; the rest is estimated).
//   --threads: onnxruntime-web's WASM threads on both pages; 0 leaves loadOrt's choice (the app's).
//   --report-only: rewrite reward.md from the last reward.json, running nothing.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { fitHead, type EmbeddedPairs } from '../../src/lib/reward/train.ts';
import { trainTiming } from '../pages/reward-stats.ts';
import {
  rewardPlanToQuery,
  type EmbeddedForNode,
  type RewardPageResult,
  type RewardPlan,
  type RewardWindow,
  type TrainTiming,
} from '../pages/reward-types.ts';
import type { BertWeights } from '../../scripts/models/bert.ts';
import { runRealShape, type RealShapePlan } from './reward-real.ts';
import { markdownReport, type RewardReport } from './reward-report.ts';
import { runInChromium } from './vite-server.ts';
import { count, eps, firstLine } from './args.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT_DIR = resolve(ROOT, 'bench-results');
const PAGE = 'bench/pages/reward.html';
/** A page that has not finished by then is reported as failed (WebGPU here is CPU-emulated). */
const PAGE_TIMEOUT_MS = 4 * 60_000;

interface Options {
  plans: RewardPlan[];
  nodeTraining: boolean;
  /** null: skip the real-shape run. */
  real: RealShapePlan | null;
  realOnly: boolean;
}

function weightsList(value: string): BertWeights[] {
  const items = value.split(',').map((s) => s.trim());
  const bad = items.filter((s) => s !== 'fp32' && s !== 'int8' && s !== 'uint8');
  if (bad.length) throw new Error(`--real-variants: unknown ${bad.join(', ')} (fp32, int8, uint8)`);
  return items as BertWeights[];
}

/**
 * One plan per EP. Defaults fit a few minutes on a 2-core machine: WebGPU there is SwiftShader,
 * far slower than WASM, so it types fewer keystrokes, embeds a sample of the pairs and trains
 * nothing (the head's training is plain TypeScript, the same on either page).
 */
function options(): Options | null {
  const { values: v } = parseArgs({
    options: {
      eps: { type: 'string', default: 'wasm,webgpu' },
      'wasm-keystrokes': { type: 'string', default: '30' },
      'webgpu-keystrokes': { type: 'string', default: '8' },
      'wasm-warmup': { type: 'string', default: '5' },
      'webgpu-warmup': { type: 'string', default: '2' },
      'wasm-cached': { type: 'string', default: '30' },
      'webgpu-cached': { type: 'string', default: '10' },
      pairs: { type: 'string', default: '1000' },
      'webgpu-embed-pairs': { type: 'string', default: '8' },
      epochs: { type: 'string', default: '10' },
      threads: { type: 'string', default: '0' },
      'skip-node': { type: 'boolean', default: false },
      'report-only': { type: 'boolean', default: false },
      'real-variants': { type: 'string', default: 'fp32,int8,uint8' },
      'real-keystrokes': { type: 'string', default: '30' },
      'real-threads': { type: 'string', default: '2' },
      'skip-real': { type: 'boolean', default: false },
      'real-only': { type: 'boolean', default: false },
    },
  });
  if (v['report-only']) return null;
  const pairs = count(v.pairs, 'pairs');
  const epochs = count(v.epochs, 'epochs');
  const threads = count(v.threads, 'threads');
  const plans = eps(v.eps).map((ep) => ({
    ep,
    keystrokes: count(v[`${ep}-keystrokes`], `${ep}-keystrokes`),
    warmupKeystrokes: count(v[`${ep}-warmup`], `${ep}-warmup`),
    cachedCalls: count(v[`${ep}-cached`], `${ep}-cached`),
    pairs,
    embedPairs:
      ep === 'webgpu'
        ? Math.min(pairs, count(v['webgpu-embed-pairs'], 'webgpu-embed-pairs'))
        : pairs,
    trainEpochs: ep === 'wasm' ? epochs : 0,
    threads,
  }));
  const real = {
    keystrokes: count(v['real-keystrokes'], 'real-keystrokes'),
    warmupKeystrokes: 5,
    cachedCalls: 10,
    threads: count(v['real-threads'], 'real-threads'),
    variants: weightsList(v['real-variants']),
  };
  return {
    plans,
    nodeTraining: !v['skip-node'] && epochs > 0,
    real: v['skip-real'] ? null : real,
    realOnly: v['real-only'],
  };
}

function echoConsole(page: Page): void {
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.startsWith('[bench]')) console.log(text);
    // onnxruntime's own warnings (nodes left on the CPU, as expected for shape ops) are noise here.
    else if (text.includes('W:onnxruntime')) return;
    else if (msg.type() === 'error' || msg.type() === 'warning')
      console.log(`[page ${msg.type()}] ${text}`);
  });
  page.on('pageerror', (error) => console.log(`[page error] ${error.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) console.log(`[page http ${r.status()}] ${r.url()}`);
  });
}

interface PageOutcome {
  result: RewardPageResult;
  embedded: EmbeddedForNode | null;
}

/** One page per EP; it runs every measurement and leaves its result on window. */
async function runPage(browser: Browser, origin: string, plan: RewardPlan): Promise<PageOutcome> {
  const page = await browser.newPage();
  echoConsole(page);
  try {
    await page.goto(`${origin}/${PAGE}?${rewardPlanToQuery(plan)}`);
    await page.waitForFunction(
      () => {
        const w = window as Window & RewardWindow;
        return Boolean(w.__rewardResult ?? w.__rewardError);
      },
      null,
      { timeout: PAGE_TIMEOUT_MS, polling: 500 },
    );
    const { result, error, embedded } = await page.evaluate(() => {
      const w = window as Window & RewardWindow;
      return { result: w.__rewardResult, error: w.__rewardError, embedded: w.__rewardEmbedded };
    });
    if (!result) throw new Error(error ?? 'the page left no result');
    return { result, embedded: embedded ?? null };
  } finally {
    await page.close();
  }
}

/** A page that failed as a whole still gets a row in the report, saying why. */
function failedPage(plan: RewardPlan, error: unknown): PageOutcome {
  const message = firstLine(error);
  console.log(`[bench] FAILED page ${plan.ep}: ${message}`);
  const environment = {
    userAgent: '',
    hardwareConcurrency: 0,
    crossOriginIsolated: false,
    runtimes: {},
    adapter: null,
    maxPositions: 0,
  };
  const loadMs = { encoder: NaN, head: NaN };
  const result = { plan, environment, loadMs, live: null, embed: null, train: null };
  return { result: { ...result, failures: [`page: ${message}`] }, embedded: null };
}

function fromPage(e: EmbeddedForNode): EmbeddedPairs {
  return {
    dim: e.dim,
    vectors: Float64Array.from(e.vectors),
    context: Int32Array.from(e.context),
    a: Int32Array.from(e.a),
    b: Int32Array.from(e.b),
    p: Float64Array.from(e.p),
  };
}

/** The same training as the page's, in this Node process, on the page's embeddings. */
async function trainInNode(embedded: EmbeddedForNode, epochs: number): Promise<TrainTiming> {
  const data = fromPage(embedded);
  const { history, split, options: o } = await fitHead(data, { epochs, patience: epochs + 1 });
  console.log(
    `[node] train: ${history.map((h) => (h.seconds * 1000).toFixed(0)).join(' ')} ms/epoch`,
  );
  return trainTiming('node', history, {
    pairs: data.p.length,
    trainPairs: split.train.length,
    valPairs: split.val.length,
    hidden: o.hidden,
    batchSize: o.batchSize,
  });
}

function writeMarkdown(report: RewardReport): void {
  const markdown = markdownReport(report);
  writeFileSync(resolve(OUT_DIR, 'reward.md'), markdown);
  console.log(`\n${markdown}`);
}

async function main(): Promise<void> {
  const todo = options();
  if (!todo) {
    writeMarkdown(
      JSON.parse(readFileSync(resolve(OUT_DIR, 'reward.json'), 'utf8')) as RewardReport,
    );
    console.log('Rewrote bench-results/reward.md from bench-results/reward.json');
    return;
  }
  if (todo.realOnly) return realOnly(todo);
  const started = Date.now();
  const { results: outcomes, chromium: version } = await runInChromium(
    ROOT,
    { page: PAGE, cacheName: '.vite-bench-reward' },
    todo.plans,
    runPage,
    failedPage,
  );
  const embedded = outcomes.find((o) => o.embedded)?.embedded;
  const epochs = todo.plans.find((p) => p.trainEpochs > 0)?.trainEpochs ?? 0;
  const nodeTrain = todo.nodeTraining && embedded ? await trainInNode(embedded, epochs) : null;
  const realShape = todo.real ? await runRealShape(todo.real) : null;
  const report: RewardReport = {
    meta: {
      generatedAt: new Date().toISOString(),
      chromium: version,
      node: process.version,
      wallSeconds: (Date.now() - started) / 1000,
    },
    pages: outcomes.map((o) => o.result),
    nodeTrain,
    realShape,
  };
  writeReport(report);
}

function writeReport(report: RewardReport): void {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(resolve(OUT_DIR, 'reward.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeMarkdown(report);
  console.log('Wrote bench-results/reward.json and bench-results/reward.md');
}

/** The real-shape run alone, merged into the last report (its pages kept as they were). */
async function realOnly(todo: Options): Promise<void> {
  if (!todo.real) throw new Error('--real-only and --skip-real contradict each other');
  const last = JSON.parse(readFileSync(resolve(OUT_DIR, 'reward.json'), 'utf8')) as RewardReport;
  writeReport({ ...last, realShape: await runRealShape(todo.real) });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
