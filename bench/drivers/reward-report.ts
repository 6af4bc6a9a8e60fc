// bench-results/reward.md: live scoring latency against the 50 ms/keystroke budget, the one-time
// embedding and the training per epoch, with the conditions that produced them (adapter, threads,
// sample sizes), since numbers from SwiftShader or a 2-core machine mean little without them.
import type { LatencyStats, RewardPageResult, TrainTiming } from '../pages/reward-types.ts';
import type { Ep } from '../pages/types.ts';
import type { Meta } from './analysis.ts';
import type { RealShapeResult, RealShapeRun } from './reward-real.ts';

/** What live scoring may cost per keystroke on the WASM EP (the requirement). */
export const LIVE_BUDGET_MS = 50;

export interface RewardReport {
  meta: Meta;
  pages: RewardPageResult[];
  /** The page's training repeated in Node on the WASM page's embeddings; null when not run. */
  nodeTrain: TrainTiming | null;
  /** Live scoring at all-MiniLM-L6-v2's shape in Node; absent in reports from before it. */
  realShape?: RealShapeResult | null;
}

/** Three significant digits; whole numbers from 1,000 up. */
function num(value: number | null | undefined, digits = 3): string {
  if (value == null || !Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 10 ** digits) return value.toFixed(0);
  return value.toPrecision(digits);
}

const times = (value: number | null) => (value === null ? 'n/a' : `${num(value)}x`);

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const pageOf = (report: RewardReport, ep: Ep) => report.pages.find((p) => p.plan.ep === ep);

/** Whether the WASM page's new-response scoring stayed under budget: median and p95 both. */
export function liveVerdict(report: RewardReport): boolean | null {
  const cold = pageOf(report, 'wasm')?.live?.cold;
  if (!cold) return null;
  return cold.medianMs < LIVE_BUDGET_MS && cold.p95Ms < LIVE_BUDGET_MS;
}

function environmentTable(pages: RewardPageResult[]): string {
  const rows = pages.map(({ plan, environment: e, loadMs }) => {
    const a = e.adapter;
    const adapter = a
      ? `${a.vendor} / ${a.architecture}${a.isFallbackAdapter ? ' (fallback adapter)' : ''}`
      : 'none';
    const ort = e.runtimes.onnx;
    return [
      plan.ep,
      ort ? `${ort.version ?? '?'}, ${ort.numThreads ?? '?'} threads` : 'n/a',
      String(e.hardwareConcurrency),
      String(e.crossOriginIsolated),
      adapter,
      num(loadMs.encoder),
      num(loadMs.head),
    ];
  });
  const head = ['Page', 'onnxruntime-web', 'hardwareConcurrency', 'crossOriginIsolated'];
  return table([...head, 'WebGPU adapter', 'Encoder load ms', 'Head load ms'], rows);
}

function latencyRow(ep: Ep, what: string, s: LatencyStats, budget: boolean): string[] {
  const under = s.medianMs < LIVE_BUDGET_MS && s.p95Ms < LIVE_BUDGET_MS;
  const verdict = budget ? (under ? 'yes' : '**no**') : '';
  const cells = [s.medianMs, s.p95Ms, s.meanMs, s.minMs, s.maxMs].map((x) => num(x));
  return [ep, what, String(s.samples), `**${cells[0]}**`, ...cells.slice(1), verdict];
}

function liveTable(pages: RewardPageResult[]): string {
  const rows = pages.flatMap(({ plan, live }) => {
    if (!live) return [];
    const typed = `new response (${live.responseTokens.min}-${live.responseTokens.max} tok)`;
    return [
      latencyRow(plan.ep, typed, live.cold, plan.ep === 'wasm'),
      latencyRow(plan.ep, 'cached text', live.cached, false),
    ];
  });
  const head = ['EP', 'Scoring', 'Calls', 'Median ms', 'p95 ms', 'Mean ms', 'Min ms', 'Max ms'];
  return table([...head, `< ${LIVE_BUDGET_MS} ms (WASM)`], rows);
}

