// `rlaif-lab label`: label a dataset file into a resumable labels JSONL, then summarise it.
import { writeFileSync } from 'node:fs';
import { BatchLabelError, runBatch } from '../../lib/rlaif/batch';
import { exportCsv, exportTrlJsonl } from '../../lib/rlaif/datasets/export';
import { CancelledError } from '../../lib/rlaif/engine';
import { createLabeler, labelingConfigHash } from '../../lib/rlaif/labeler';
import type { PairLabel } from '../../lib/rlaif/types';
import { choice, flag, integer, parse, text, UsageError, type Options } from '../args';
import { labelingConfig, PROMPT_HELP, PROMPT_OPTIONS, taskOf } from '../config';
import { loadExemplars, PROBES, readPairs } from '../dataset';
import { ENGINE_HELP, loadEngine, parseEngineSpec, parseVariant } from '../engine';
import { LabelsWriter, recoverLabels } from '../output';
import { progressSink } from '../progress';
import { summarize, summaryJson, summaryText } from '../summary';
import { printer, type Io } from './io';

export const LABEL_USAGE = `Usage: rlaif-lab label <dataset-file | ${PROBES}> --engine onnx:<folder|hub-id> [options]

Labels every pair of a dataset (OpenAI TL;DR comparisons, TRL, HH-RLHF, CSV or the app's JSONL;
"${PROBES}" is the built-in probe set) and appends each label to --out as it is made. Run the same
command again to resume: pairs already labelled there under the same model and settings are
skipped. At the end it prints a summary (alignment with humans, position bias, calibration).

Output:
  --out <file>            labels JSONL, the app's labels export format (default labels.jsonl)
  --summary-json <file>   also write the summary as JSON
  --export trl|csv        also write the labelled pairs as TRL preference JSONL or CSV
  --export-out <file>     where --export writes (default: --out with .trl.jsonl or .csv)
  --limit <n>             label only the first n pairs of the task
  --no-group              label in file order (default: pairs sharing a context back to back,
                          so its KV cache is computed once)
  --sync-every <n>        fsync the output every n labels (default 1: every label)
  --concurrency <n>       requests in flight; the ONNX engine runs one at a time (1)

${ENGINE_HELP}

${PROMPT_HELP}

Exit status: 0 done (or nothing to do), 1 nothing could be read or the engine failed,
2 a usage mistake, 130 interrupted (rerun to resume).`;

