// bench-results/label.md: the tables a reader needs, with the conditions that produced them
// (which adapter, how many threads, how many pairs), since numbers from SwiftShader or from a
// 2-core machine mean little without them.
import { CONFIG_NAMES, type PageResult, type RunResult, type RuntimeInfo } from '../pages/types.ts';
import type { Agreement, BenchReport, Ratio } from './analysis.ts';

const PATH_NAMES = {
  reuse: 'OnnxEngine, prefix reuse',
  naive: 'OnnxEngine, no reuse',
  peer: 'transformers.js, full prompt',
};

/** Three significant digits for rates and ratios; whole numbers for ms and tokens. */
export function num(value: number | null | undefined, digits = 3): string {
  if (value == null || !Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 10 ** digits) return value.toFixed(0);
  return value.toPrecision(digits);
}

const times = (value: number | null) => (value === null ? 'n/a' : `${num(value)}x`);
const whole = (value: number | null | undefined) => (value == null ? 'n/a' : value.toFixed(0));
const sci = (value: number | null) => (value === null ? 'n/a' : value.toExponential(1));

export function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function pathName(run: RunResult): string {
  if (run.reuse === null) return PATH_NAMES.peer;
  return run.reuse ? PATH_NAMES.reuse : PATH_NAMES.naive;
}

function runtime(info: RuntimeInfo | undefined): string {
  return info ? `${info.version ?? '?'}, ${info.numThreads ?? '?'} threads` : 'not run';
}

function environmentTable(pages: PageResult[]): string {
  const rows = pages.map(({ plan, environment: e }) => {
    const a = e.adapter;
    const adapter = a
      ? `${a.vendor} / ${a.architecture}${a.isFallbackAdapter ? ' (fallback adapter)' : ''}`
      : 'none';
    return [
      plan.ep,
      runtime(e.runtimes.onnx),
      runtime(e.runtimes.transformers),
      String(e.crossOriginIsolated),
      adapter,
      CONFIG_NAMES.map((c) => `${plan.warmup[c]} + ${plan.pairs[c]}`).join(', '),
      plan.peerConfigs.join(', ') || 'none',
    ];
  });
  const head = ['Page', 'App onnxruntime-web', "transformers.js's onnxruntime-web"];
  const more = ['crossOriginIsolated', 'WebGPU adapter', 'Pairs: warm-up + timed (Base, Detailed)'];
  return table([...head, ...more, 'transformers.js configs'], rows);
}

function throughputTable(pages: PageResult[]): string {
  const rows = pages
    .flatMap((p) => p.runs)
    .map((r) => [
      r.ep,
      r.config,
      pathName(r),
      String(r.pairs),
      `**${num(r.pairsPerSecond)}**`,
      whole(r.timedMs / r.pairs),
      whole(r.medianMsPerPair),
      whole(r.loadMs),
      whole(r.warmupMs),
      whole(r.tokens.promptPerOrderMean),
      whole(r.tokens.datasetPrefix),
      whole(r.tokens.pairPrefixMean),
      whole(r.tokens.computedPerPair),
      num(r.forwardCallsPerPair),
    ]);
  const head = ['EP', 'Config', 'Path', 'Timed pairs', 'Pairs/s', 'ms/pair', 'Median ms/pair'];
  const tokens = ['Prompt tok/order', 'Dataset-prefix tok', 'Pair-prefix tok'];
  const rest = ['Tok computed/pair', 'Forward calls/pair'];
  return table([...head, 'Load ms', 'Warm-up ms', ...tokens, ...rest], rows);
}

function ratioTable(ratios: Ratio[]): string {
  const rows = ratios.map((r) => [
    r.ep,
    r.config,
    `**${times(r.reuseSpeedup)}**`,
    `>= ${r.target}x`,
    r.met === null ? 'n/a' : r.met ? 'yes' : '**no**',
    times(r.tokenSaving),
    times(r.reuseVsTransformers),
    times(r.noReuseVsTransformers),
  ]);
  const head = ['EP', 'Config', 'Reuse / no reuse', 'Target', 'Met', 'Tokens saved'];
  return table([...head, 'Reuse / transformers.js', 'No reuse / transformers.js'], rows);
}

