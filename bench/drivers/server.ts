// `npm run bench:server`: the server engine's throughput against a real llama.cpp llama-server
// (the embedded tiny Llama exported to GGUF, CPU) at 1, 4 and 16 pairs in flight, on a TL;DR-format
// file with several comparisons per post. Both orders of a pair go out together and pairs sharing
// a post go back to back, so the server's per-slot prompt cache can serve the shared prefix; the
// hit rate is llama.cpp's own count of prompt tokens it did not recompute. Grouped vs file order
// is measured at each concurrency. Writes bench-results/server.{json,md}.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readPairs } from '../../src/cli/dataset.ts';
import { ServerEngine } from '../../src/lib/engines/server/engine.ts';
import { runBatch } from '../../src/lib/rlaif/batch.ts';
import { createLabeler, DEFAULT_LABELING } from '../../src/lib/rlaif/labeler.ts';
import { llamaServerBinary, startLlamaServer } from '../../test/support/llama-server.ts';
import { nodeFetch, TINY_TOKENIZER } from '../../test/support/node-fetch.ts';
import { readProbes, tldrComparisons } from '../../test/support/tldr-fixture.ts';
import { count } from './args.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    posts: { type: 'string', default: '16' },
    'per-post': { type: 'string', default: '4' },
    reps: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,4,16' },
  },
});
const posts = count(values.posts, 'posts');
const perPost = count(values['per-post'], 'per-post');
const reps = count(values.reps, 'reps');
const levels = values.concurrency.split(',').map((c) => count(c, 'concurrency'));

interface Row {
  concurrency: number;
  grouped: boolean;
  pairsPerSecond: number;
  all: number[];
  requestsPerPair: number;
  retries: number;
  /** Prompt tokens the server served from its cache, over all prompt tokens sent. */
  cacheHitRate: number | null;
}

async function measure(
  engine: ServerEngine,
  pairs: Awaited<ReturnType<typeof readPairs>>,
  concurrency: number,
  grouped: boolean,
) {
  const labeler = createLabeler(engine, DEFAULT_LABELING, []);
  const before = { ...engine.stats };
  const started = performance.now();
  await runBatch({
    labeler,
    pairs,
    labelled: new Set(),
    concurrency,
    groupContexts: grouped,
    onLabel: () => {},
  });
  const seconds = (performance.now() - started) / 1000;
  const after = engine.stats;
  const prompt = after.promptTokens - before.promptTokens;
  const cached = after.cachedTokens - before.cachedTokens;
  return {
    pairsPerSecond: pairs.length / seconds,
    requestsPerPair: (after.requests - before.requests) / pairs.length,
    retries: after.retries - before.retries,
    cacheHitRate: prompt === 0 ? null : cached / prompt,
  };
}

/**
 * One run on a freshly started server, so no run finds the prompts of an earlier one in its
 * caches (llama.cpp also keeps finished prompts in RAM): each is a labeling job from cold.
 */
async function coldRun(
  pairs: Awaited<ReturnType<typeof readPairs>>,
  slots: number,
  concurrency: number,
  grouped: boolean,
) {
  // Each slot keeps its own prompt cache; 2,048 tokens per slot hold a 0-shot prompt with room.
  const server = await startLlamaServer({ slots, ctx: slots * 2048 });
  try {
    const engine = await ServerEngine.connect({
      baseUrl: server.baseUrl,
      kind: 'llamacpp',
      tokenizer: { source: TINY_TOKENIZER },
      fetch: nodeFetch,
      maxInFlight: 2 * slots,
    });
    await measure(engine, pairs.slice(0, 1), 1, true); // first request: allocations
    const result = await measure(engine, pairs.slice(1), concurrency, grouped);
    await engine.dispose();
    return result;
  } finally {
    await server.stop();
  }
}

async function main() {
  const binary = llamaServerBinary();
  if ('missing' in binary) throw new Error(`bench:server needs llama-server: ${binary.missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-server-'));
  const file = join(dir, 'tldr.jsonl');
  const probes = readProbes(join(ROOT, 'data/probes/summarization.jsonl')).slice(0, posts);
  writeFileSync(file, tldrComparisons(probes, perPost));
  const pairs = await readPairs(file, { report: () => {} });
  const slots = Math.max(...levels);
  const load = loadavg()[0]!;
  const rows: Row[] = [];
  try {
    for (const concurrency of levels) {
      for (const grouped of [true, false]) {
        const runs = [];
        for (let rep = 0; rep < reps; rep++)
          runs.push(await coldRun(pairs, slots, concurrency, grouped));
        const rates = runs.map((r) => r.pairsPerSecond);
        const row: Row = {
          concurrency,
          grouped,
          pairsPerSecond: median(rates),
          all: rates.map((r) => Number(r.toFixed(2))),
          requestsPerPair: runs[0]!.requestsPerPair,
          retries: runs.reduce((a, r) => a + r.retries, 0),
          cacheHitRate: median(runs.map((r) => r.cacheHitRate ?? NaN)),
        };
        rows.push(row);
        console.log(
          `concurrency ${concurrency}, ${grouped ? 'grouped' : 'file order'}: ` +
            `${row.pairsPerSecond.toFixed(2)} pairs/s, cache hits ${pct(row.cacheHitRate)}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = rows.find((r) => r.concurrency === levels[0] && r.grouped)!.pairsPerSecond;
  const report = {
    generated: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverage1m: load,
    server: { binary: binary.path, slots, model: 'models/tiny-llama as GGUF (f32)', threads: 1 },
    file: { posts, perPost, pairs: pairs.length },
    reps,
    rows: rows.map((r) => ({ ...r, speedupOverConcurrency1: r.pairsPerSecond / base })),
  };
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results/server.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(ROOT, 'bench-results/server.md'), markdown(report));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (x: number | null) => (x === null ? 'not reported' : `${(100 * x).toFixed(1)}%`);

function markdown(report: {
  generated: string;
  cpus: number;
  loadAverage1m: number;
  file: { posts: number; perPost: number; pairs: number };
  reps: number;
  rows: (Row & { speedupOverConcurrency1: number })[];
}): string {
  const lines = [
    '# bench:server — the server engine against a real llama.cpp llama-server',
    '',
    `${report.generated}; ${report.cpus} CPUs, load ${report.loadAverage1m.toFixed(2)}; ` +
      `${report.file.pairs} pairs (${report.file.posts} posts x ${report.file.perPost}), ` +
      `median of ${report.reps} runs. The tiny Llama as GGUF on llama.cpp's CPU backend: the ` +
      'ratios between rows are the finding, not the absolute rates.',
    '',
    '| pairs in flight | order | pairs/s | vs 1 in flight | requests/pair | prompt cache hits | retries |',
    '|---|---|---|---|---|---|---|',
    ...report.rows.map(
      (r) =>
        `| ${r.concurrency} | ${r.grouped ? 'grouped by context' : 'file order'} | ` +
        `${r.pairsPerSecond.toFixed(2)} | ${r.speedupOverConcurrency1.toFixed(2)}x | ` +
        `${r.requestsPerPair.toFixed(1)} | ${pct(r.cacheHitRate)} | ${r.retries} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

await main();
