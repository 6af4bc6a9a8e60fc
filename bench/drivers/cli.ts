// `npm run bench:cli`: the CLI's throughput in Node (ONNX engine, onnxruntime-web WASM), on a
// TL;DR-format file with several comparisons per post, posts interleaved as in the real file.
// Compares labelling with pairs grouped by context (the default) against file order, and times
// the append + fsync each label costs. Each run is the real CLI in its own process; pairs/s is the
// CLI's own rate over labelling time (model load excluded). Writes bench-results/cli.{json,md}.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Summary } from '../../src/cli/summary.ts';
import { readProbes, tldrComparisons } from '../../test/support/tldr-fixture.ts';
import { count } from './args.ts';
import { warmComparison } from './cli-warm.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    posts: { type: 'string', default: '24' },
    'per-post': { type: 'string', default: '4' },
    reps: { type: 'string', default: '6' },
    model: { type: 'string', default: 'models/tiny-llama' },
  },
});
const posts = count(values.posts, 'posts');
const perPost = count(values['per-post'], 'per-post');
const reps = count(values.reps, 'reps');

interface Variant {
  name: string;
  flags: string[];
}
const VARIANTS: Variant[] = [
  { name: 'grouped by context, fsync every label', flags: [] },
  { name: 'file order, fsync every label', flags: ['--no-group'] },
];

function runOnce(file: string, dir: string, variant: Variant, rep: number) {
  const out = join(dir, `out-${rep}-${VARIANTS.indexOf(variant)}.jsonl`);
  const summaryPath = `${out}.summary.json`;
  const args = ['bin/rlaif-lab.js', 'label', file, '--engine', `onnx:${values.model}`];
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    [...args, '--out', out, '--summary-json', summaryPath, ...variant.flags],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`${variant.name}: ${result.stderr}`);
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Summary;
  return {
    pairsPerSecond: summary.run.pairsPerSecond,
    pairsPerCpuSecond: summary.run.labelled / summary.run.cpuSeconds,
    wallSeconds: (performance.now() - started) / 1000,
    labels: readFileSync(out, 'utf8'),
    engine: summary.engine!,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
  const file = join(dir, 'tldr.jsonl');
  writeFileSync(
    file,
    tldrComparisons(
      readProbes(join(ROOT, 'data/probes/summarization.jsonl')).slice(0, posts),
      perPost,
    ),
  );
  const pairs = posts * perPost;
  const load = loadavg()[0]!;
  const runs = new Map(VARIANTS.map((v) => [v.name, [] as ReturnType<typeof runOnce>[]]));
  for (let rep = 0; rep < reps; rep++) {
    for (const variant of VARIANTS) {
      const run = runOnce(file, dir, variant, rep);
      runs.get(variant.name)!.push(run);
      console.log(`${variant.name}, rep ${rep + 1}: ${run.pairsPerSecond.toFixed(2)} pairs/s`);
    }
  }
  const warm = await warmComparison(file, values.model, reps);
  rmSync(dir, { recursive: true, force: true });
  const min = (xs: number[]) => Math.min(...xs);
  const warmRatio = {
    wallMin: min(warm.plain.wallMsPerPair) / min(warm.grouped.wallMsPerPair),
    wallMedian: median(warm.plain.wallMsPerPair) / median(warm.grouped.wallMsPerPair),
    cpuMin: min(warm.plain.cpuMsPerPair) / min(warm.grouped.cpuMsPerPair),
    cpuMedian: median(warm.plain.cpuMsPerPair) / median(warm.grouped.cpuMsPerPair),
  };
  const byId = (text: string) =>
    new Map(
      text
        .trim()
        .split('\n')
        .map((l) => [JSON.parse(l).pairId as string, l]),
    );
  const [grouped, plain] = VARIANTS.map((v) => runs.get(v.name)!);
  const same = [...byId(grouped![0]!.labels)].every(
    ([id, l]) => byId(plain![0]!.labels).get(id) === l,
  );
  const rows = VARIANTS.map((v) => {
    const list = runs.get(v.name)!;
    return {
      variant: v.name,
      pairsPerSecond: median(list.map((r) => r.pairsPerSecond)),
      bestPairsPerSecond: Math.max(...list.map((r) => r.pairsPerSecond)),
      pairsPerCpuSecond: median(list.map((r) => r.pairsPerCpuSecond)),
      all: list.map((r) => Number(r.pairsPerSecond.toFixed(2))),
      wallSeconds: median(list.map((r) => r.wallSeconds)),
      tokensComputedPerPair: list[0]!.engine.tokensComputed / pairs,
      forwardCallsPerPair: list[0]!.engine.forwardCalls / pairs,
      prefixHits: list[0]!.engine.prefixHits,
    };
  });
  const ratio = (key: 'pairsPerSecond' | 'bestPairsPerSecond' | 'pairsPerCpuSecond') =>
    rows[0]![key] / rows[1]![key];
  // Runs of one rep are back to back, so their ratio sees about the same machine load.
  const paired = median(grouped!.map((g, i) => g.pairsPerSecond / plain![i]!.pairsPerSecond));
  const speedup = {
    paired,
    median: ratio('pairsPerSecond'),
    best: ratio('bestPairsPerSecond'),
    cpu: ratio('pairsPerCpuSecond'),
  };
  const fsyncMs = fsyncMillis(grouped![0]!.labels);
  const msPerPair = 1000 / rows[0]!.bestPairsPerSecond;
  const report = {
    generated: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverage1m: load,
    model: values.model,
    file: {
      posts,
      perPost,
      pairs,
      format: 'openai-comparisons (from data/probes/summarization.jsonl)',
    },
    reps,
    rows,
    groupingSpeedup: speedup,
    warm: { ...warm, ratio: warmRatio },
    fsyncMsPerLabel: fsyncMs,
    fsyncShareOfPair: fsyncMs / msPerPair,
    labelsIdentical: same,
  };
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results/cli.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(ROOT, 'bench-results/cli.md'), markdown(report));
  console.log(
    `grouping ${speedup.best.toFixed(2)}x (best), ${speedup.paired.toFixed(2)}x (paired median), ` +
      `${speedup.cpu.toFixed(2)}x (per CPU second); fsync ${fsyncMs.toFixed(2)} ms per label`,
  );
}

