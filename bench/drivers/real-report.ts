// bench-results/label-real.md: throughput, memory and the reuse speedup against its token bound
// per real shape and prompt config, with the conditions that produced them.
import type { LlamaConfig } from '../../scripts/models/llama.ts';
import { CONFIG_NAMES, type ConfigName, type RunResult } from '../pages/types.ts';
import { maxDiff, ratio } from './analysis.ts';
import type { ShapeName } from './real-shapes.ts';
import { num, table } from './report.ts';

export interface ShapeInfo {
  name: ShapeName;
  model: string;
  layers: number;
  layersOfModel: number;
  tokenizer: string;
  config: LlamaConfig;
  /** float32 parameter bytes. */
  weightBytes: number;
  generateMs: number;
  /** null until a worker has started onnxruntime-web. */
  ortVersion: string | null;
}

export interface RealRun extends RunResult {
  shape: ShapeName;
  /** The worker's RSS high-water mark after this config's pairs (it served earlier configs too). */
  peakRssBytes: number;
}

export interface RealReport {
  meta: {
    generatedAt: string;
    node: string;
    cpus: number;
    loadAverageAtStart: number;
    wallSeconds: number;
    shapes: ShapeName[];
    layers: number | null;
    pairs: number;
    warmup: number;
    threads: number;
  };
  shapes: ShapeInfo[];
  runs: RealRun[];
  failures: { shape: ShapeName; config: ConfigName | null; message: string }[];
}

const PATH_LABEL = (run: RunResult) =>
  run.reuse === null ? 'transformers.js' : run.reuse ? 'OnnxEngine, reuse' : 'OnnxEngine, no reuse';
const times = (value: number | null) => (value === null ? 'n/a' : `${num(value)}x`);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const sci = (value: number | null) => (value === null ? 'n/a' : value.toExponential(1));

function find(report: RealReport, shape: ShapeName, config: ConfigName, reuse: boolean | null) {
  return report.runs.find((r) => r.shape === shape && r.config === config && r.reuse === reuse);
}

function shapesTable(report: RealReport): string {
  const rows = report.shapes.map((s) => {
    const c = s.config;
    const heads = `${c.numHeads} / ${c.numKvHeads} kv, head_dim ${c.headDim}`;
    return [
      `${s.name} (${s.model})`,
      `${s.layers} of ${s.layersOfModel}`,
      `${c.hiddenSize}`,
      heads,
      `${c.intermediateSize}`,
      `${c.vocabSize}`,
      c.tieWordEmbeddings ? 'tied' : 'separate',
      mb(s.weightBytes),
      s.tokenizer,
    ];
  });
  const head = ['Shape', 'Layers', 'Hidden', 'Heads', 'MLP', 'Vocab', 'lm_head', 'fp32 weights'];
  return table([...head, 'Tokenizer'], rows);
}

function throughputTable(report: RealReport): string {
  const rows = report.runs.map((r) => {
    const sPerPair = r.timedMs / r.pairs / 1000;
    const computed = r.tokens.computedPerPair ?? 0;
    return [
      r.shape,
      r.config,
      PATH_LABEL(r),
      `${r.pairs}`,
      `**${num(sPerPair)}**`,
      num(r.medianMsPerPair / 1000),
      num(r.pairsPerSecond),
      num(computed * r.pairsPerSecond),
      num(r.tokens.promptPerOrderMean),
      num(computed),
      mb(r.peakRssBytes),
      num(r.loadMs / 1000),
    ];
  });
  const head = ['Shape', 'Config', 'Path', 'Pairs', 's/pair', 'Median s/pair', 'Pairs/s'];
  const more = ['Prefill tok/s', 'Prompt tok/order', 'Tok computed/pair', 'Peak RSS', 'Load s'];
  return table([...head, ...more], rows);
}

function ratiosTable(report: RealReport): string {
  const rows = report.shapes.flatMap(({ name }) =>
    CONFIG_NAMES.map((config) => {
      const reuse = find(report, name, config, true);
      const naive = find(report, name, config, false);
      const peer = find(report, name, config, null);
      const speedup = ratio(reuse?.pairsPerSecond, naive?.pairsPerSecond);
      const bound = ratio(naive?.tokens.computedPerPair, reuse?.tokens.computedPerPair);
      return [
        name,
        config,
        `**${times(speedup)}**`,
        times(bound),
        num(ratio(speedup, bound)),
        times(ratio(reuse?.pairsPerSecond, peer?.pairsPerSecond)),
        times(ratio(naive?.pairsPerSecond, peer?.pairsPerSecond)),
        sci(maxDiff(reuse, naive)),
        sci(maxDiff(reuse, peer)),
      ];
    }),
  );
  const head = ['Shape', 'Config', 'Reuse / no reuse', 'Token bound', 'Speedup / bound'];
  const more = ['Reuse / transformers.js', 'No reuse / transformers.js'];
  return table([...head, ...more, 'Max Δ reuse vs none', 'Max Δ vs transformers.js'], rows);
}