function agreementTable(agreement: Agreement[]): string {
  const rows = agreement.map((a) => [
    a.ep,
    a.config,
    sci(a.reuseVsNoReuse),
    sci(a.transformersVsOnnx),
  ]);
  return table(['EP', 'Config', 'Reuse vs no reuse', 'transformers.js vs OnnxEngine'], rows);
}

function failures(pages: PageResult[]): string {
  const all = pages.flatMap((p) => p.failures);
  if (!all.length) return '';
  const lines = all.map(
    (f) => `- ${f.suite} on ${f.ep}${f.config ? `, ${f.config}` : ''}: ${f.message}`,
  );
  return `\n## Failures\n\n${lines.join('\n')}\n`;
}

function pairCounts(page: PageResult | undefined): string {
  if (!page) return 'not run';
  return CONFIG_NAMES.map((c) => `${page.plan.pairs[c]} (${c})`).join(' and ');
}

function notes(report: BenchReport): string {
  const page = (ep: string) => report.pages.find((p) => p.plan.ep === ep);
  const skipped = report.pages[0]?.environment.skippedPairs ?? [];
  const lines = [
    'Pairs/s: probe pairs labeled one after another, both orders per pair (debias on), in steady ' +
      'state. Untimed: session creation (Load), the warm-up pairs (first runs, WebGPU shader ' +
      'compilation) and, with reuse, the dataset prefix, which a real dataset computes once for ' +
      'all its pairs. The paths run interleaved pair by pair on the same pairs, so load from other ' +
      'processes on the machine falls on all of them alike; Median ms/pair shows how noisy it was.',
    'One engine per reuse mode serves both configs of a page, so the shaders compiled while ' +
      'warming up for the first config serve the second as well. Load is per engine; the first ' +
      "engine's (prefix reuse) includes starting onnxruntime-web (fetching and compiling its WASM), " +
      "and transformers.js's includes reading the model files.",
    'Tok computed/pair: tokens the engine ran per pair (engine.stats.tokensComputed); for ' +
      'transformers.js, both full prompts. Tokens saved (no reuse over reuse) is what the reuse ' +
      'speedup would be if time were proportional to tokens: each order repeats both candidates, ' +
      'so only the dataset prefix and the context can be shared.',
    `Timed pairs per config: WASM ${pairCounts(page('wasm'))}; WebGPU ${pairCounts(page('webgpu'))}. ` +
      'WebGPU here is SwiftShader, a CPU emulation tens of times slower than the WASM EP, so it ' +
      'gets far fewer pairs: its ratios are rough and its absolute figures say nothing about a real GPU.',
  ];
  if (skipped.length) {
    const limit = report.pages[0]?.environment.maxPositions;
    lines.push(
      `Left out: ${skipped.length} probe pairs whose Detailed 2-shot prompt needs more than the ` +
        `model's ${limit} positions (${skipped.join(', ')}).`,
    );
  }
  lines.push(
    'The model is the embedded tiny Llama (2 layers, hidden 64, vocabulary 512, fp32): per-call ' +
      'overheads weigh far more than on a real model, where time grows with tokens computed.',
  );
  return lines.map((l) => `- ${l}`).join('\n');
}

export function markdownReport(report: BenchReport): string {
  const { meta } = report;
  return `# Labeling throughput (\`npm run bench:label\`)

Generated ${meta.generatedAt} in headless Chromium ${meta.chromium} (Node ${meta.node}); the whole
bench took ${Math.round(meta.wallSeconds)} s. Model \`models/tiny-llama\`, task summarization, probe
pairs from \`data/probes/summarization.jsonl\`, exemplars from \`data/exemplars.json\`.

## Environment

${environmentTable(report.pages)}

## Throughput

${throughputTable(report.pages)}

## Speedups

${ratioTable(report.ratios)}

## Agreement (max |difference| of the "1"/"2" log-probs, same pairs)

${agreementTable(report.agreement)}

## Notes

${notes(report)}
${failures(report.pages)}`;
}
