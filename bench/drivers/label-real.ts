// `npm run bench:label:real`: labeling throughput at the width, heads and vocabulary of real
// models (random weights, fewer layers, generated at bench time into the OS temp folder), in Node
// on onnxruntime-web's WASM EP: the OnnxEngine with and without prefix reuse, and transformers.js
// on the same graph folder and the same runtime. Each path runs in a worker process of its own
// (its peak memory is its own); the paths are interleaved pair by pair as in `bench:label`.
// Writes bench-results/label-real.json and label-real.md.
//
//   tsx bench/drivers/label-real.ts [--shapes smollm2,qwen2.5] [--layers N] [--pairs 2]
//     [--warmup 1] [--threads 2] [--report-only]
//   --layers: for every shape (default: SmolLM2's 6, as in issue 16's figures; Qwen2.5's 2).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AutoTokenizer, env } from '@huggingface/transformers';
import {
  CONFIGS,
  errorMessage,
  loadExemplars,
  loadProbes,
  splitPairs,
  timed,
} from '../pages/common.ts';
import { timeConfig } from '../pages/run.ts';
import { accessOf } from '../pages/transformers-path.ts';
import { CONFIG_NAMES } from '../pages/types.ts';
import { count } from './args.ts';
import {
  ensureShapeFolder,
  SHAPE_NAMES,
  SHAPES,
  shapeConfig,
  type ShapeName,
} from './real-shapes.ts';
import {
  markdownRealReport,
  type RealReport,
  type RealRun,
  type ShapeInfo,
} from './real-report.ts';
import { remotePath, Worker } from './real-remote.ts';
import { PATH_NAMES } from './real-types.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT_DIR = resolve(ROOT, 'bench-results');
const readRepoFile = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Options {
  shapes: ShapeName[];
  /** null: each shape's default. */
  layers: number | null;
  pairs: number;
  warmup: number;
  threads: number;
}

function shapes(value: string): ShapeName[] {
  const items = value.split(',').map((s) => s.trim());
  const bad = items.filter((s) => !SHAPE_NAMES.includes(s as ShapeName));
  if (bad.length)
    throw new Error(`--shapes: unknown ${bad.join(', ')} (use ${SHAPE_NAMES.join(', ')})`);
  return items as ShapeName[];
}

/**
 * Defaults fit ~15 minutes on a busy 2-core machine: a Qwen2.5-wide pair without reuse takes a
 * minute or more there, most of it the logits of every position over a 151936-token vocabulary.
 */
function options(): Options | null {
  const { values: v } = parseArgs({
    options: {
      shapes: { type: 'string', default: SHAPE_NAMES.join(',') },
      layers: { type: 'string' },
      pairs: { type: 'string', default: '2' },
      warmup: { type: 'string', default: '1' },
      threads: { type: 'string', default: '2' },
      'report-only': { type: 'boolean', default: false },
    },
  });
  if (v['report-only']) return null;
  const layers = v.layers === undefined ? null : count(v.layers, 'layers');
  if (layers === 0) throw new Error('--layers: at least 1');
  return {
    shapes: shapes(v.shapes),
    layers,
    pairs: count(v.pairs, 'pairs'),
    warmup: count(v.warmup, 'warmup'),
    threads: Math.max(1, count(v.threads, 'threads')),
  };
}

/** Prompt tokens for the report's counts, with the folder's own tokenizer (as the peer reads it). */
async function folderTokenizer(dir: string) {
  env.allowRemoteModels = false;
  env.localModelPath = `${dirname(dir)}/`;
  return accessOf(await AutoTokenizer.from_pretrained(basename(dir)));
}

/** Every prompt config on the shape's workers, interleaved; a failed config gets a failure row. */
async function timeConfigs(name: ShapeName, workers: Worker[], o: Options, report: RealReport) {
  const tokenizer = await folderTokenizer(workers[0]!.dir);
  const read = async (path: string) => readRepoFile(path);
  const [probes, exemplars] = await Promise.all([loadProbes(read), loadExemplars(read)]);
  const split = splitPairs(probes, [o.warmup], [o.pairs]);
  const pairs = { warm: split.warm(o.warmup), timed: split.timed(o.pairs) };
  for (const config of CONFIG_NAMES) {
    try {
      const paths = await Promise.all(workers.map((w) => remotePath(w, config, tokenizer)));
      const runs = await timeConfig(paths, 'wasm', config, CONFIGS[config], exemplars, pairs);
      runs.forEach((run, i) =>
        report.runs.push({ ...run, shape: name, peakRssBytes: workers[i]!.peakRssBytes }),
      );
    } catch (error) {
      console.log(`[bench] FAILED ${name} ${config}: ${errorMessage(error)}`);
      report.failures.push({ shape: name, config, message: errorMessage(error) });
    }
  }
}

async function benchShape(name: ShapeName, o: Options, report: RealReport): Promise<void> {
  const shape = SHAPES[name];
  const layers = o.layers ?? shape.defaultLayers;
  console.log(`[bench] ${name}: generating ${layers} of ${shape.layersOfModel} layers`);
  const { value: folder, ms: generateMs } = await timed(async () =>
    ensureShapeFolder(shape, layers),
  );
  const info: ShapeInfo = {
    name,
    model: shape.model,
    layers,
    layersOfModel: shape.layersOfModel,
    tokenizer: shape.tokenizer,
    config: shapeConfig(shape, layers),
    weightBytes: folder.bytes,
    generateMs,
    ortVersion: null,
  };
  report.shapes.push(info);
  const workers: Worker[] = [];
  try {
    // One at a time: three 1 GB models read at once would triple the peak of the machine.
    for (const path of PATH_NAMES) {
      workers.push(await Worker.start({ dir: folder.dir, path, threads: o.threads }));
      console.log(`[bench] ${name}: ${path} loaded in ${workers.at(-1)!.loadMs.toFixed(0)} ms`);
    }
    info.ortVersion = workers[0]!.ortVersion;
    await timeConfigs(name, workers, o, report);
  } catch (error) {
    console.log(`[bench] FAILED ${name}: ${errorMessage(error)}`);
    report.failures.push({ shape: name, config: null, message: errorMessage(error) });
  } finally {
    for (const w of workers) w.stop();
  }
}

function write(report: RealReport): void {
  const markdown = markdownRealReport(report);
  writeFileSync(resolve(OUT_DIR, 'label-real.md'), markdown);
  console.log(`\n${markdown}`);
}

async function main(): Promise<void> {
  const o = options();
  if (!o) {
    write(JSON.parse(readRepoFile('bench-results/label-real.json')) as RealReport);
    console.log('Rewrote bench-results/label-real.md from bench-results/label-real.json');
    return;
  }
  const started = Date.now();
  const report: RealReport = {
    meta: {
      generatedAt: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverageAtStart: loadavg()[0]!,
      wallSeconds: 0,
      ...o,
    },
    shapes: [],
    runs: [] as RealRun[],
    failures: [],
  };
  for (const name of o.shapes) await benchShape(name, o, report);
  report.meta.wallSeconds = (Date.now() - started) / 1000;
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(resolve(OUT_DIR, 'label-real.json'), `${JSON.stringify(report, null, 2)}\n`);
  write(report);
  console.log('Wrote bench-results/label-real.json and bench-results/label-real.md');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