export function markdownRealReport(report: RealReport): string {
  const m = report.meta;
  const ort = report.shapes.find((s) => s.ortVersion)?.ortVersion ?? '?';
  const failures = report.failures.map(
    (f) => `- FAILED ${f.shape}${f.config ? ` ${f.config}` : ''}: ${f.message}`,
  );
  return [
    '# Labeling throughput at real model shapes (`npm run bench:label:real`)',
    '',
    `Generated ${m.generatedAt} in Node ${m.node} on ${m.cpus} CPUs (load average ${m.loadAverageAtStart.toFixed(1)} at the start${m.loadAverageAtStart > m.cpus / 2 ? ': other work was running' : ''}); the whole bench took ${m.wallSeconds.toFixed(0)} s. ` +
      `onnxruntime-web ${ort}, WASM EP, ${m.threads} threads, for every path (transformers.js 4.3.1 runs on the same onnxruntime-web instance). ` +
      `${m.warmup} warm-up + ${m.pairs} timed probe pairs per config, both orders per pair (debias on), paths interleaved pair by pair, each path in its own process.`,
    '',
    '## Shapes (random weights, generated at bench time, never committed)',
    '',
    shapesTable(report),
    '',
    '## Throughput',
    '',
    throughputTable(report),
    '',
    '## Reuse speedup against its token bound',
    '',
    ratiosTable(report),
    '',
    ...(failures.length ? ['## Failures', '', ...failures, ''] : []),
    '## Notes',
    '',
    '- s/pair: mean over the timed pairs; Prefill tok/s: tokens the path ran (Tok computed/pair) times pairs/s. Token bound: tokens computed without reuse over with it, the reuse speedup if time were proportional to tokens; Speedup / bound above 1 means reuse gained more than the tokens it saved (the shorter forward passes also cost less per token: attention and the logits of every position).',
    "- Peak RSS: the worker process's high-water mark (process.resourceUsage().maxRSS) after the config's pairs, including its model load and, for Detailed, the Base pairs before it. It counts the model file read into JS as well as the WASM heap.",
    '- Δ: max |difference| of the "1"/"2" log-probs over the same pairs and orders; random weights at real width give large logits, so differences of 1e-4 or so are float32 rounding over long prompts.',
    ...(ANALYSIS ? ['', '## What dominates at real width', '', ANALYSIS] : []),
    '',
  ].join('\n');
}

/** Written for the committed run of 2026-12-01T20:29Z: a rerun regenerates the tables, not this. */
const ANALYSIS = [
  'Written for the committed run of 2026-12-01T20:29Z on an otherwise idle 2-core machine (a rerun regenerates the tables above, not this text). An earlier run at 19:48Z under a load average of 6-10 gave 5-9x the times and ratios 15-35% lower.',
  '',
  '- **The lm_head dominates, over every position.** These graphs, like fp32 exports without `num_logits_to_keep`, compute the logits of every position: hidden x vocab = 28.3M multiply-adds per token at SmolLM2 (a layer is 3.5M: 57% of this 6-layer graph, 21% of the full 30 layers) and 136M at Qwen2.5 (a layer is 14.9M: 82% of this 2-layer graph, 28% of the full 24). Reuse saves whole tokens, but the prefix chunks it does run still compute [chunk, vocab] logits nobody reads. At the ~20-26 G multiply-adds/s measured here (prefill tok/s x per-token work, attention not counted) one long forward call takes a second or more: the per-call overhead that dominated the tiny model (milliseconds) no longer matters, the matrix products do.',
  "- **Reuse gains nearly all of its token bound:** Detailed 2-shot 4.95x (SmolLM2) and 5.01x (Qwen2.5) against bounds of 5.39x and 5.23x; Base 0-shot 1.55x (bound 1.63x) and 1.78x (bound 1.65x). The issue's author measured 5.2x against 4.9x (Detailed) and 1.68x against 1.55x (Base) with 6 SmolLM2 layers; with reuse 1.70 and 1.52 s/pair there, 1.93 and 1.77 s/pair here. Two timed pairs per config: read the ratios to about +-10%.",
  '- **Against transformers.js** (same onnxruntime-web, same graph, same tokens, full prompt per order), the OnnxEngine with reuse is 4.9-5.0x faster on Detailed 2-shot and 1.6-1.8x on Base 0-shot; without reuse the two are the same within 2%, as they should be: the same graph runs the same tokens.',
  "- **Memory is the weights plus the every-position logits.** A worker peaks at 1.2-2.6 GiB (SmolLM2) and 4.0-5.0 GiB (Qwen2.5): the model bytes read in JS, their copy in the WASM heap, the session's weights, and [seq, vocab] float32 logits copied out of the heap per call (916 x 151936 floats = 531 MiB for one Qwen2.5 Detailed order without reuse). The reuse path peaks lowest: its calls are prefix chunks of 256 tokens and short continuations.",
  '- **What would help most at this width:** a graph that computes logits only where they are read (`num_logits_to_keep`, which the engine feeds where a graph declares it, or last-row-only exports), then fewer float32 bytes per weight (q8/q4 variants).',
].join('\n');
