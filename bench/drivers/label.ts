// `npm run bench:label`: labeling throughput of the OnnxEngine (prefix reuse on and off) and of a
// naive transformers.js peer, on the WASM and WebGPU EPs of headless Chromium. Starts vite, opens
// bench/pages/label.html once per EP, and writes bench-results/label.json and bench-results/label.md.
//
//   tsx bench/drivers/label.ts [--eps wasm,webgpu] [--wasm-pairs 16,16] [--webgpu-pairs 2,1]
//     [--wasm-warmup 2,2] [--webgpu-warmup 1,0] [--wasm-peer all] [--webgpu-peer base]
//   --*-pairs and --*-warmup: timed and untimed pairs per config (Base, Detailed); --*-peer: the
//   configs the transformers.js peer runs (all, base, detailed or none).
//   --report-only: rewrite label.md from the last label.json, running nothing.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import {
  CONFIG_NAMES,
  planToQuery,
  type BenchPlan,
  type BenchWindow,
  type ConfigName,
  type PageResult,
} from '../pages/types.ts';
import { analyse, type BenchReport } from './analysis.ts';
import { markdownReport } from './report.ts';
import { runInChromium } from './vite-server.ts';
import { count, eps, firstLine } from './args.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT_DIR = resolve(ROOT, 'bench-results');
/** A page that has not finished by then is reported as failed (WebGPU here is CPU-emulated). */
const PAGE_TIMEOUT_MS = 10 * 60_000;

const PEER_CHOICES: Record<string, ConfigName[]> = {
  all: [...CONFIG_NAMES],
  base: ['Base 0-shot raw'],
  detailed: ['Detailed 2-shot raw'],
  none: [],
};

/** "2,1": a count per config, in CONFIG_NAMES order. */
function perConfig(value: string, flag: string): Record<ConfigName, number> {
  const items = value.split(',');
  if (items.length !== CONFIG_NAMES.length) {
    throw new Error(`--${flag}: one count per config (${CONFIG_NAMES.join(', ')})`);
  }
  return Object.fromEntries(CONFIG_NAMES.map((c, i) => [c, count(items[i]!, flag)])) as Record<
    ConfigName,
    number
  >;
}

function peerConfigs(value: string, flag: string): ConfigName[] {
  const configs = PEER_CHOICES[value];
  if (!configs) throw new Error(`--${flag}: use ${Object.keys(PEER_CHOICES).join(', ')}`);
  return configs;
}

/**
 * One plan per EP. Defaults fit ~10 minutes on a 2-core machine: WebGPU there is SwiftShader,
 * some 40x slower than WASM, so it gets fewer pairs and the peer only on the short prompts.
 */
function plans(): BenchPlan[] {
  const { values: v } = parseArgs({
    options: {
      eps: { type: 'string', default: 'wasm,webgpu' },
      // Timed pairs per config (Base, Detailed). On WebGPU a no-reuse Detailed pair takes minutes.
      'wasm-pairs': { type: 'string', default: '16,16' },
      'webgpu-pairs': { type: 'string', default: '2,1' },
      // WASM: untimed pairs settle the JIT, the thread pool and the memory arena. WebGPU: one pair
      // pays shader compilation for the page's engines; the second config then only computes its
      // dataset prefix untimed (a no-reuse Detailed warm-up pair alone costs minutes there).
      'wasm-warmup': { type: 'string', default: '2,2' },
      'webgpu-warmup': { type: 'string', default: '1,0' },
      'wasm-peer': { type: 'string', default: 'all' },
      'webgpu-peer': { type: 'string', default: 'base' },
      'report-only': { type: 'boolean', default: false },
    },
  });
  if (v['report-only']) return [];
  return eps(v.eps).map((ep) => ({
    ep,
    pairs: perConfig(v[`${ep}-pairs`], `${ep}-pairs`),
    warmup: perConfig(v[`${ep}-warmup`], `${ep}-warmup`),
    peerConfigs: peerConfigs(v[`${ep}-peer`], `${ep}-peer`),
  }));
}

/** One page per EP; the page runs every path, interleaved, and reports. */
async function runPage(browser: Browser, origin: string, plan: BenchPlan): Promise<PageResult> {
  const page = await browser.newPage();
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.startsWith('[bench]')) console.log(text);
    // onnxruntime's own warnings (nodes left on the CPU, as expected for shape ops) are noise here.
    else if (text.includes('W:onnxruntime')) return;
    else if (msg.type() === 'error' || msg.type() === 'warning')
      console.log(`[page ${msg.type()}] ${text}`);
  });
  page.on('pageerror', (error) => console.log(`[page error] ${error.message}`));
  // Name the URL a "Failed to load resource" console line leaves out.
  page.on('response', (r) => {
    if (r.status() >= 400) console.log(`[page http ${r.status()}] ${r.url()}`);
  });
  try {
    await page.goto(`${origin}/bench/pages/label.html?${planToQuery(plan)}`);
    await page.waitForFunction(
      () => {
        const w = window as Window & BenchWindow;
        return Boolean(w.__benchResult ?? w.__benchError);
      },
      null,
      { timeout: PAGE_TIMEOUT_MS, polling: 1000 },
    );
    const { result, error } = await page.evaluate(() => {
      const w = window as Window & BenchWindow;
      return { result: w.__benchResult, error: w.__benchError };
    });
    if (!result) throw new Error(error ?? 'the page left no result');
    return result;
  } finally {
    await page.close();
  }
}

/** A page that failed as a whole still gets a row in the report, saying why. */
function failedPage(plan: BenchPlan, error: unknown): PageResult {
  const message = firstLine(error);
  console.log(`[bench] FAILED page ${plan.ep}: ${message}`);
  return {
    plan,
    environment: {
      userAgent: '',
      hardwareConcurrency: 0,
      crossOriginIsolated: false,
      runtimes: {},
      adapter: null,
      maxPositions: 0,
      skippedPairs: [],
    },
    runs: [],
    failures: [{ suite: 'onnx', ep: plan.ep, config: null, message }],
  };
}

function writeMarkdown(report: BenchReport): void {
  const markdown = markdownReport(report);
  writeFileSync(resolve(OUT_DIR, 'label.md'), markdown);
  console.log(`\n${markdown}`);
}

async function main(): Promise<void> {
  const todo = plans();
  if (!todo.length) {
    writeMarkdown(JSON.parse(readFileSync(resolve(OUT_DIR, 'label.json'), 'utf8')) as BenchReport);
    console.log('Rewrote bench-results/label.md from bench-results/label.json');
    return;
  }
  const started = Date.now();
  const { results: pages, chromium: version } = await runInChromium(
    ROOT,
    {},
    todo,
    runPage,
    failedPage,
  );
  const report = analyse(pages, {
    generatedAt: new Date().toISOString(),
    chromium: version,
    node: process.version,
    wallSeconds: (Date.now() - started) / 1000,
  });
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(resolve(OUT_DIR, 'label.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeMarkdown(report);
  console.log('Wrote bench-results/label.json and bench-results/label.md');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