const OPTIONS: Options = {
  ...PROMPT_OPTIONS,
  engine: { type: 'string' },
  variant: { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string' },
  'summary-json': { type: 'string' },
  export: { type: 'string' },
  'export-out': { type: 'string' },
  limit: { type: 'string' },
  'no-group': { type: 'boolean' },
  'sync-every': { type: 'string' },
  concurrency: { type: 'string' },
};

function exportPath(out: string, kind: 'trl' | 'csv'): string {
  const stem = out.replace(/\.jsonl$/, '');
  return kind === 'trl' ? `${stem}.trl.jsonl` : `${stem}.csv`;
}

export async function labelCommand(argv: string[], io: Io): Promise<number> {
  const args = parse(argv, OPTIONS, LABEL_USAGE);
  const out = printer(io.stdout);
  const err = printer(io.stderr);
  if (flag(args, 'help')) {
    out(LABEL_USAGE);
    return 0;
  }
  const [datasetName, ...extra] = args.positionals;
  if (!datasetName || extra.length) {
    throw new UsageError('Give exactly one dataset file (or "probes").', LABEL_USAGE);
  }
  const spec = parseEngineSpec(text(args, 'engine'));
  const variant = parseVariant(text(args, 'variant'));
  const threads = integer(args, 'threads', 1, 1, 64);
  if (integer(args, 'concurrency', 1, 1) > 1) {
    throw new UsageError('The ONNX engine runs one request at a time: --concurrency must be 1.');
  }
  const exportKind = text(args, 'export') && choice(args, 'export', ['trl', 'csv'] as const, 'trl');
  const outPath = text(args, 'out') ?? 'labels.jsonl';
  const limit = integer(args, 'limit', Infinity, 1);
  const syncEvery = integer(args, 'sync-every', 1, 1);

  // The pairs of one task (a run labels one task with one prompt, as in the app).
  const task0 = text(args, 'task') ? taskOf(args, undefined) : undefined;
  const read = await readPairs(datasetName, { task: task0, report: err });
  const task = taskOf(args, read[0]?.task);
  const ofTask = read.filter((p) => p.task === task);
  if (ofTask.length < read.length) {
    err(`${read.length - ofTask.length} pairs of other tasks skipped (this run labels ${task}).`);
  }
  const pairs = ofTask.slice(0, limit);
  if (new Set(pairs.map((p) => p.id)).size < pairs.length) {
    throw new UsageError(`${datasetName} repeats pair ids: resuming by id needs them unique.`);
  }

  const config = labelingConfig(args, task);
  const exemplars = loadExemplars()[task] ?? [];
  const ids = { modelId: spec.source, configHash: labelingConfigHash(config, exemplars) };

  // What the output already holds: this config's labels count as done.
  const opened = recoverLabels(outPath);
  if (opened.tornBytes) {
    err(
      `${outPath}: dropped a torn last line (${opened.tornBytes} bytes, from a killed run); that pair is labelled again.`,
    );
  }
  const mine = (l: PairLabel) => l.modelId === ids.modelId && l.configHash === ids.configHash;
  const previous = opened.labels.filter(mine);
  const others = opened.labels.length - previous.length;
  if (others) err(`${outPath}: ${others} labels of other models or settings are kept and ignored.`);
  const inRun = new Set(pairs.map((p) => p.id));
  const labels = previous.filter((l) => inRun.has(l.pairId));
  const done = new Set(labels.map((l) => l.pairId));

  let stats = null;
  let labelledNow = 0;
  let pairsPerSecond = 0;
  let seconds = 0;
  let cpuSeconds = 0;
  if (done.size === pairs.length) {
    out(
      `Nothing to do: all ${pairs.length} pairs are already labelled in ${outPath} (config ${ids.configHash}).`,
    );
  } else {
    err(
      `Labelling ${pairs.length - done.size} of ${pairs.length} pairs into ${outPath} (config ${ids.configHash}); loading ${spec.source}…`,
    );
    const engine = await loadEngine(spec, { variant, threads });
    const labeler = createLabeler(engine, config, exemplars);
    const writer = new LabelsWriter(outPath, syncEvery);
    const progress = progressSink(io.stderr);
    const started = performance.now();
    const cpu = process.cpuUsage();
    try {
      const result = await runBatch({
        labeler,
        pairs,
        labelled: done,
        groupContexts: !flag(args, 'no-group'),
        signal: io.signal,
        onLabel: (label) => {
          writer.append(label);
          labels.push(label);
        },
        onProgress: (p) => {
          progress.update(p);
          pairsPerSecond = p.pairsPerSecond;
        },
      });
      labelledNow = result.labelled;
      seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      cpuSeconds = (used.user + used.system) / 1e6;
    } catch (error) {
      progress.done();
      writer.close();
      await engine.dispose();
      if (error instanceof CancelledError) {
        err(`Stopped. The labels made so far are in ${outPath}: run the same command to resume.`);
        return 130;
      }
      if (error instanceof BatchLabelError) {
        err(`${error.message}\nThe labels before it are in ${outPath}: rerun to retry from there.`);
        return 1;
      }
      throw error;
    }
    progress.done();
    writer.close();
    stats = { ...engine.stats };
    await engine.dispose();
  }

  const run = {
    labelled: labelledNow,
    skipped: pairs.length - labelledNow,
    seconds,
    pairsPerSecond,
    cpuSeconds,
  };
  const summary = summarize(pairs, labels, ids, run, stats);
  for (const line of summaryText(summary)) out(line);
  const jsonPath = text(args, 'summary-json');
  if (jsonPath) writeFileSync(jsonPath, summaryJson(summary));
  if (exportKind) {
    const path = text(args, 'export-out') ?? exportPath(outPath, exportKind);
    writeFileSync(
      path,
      exportKind === 'trl' ? exportTrlJsonl(pairs, labels) : exportCsv(pairs, labels),
    );
    out(`Wrote ${path} (${exportKind}).`);
  }
  return 0;
}