/** What appending and fsyncing one label line costs here, timed over the labels just made. */
function fsyncMillis(labels: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'bench-fsync-'));
  const fd = openSync(join(dir, 'labels.jsonl'), 'a');
  const lines = labels.trim().split('\n');
  const started = performance.now();
  for (let i = 0; i < 200; i++) {
    writeSync(fd, `${lines[i % lines.length]}\n`);
    fsyncSync(fd);
  }
  const ms = (performance.now() - started) / 200;
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

type Report = {
  generated: string;
  node: string;
  cpus: number;
  loadAverage1m: number;
  model: string;
  file: { posts: number; perPost: number; pairs: number };
  reps: number;
  rows: {
    variant: string;
    pairsPerSecond: number;
    bestPairsPerSecond: number;
    pairsPerCpuSecond: number;
    all: number[];
    wallSeconds: number;
    tokensComputedPerPair: number;
    forwardCallsPerPair: number;
    prefixHits: number;
  }[];
  groupingSpeedup: { paired: number; median: number; best: number; cpu: number };
  warm: {
    pairs: number;
    grouped: { wallMsPerPair: number[]; cpuMsPerPair: number[] };
    plain: { wallMsPerPair: number[]; cpuMsPerPair: number[] };
    ratio: { wallMin: number; wallMedian: number; cpuMin: number; cpuMedian: number };
  };
  fsyncMsPerLabel: number;
  fsyncShareOfPair: number;
  labelsIdentical: boolean;
};

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function markdown(r: Report): string {
  const f = (x: number) => x.toFixed(2);
  const g = r.groupingSpeedup;
  const lines = [
    '# CLI labeling throughput (`npm run bench:cli`)',
    '',
    `Generated ${r.generated} with Node ${r.node} on ${r.cpus} cores (1-minute load ${f(r.loadAverage1m)} at the start).`,
    `\`npx rlaif-lab label\` on \`${r.model}\`, ONNX engine on onnxruntime-web WASM (1 thread), Base 0-shot raw, both orders.`,
    `Dataset: a TL;DR-format (OpenAI comparisons) file of ${r.file.posts} posts x ${r.file.perPost} comparisons = ${r.file.pairs} pairs,`,
    'made from the summarization probes, posts interleaved (round k of every post before round k + 1).',
    `Pairs/s is the CLI's own rate over labelling time (model load excluded); ${r.reps} runs each, every run its own`,
    'process, variants interleaved. On a shared machine wall time is noisy: the best run and pairs per CPU second',
    '(user + system time of the process) are the steadier figures. CPU time also counts V8 threads working beside',
    'the labelling (WASM tier-up compilation, GC), about the same per run, which narrows its ratio.',
    '',
    '| Run | Pairs/s median | Pairs/s best | Pairs per CPU s | All runs (pairs/s) | Tokens computed/pair | Forward calls/pair | Prefix-cache hits |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.rows.map(
      (row) =>
        `| ${row.variant} | ${f(row.pairsPerSecond)} | **${f(row.bestPairsPerSecond)}** | ${f(row.pairsPerCpuSecond)} | ${row.all.join(', ')} | ${row.tokensComputedPerPair.toFixed(0)} | ${f(row.forwardCallsPerPair)} | ${row.prefixHits} |`,
    ),
    '',
    `- Grouping pairs by context over file order: **${f(g.best)}x** best-run pairs/s (the least disturbed runs), ${f(g.paired)}x median of each rep's ratio, ${f(g.median)}x ratio of medians, ${f(g.cpu)}x pairs per CPU second (target >= 1.3x).`,
    '',
    `In one warm process (engine loaded once, one warm-up batch, then ${r.reps} batches of each order,`,
    'alternating), ms per pair:',
    '',
    '| Order | Wall ms/pair (min) | Wall ms/pair (median) | CPU ms/pair (min) | CPU ms/pair (median) |',
    '| --- | --- | --- | --- | --- |',
    ...(['grouped', 'plain'] as const).map((k) => {
      const t = r.warm[k];
      const name = k === 'grouped' ? 'grouped by context' : 'file order';
      return `| ${name} | ${f(Math.min(...t.wallMsPerPair))} | ${f(med(t.wallMsPerPair))} | ${f(Math.min(...t.cpuMsPerPair))} | ${f(med(t.cpuMsPerPair))} |`;
    }),
    '',
    `- Warm grouping speedup: **${f(r.warm.ratio.cpuMin)}x** by CPU time (min), ${f(r.warm.ratio.cpuMedian)}x (median); ${f(r.warm.ratio.wallMin)}x by wall time (min), ${f(r.warm.ratio.wallMedian)}x (median).`,
    `- fsync after every label: ${r.fsyncMsPerLabel.toFixed(2)} ms per line here, ${(100 * r.fsyncShareOfPair).toFixed(1)}% of a pair's time; kept on by default.`,
    `- Labels grouped and in file order are byte-identical: ${r.labelsIdentical}.`,
    '',
  ];
  return lines.join('\n');
}

await main();