function embedTable(pages: RewardPageResult[]): string {
  const rows = pages.flatMap(({ plan, embed }) => {
    if (!embed) return [];
    const all = `${embed.estimated ? '~' : ''}${num(embed.allPairsMs / 1000)}`;
    return [
      [
        plan.ep,
        String(embed.pairs),
        String(embed.texts),
        String(embed.tokens),
        String(embed.paddedTokens),
        num(embed.ms),
        num(embed.textsPerSecond),
        `**${all}**${embed.estimated ? ' (estimate)' : ''}`,
      ],
    ];
  });
  const head = ['EP', 'Pairs embedded', 'Texts', 'Tokens', 'Padded positions', 'ms', 'Texts/s'];
  return table([...head, `All ${pages[0]?.plan.pairs ?? '?'} pairs, s`], rows);
}

function trainTable(runs: TrainTiming[]): string {
  const rows = runs.map((t) => [
    t.where === 'browser' ? 'Chromium page (WASM page, main thread)' : 'Node',
    `${t.pairs} (${t.trainPairs} train / ${t.valPairs} val)`,
    String(t.hidden),
    String(t.batchSize),
    String(t.epochs),
    num(t.firstEpochMs),
    `**${num(t.medianEpochMs)}**`,
    num(t.meanEpochMs),
  ]);
  const head = ['Where', 'Pairs', 'Hidden', 'Batch', 'Epochs', 'First epoch ms'];
  return table(
    [...head, 'Median epoch ms (after the first)', 'Mean epoch ms (after the first)'],
    rows,
  );
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0
    ? a / b
    : null;

function ratioTable(report: RewardReport): string {
  const wasm = pageOf(report, 'wasm');
  const gpu = pageOf(report, 'webgpu');
  const perText = (p: RewardPageResult | undefined) =>
    p?.embed ? p.embed.ms / p.embed.texts : undefined;
  const rows = [
    ['Live scoring, new response (median)', gpu?.live?.cold.medianMs, wasm?.live?.cold.medianMs],
    ['Live scoring, cached text (median)', gpu?.live?.cached.medianMs, wasm?.live?.cached.medianMs],
    ['Embedding, ms per text', perText(gpu), perText(wasm)],
    ['Encoder load', gpu?.loadMs.encoder, wasm?.loadMs.encoder],
  ] as const;
  return table(
    ['Measure', 'WebGPU / WASM (time; > 1: WebGPU slower)'],
    rows.map(([what, g, w]) => [what, `**${times(ratio(g, w))}**`]),
  );
}

function failures(pages: RewardPageResult[]): string {
  const all = pages.flatMap((p) => p.failures.map((f) => `- ${p.plan.ep}: ${f}`));
  return all.length ? `\n## Failures\n\n${all.join('\n')}\n` : '';
}

function verdictLine(report: RewardReport): string {
  const verdict = liveVerdict(report);
  const cold = pageOf(report, 'wasm')?.live?.cold;
  if (verdict === null || !cold)
    return `Live scoring under ${LIVE_BUDGET_MS} ms on WASM: not measured.`;
  return (
    `Live scoring under ${LIVE_BUDGET_MS} ms per keystroke on WASM: **${verdict ? 'yes' : 'no'}** ` +
    `(new response each keystroke: median ${num(cold.medianMs)} ms, p95 ${num(cold.p95Ms)} ms ` +
    `over ${cold.samples} edits).`
  );
}

function notes(report: RewardReport): string {
  const gpu = pageOf(report, 'webgpu');
  const wasm = pageOf(report, 'wasm');
  const lines = [
    'Live scoring: `RewardModel.score(context, response)` with the embedded tiny encoder ' +
      '(`models/tiny-encoder`, BERT, 2 layers, hidden 64, fp32) and a head of the size training ' +
      "gives (`initHead(64, 32, 7)`, exported with `headToOnnx`), both sessions on the page's EP. " +
      'The context (a probe post) is embedded by an untimed first call; then each timed call ' +
      'scores one more keystroke of a probe summary typed character by character (the last ' +
      'characters of the text, so the longest prefixes), each a response the encoder has not seen: ' +
      'one encoder pass on the response, the pair features, one head run. Untimed warm-up edits ' +
      'type another summary first. "Cached text" scores the final text again: encoder cache hits, ' +
      'features and the head run only. p95 is the nearest rank: of 30 calls the 2nd slowest, of ' +
      '8 or fewer the slowest.',
    `Keystrokes timed: WASM ${wasm?.live?.cold.samples ?? 'n/a'}, WebGPU ` +
      `${gpu?.live?.cold.samples ?? 'n/a'}. WebGPU here is SwiftShader (a CPU emulation, the ` +
      'fallback adapter), so it gets fewer edits; its figures say nothing about a real GPU, and ' +
      'every new response length can mean new shapes for the WebGPU EP to prepare.',
    'Embedding: `embedPairs` over the training set, every text distinct (probe posts and ' +
      'summaries cycled, each tagged with its pair number), so 3 encoder passes per pair, in ' +
      'batches of up to 32 sorted by length (a new batch where a text is over 1.5x the shortest in its batch), each padded to its longest text. An estimate scales the ' +
      'time of a sample spread evenly over the set by the padded positions of the whole set over ' +
      "the sample's; the sample pays first-run costs (on WebGPU, preparing shaders for its " +
      'shapes) that the whole run pays once, so it leans high.',
    'Training: `fitHead` with its defaults (hidden 32, batch 32, AdamW, 20% validation split) ' +
      "for a fixed number of epochs (no early stop), on the WASM page's embeddings, in the page's " +
      "main thread and again in Node. An epoch includes the validation pass and fitHead's yields " +
      'to the event loop (about every 30 ms; in the browser a nested setTimeout(0) waits ~4 ms). ' +
      'The arithmetic is plain TypeScript, the same whichever EP the page uses.',
    "Threads: onnxruntime-web's WASM threads as loadOrt sets them (min(4, cores) when " +
      'crossOriginIsolated) unless `--threads` says otherwise; the table shows what ran. The ' +
      'bench runs one page at a time on a shared machine; median and p95 show how noisy it was.',
  ];
  return lines.map((l) => `- ${l}`).join('\n');
}

function realRow(run: RealShapeRun, tiny: RealShapeRun): string[] {
  const { cold } = run;
  const under = cold.medianMs < LIVE_BUDGET_MS && cold.p95Ms < LIVE_BUDGET_MS;
  const a = run.accuracy;
  return [
    run.encoder === tiny.encoder ? 'tiny-encoder (2 x 64)' : 'MiniLM-L6 shape',
    `${run.variant} (\`${run.file}\`, ${num(run.megabytes)} MB)`,
    `**${num(cold.medianMs)}**`,
    num(cold.p95Ms),
    under ? 'yes' : '**no**',
    num(run.coldCpu?.medianMs),
    times(ratio(cold.medianMs, tiny.cold.medianMs)),
    num(run.newPair.medianMs),
    num(run.cached.medianMs),
    a
      ? `${a.minCosine.toFixed(5)} / ${a.maxAbsDiff.toExponential(1)} / ${a.maxRewardDiff.toExponential(1)}`
      : '(reference)',
  ];
}

/** One line for the top of the report: which variants meet the budget at the real shape. */
function realVerdict(real: RealShapeResult | null | undefined): string {
  if (!real) return '';
  const cells = real.runs.map((run) => {
    const { medianMs, p95Ms } = run.cold;
    const ok = medianMs < LIVE_BUDGET_MS && p95Ms < LIVE_BUDGET_MS;
    return `${run.variant} ${ok ? 'yes' : '**no**'} (median ${num(medianMs)} ms, p95 ${num(p95Ms)} ms)`;
  });
  return `\nAt all-MiniLM-L6-v2's shape (Node, onnxruntime-web WASM, ${real.threads} threads): ${cells.join('; ')}.\n`;
}

/** The real-shape section: per variant, per keystroke, against the tiny encoder. */
export function realShapeSection(real: RealShapeResult | null | undefined): string {
  if (!real) return '';
  const s = real.shape;
  const rows = [...real.runs, real.tiny].map((run) => realRow(run, real.tiny));
  const head = ['Encoder', 'Variant', 'New response median ms', 'p95 ms', `< ${LIVE_BUDGET_MS} ms`];
  const rest = ['CPU median ms', 'Median vs tiny', 'New pair median ms', 'Cached median ms'];
  return `
## Live scoring at all-MiniLM-L6-v2's shape (Node, onnxruntime-web WASM)

Graph generated at bench time (never committed): ${s.numLayers} layers, hidden ${s.hiddenSize},
${s.numHeads} heads, intermediate ${s.intermediateSize}, vocabulary ${s.vocabSize}, ${s.maxPositions}
positions; ${real.runtime}, ${real.threads} threads, not a browser page (the page would need the
~90 MB graph served). Context ${real.contextTokens} tokens (cached), responses
${real.responseTokens.min}-${real.responseTokens.max} tokens; ${real.runs[0]?.cold.samples ?? 0}
keystrokes per variant; run ${real.generatedAt ?? '?'}, in ${Math.round(real.wallSeconds)} s, with a
1-minute load average of ${num(real.loadAverage?.before)} before and ${num(real.loadAverage?.after)}
after on ${real.cores ?? '?'} cores (wall times stretch with it; CPU ms much less).

${table([...head, ...rest, 'vs fp32: min cosine / max abs diff / max reward diff'], rows)}

- New response: \`RewardModel.score(context, response)\` per keystroke, the context's embedding
  cached, the response run alone at its own length (no padding). New pair: both sides new (a
  newly opened post), embedded in one encoder call (one batch when their lengths are within 1.5x,
  else two runs, so a short response is never padded to a long context). Cached: both cached.
- int8 / uint8: dynamic quantization as onnxruntime's quantize_dynamic writes published
  \`model_int8.onnx\` / \`model_uint8.onnx\` (per-tensor weights, DynamicQuantizeLinear +
  MatMulInteger); embeddings, LayerNorm and attention stay float32. Accuracy: the same texts'
  unit embeddings and rewards (same head) against the fp32 graph.
- CPU ms: this process's CPU time per new-response call (all its threads), which other load on
  the machine does not inflate the way it inflates wall time; the budget is on wall time.
`;
}

export function markdownReport(report: RewardReport): string {
  const { meta } = report;
  const trains = [
    ...report.pages.flatMap((p) => (p.train ? [p.train] : [])),
    ...(report.nodeTrain ? [report.nodeTrain] : []),
  ];
  return `# Reward model latency and training (\`npm run bench:reward\`)

Generated ${meta.generatedAt} in headless Chromium ${meta.chromium} (Node ${meta.node}); the whole
bench took ${Math.round(meta.wallSeconds)} s. Encoder \`models/tiny-encoder\`, texts from
\`data/probes/summarization.jsonl\`.

${verdictLine(report)}
${realVerdict(report.realShape)}
## Environment

${environmentTable(report.pages)}

## Live scoring latency per (context, response)

${liveTable(report.pages)}

## One-time embedding of the training pairs

${embedTable(report.pages)}

## Head training per epoch (embeddings precomputed)

${trainTable(trains)}

## WebGPU / WASM

${ratioTable(report)}

## Notes

${notes(report)}
${realShapeSection(report.realShape)}${failures(report.pages)}`;
}
