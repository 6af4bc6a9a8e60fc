// `rlaif-lab label`: label a dataset file into a resumable labels JSONL, then summarise it.
import { writeFileSync } from 'node:fs';
import { BatchLabelError, runBatch } from '../../lib/rlaif/batch';
import { exportCsv, exportTrlJsonl } from '../../lib/rlaif/datasets/export';
import { CancelledError } from '../../lib/rlaif/engine';
import type { EngineStats } from '../../lib/engines/onnx/engine';
import type { OnnxVariant } from '../../lib/engines/onnx/model-files';
import { createLabeler, labelingConfigHash, type LabelingConfig } from '../../lib/rlaif/labeler';
import type { Exemplar } from '../../lib/rlaif/prompt';
import type { PairLabel, PreferencePair } from '../../lib/rlaif/types';
import { choice, flag, integer, parse, text, UsageError, type Options, type Parsed } from '../args';
import { labelingConfig, PROMPT_HELP, PROMPT_OPTIONS, taskOf } from '../config';
import { loadExemplars, PROBES, readPairs } from '../dataset';
import {
  ENGINE_HELP,
  loadEngine,
  parseEngineSpec,
  parseVariant,
  SERVER_KINDS,
  type EngineSpec,
  type ServerFlags,
} from '../engine';
import { LabelsWriter, lockOutput, resumeFrom } from '../output';
import { progressSink } from '../progress';
import { summarize, summaryJson, summaryText, type RunStats } from '../summary';
import { printer, type Io } from './io';

export const LABEL_USAGE = `Usage: rlaif-lab label <dataset-file | ${PROBES}> --engine onnx:<folder|hub-id>|server:<url> [options]

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
  --concurrency <n>       pairs in flight; the ONNX engine runs one at a time (1), a server
                          engine takes more (both orders of each pair go out together)

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
  'server-kind': { type: 'string' },
  'server-model': { type: 'string' },
  tokenizer: { type: 'string' },
};

const EXPORTS = ['trl', 'csv'] as const;

function exportPath(out: string, kind: 'trl' | 'csv'): string {
  const stem = out.replace(/\.jsonl$/, '');
  return kind === 'trl' ? `${stem}.trl.jsonl` : `${stem}.csv`;
}

/** Everything a run needs once the command line is read. */
interface Job {
  args: Parsed;
  io: Io;
  spec: EngineSpec;
  variant: OnnxVariant;
  threads: number;
  server: ServerFlags;
  config: LabelingConfig;
  exemplars: Exemplar[];
  ids: { modelId: string; configHash: string };
  pairs: PreferencePair[];
  outPath: string;
  exportKind: 'trl' | 'csv' | undefined;
}

export async function labelCommand(argv: string[], io: Io): Promise<number> {
  const args = parse(argv, OPTIONS, LABEL_USAGE);
  if (flag(args, 'help')) {
    printer(io.stdout)(LABEL_USAGE);
    return 0;
  }
  const [datasetName, ...extra] = args.positionals;
  if (!datasetName || extra.length) {
    throw new UsageError('Give exactly one dataset file (or "probes").', LABEL_USAGE);
  }
  const spec = parseEngineSpec(text(args, 'engine'));
  const variant = parseVariant(text(args, 'variant'));
  const threads = integer(args, 'threads', 1, 1, 64);
  const server = serverFlags(args, spec);
  if (spec.kind === 'onnx' && server.concurrency > 1) {
    throw new UsageError('The ONNX engine runs one request at a time: --concurrency must be 1.');
  }
  const pairs = await pairsOfRun(args, datasetName, printer(io.stderr));
  const task = pairs[0]!.task;
  const config = labelingConfig(args, task);
  const exemplars = loadExemplars()[task] ?? [];
  // A server's labels carry the served model's name when given, else the server's URL.
  const modelId = spec.kind === 'server' ? (server.model ?? spec.source) : spec.source;
  server.modelId = modelId;
  const ids = { modelId, configHash: labelingConfigHash(config, exemplars) };
  const outPath = text(args, 'out') ?? 'labels.jsonl';
  const exportKind = text(args, 'export') ? choice(args, 'export', EXPORTS, 'trl') : undefined;
  const job: Job = {
    args,
    io,
    spec,
    variant,
    threads,
    server,
    config,
    exemplars,
    ids,
    pairs,
    outPath,
    exportKind,
  };

  const release = lockOutput(outPath);
  try {
    // What the output already holds: this model's labels under this config count as done.
    const labels = resumeFrom(
      outPath,
      { ...ids, pairIds: pairs.map((p) => p.id) },
      printer(io.stderr),
    );
    const made = await labelRest(job, labels);
    if (typeof made === 'number') return made;
    report(job, labels, made);
    return 0;
  } finally {
    release();
  }
}

/** Server flags; the API key only from the environment (a flag would land in shell history). */
function serverFlags(args: Parsed, spec: EngineSpec): ServerFlags {
  const flags: ServerFlags = {
    kind: choice(args, 'server-kind', SERVER_KINDS, 'auto'),
    model: text(args, 'server-model'),
    tokenizer: text(args, 'tokenizer'),
    concurrency: integer(args, 'concurrency', 1, 1, 256),
    apiKey: process.env.RLAIF_SERVER_API_KEY || undefined,
  };
  const serverOnly = ['server-kind', 'server-model', 'tokenizer'].filter((f) => text(args, f));
  if (spec.kind === 'onnx' && serverOnly.length)
    throw new UsageError(`--${serverOnly[0]} is for --engine server:<url> only.`);
  if (spec.kind === 'server' && !flags.tokenizer)
    throw new UsageError(
      "--engine server: needs --tokenizer <folder|hub-id>, the served model's tokenizer.json, " +
        'so prompts are the exact ids the model expects.',
    );
  return flags;
}

/** The pairs of one task (a run labels one task with one prompt, as in the app), --limit applied. */
async function pairsOfRun(args: Parsed, datasetName: string, err: (line: string) => void) {
  const asked = text(args, 'task') ? taskOf(args, undefined) : undefined;
  const read = await readPairs(datasetName, { task: asked, report: err });
  const task = taskOf(args, read[0]?.task);
  const ofTask = read.filter((p) => p.task === task);
  if (ofTask.length < read.length) {
    err(`${read.length - ofTask.length} pairs of other tasks skipped (this run labels ${task}).`);
  }
  if (!ofTask.length) throw new UsageError(`${datasetName} has no ${task} pairs.`);
  const pairs = ofTask.slice(0, integer(args, 'limit', Infinity, 1));
  if (new Set(pairs.map((p) => p.id)).size < pairs.length) {
    throw new UsageError(`${datasetName} repeats pair ids: resuming by id needs them unique.`);
  }
  return pairs;
}

/**
 * Label the pairs not yet in `labels` (appending each to it and to the file), or say there is
 * nothing to do. Returns this run's figures, or an exit code when it stopped early.
 */
async function labelRest(job: Job, labels: PairLabel[]): Promise<RunFigures | number> {
  const { args, io, pairs, outPath, ids } = job;
  const done = new Set(labels.map((l) => l.pairId));
  if (done.size === pairs.length) {
    printer(io.stdout)(
      `Nothing to do: all ${pairs.length} pairs are already labelled in ${outPath} (config ${ids.configHash}).`,
    );
    return {
      run: { labelled: 0, skipped: pairs.length, seconds: 0, pairsPerSecond: 0, cpuSeconds: 0 },
      engine: null,
    };
  }
  const err = printer(io.stderr);
  err(
    `Labelling ${pairs.length - done.size} of ${pairs.length} pairs into ${outPath} (config ${ids.configHash}); loading ${job.spec.source}…`,
  );
  const { engine, stats } = await loadEngine(job.spec, {
    variant: job.variant,
    threads: job.threads,
    server: job.server,
  });
  const writer = new LabelsWriter(outPath, integer(args, 'sync-every', 1, 1));
  const progress = progressSink(io.stderr);
  const started = performance.now();
  const cpu = process.cpuUsage();
  let pairsPerSecond = 0;
  try {
    const result = await runBatch({
      labeler: createLabeler(engine, job.config, job.exemplars),
      pairs,
      labelled: done,
      groupContexts: !flag(args, 'no-group'),
      concurrency: job.server.concurrency,
      signal: io.signal,
      onLabel: (label) => {
        writer.append(label); // on disk before the next pair starts
        labels.push(label);
      },
      onProgress: (p) => {
        progress.update(p);
        pairsPerSecond = p.pairsPerSecond;
      },
    });
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = (used.user + used.system) / 1e6;
    const skipped = pairs.length - result.labelled;
    const run = { labelled: result.labelled, skipped, seconds, pairsPerSecond, cpuSeconds };
    return { run, engine: stats() };
  } catch (error) {
    if (error instanceof CancelledError) {
      progress.done();
      err(`Stopped. The labels made so far are in ${outPath}: run the same command to resume.`);
      return 130;
    }
    if (error instanceof BatchLabelError) {
      progress.done();
      err(`${error.message}\nThe labels before it are in ${outPath}: rerun to retry from there.`);
      return 1;
    }
    throw error;
  } finally {
    progress.done();
    writer.close();
    await engine.dispose();
  }
}

interface RunFigures {
  run: RunStats;
  engine: EngineStats | null;
}

/** The summary (text, and JSON with --summary-json) and the --export file. */
function report(job: Job, labels: PairLabel[], made: RunFigures): void {
  const { args, pairs, outPath } = job;
  const out = printer(job.io.stdout);
  const summary = summarize(pairs, labels, job.ids, made.run, made.engine);
  for (const line of summaryText(summary)) out(line);
  const jsonPath = text(args, 'summary-json');
  if (jsonPath) writeFileSync(jsonPath, summaryJson(summary));
  const kind = job.exportKind;
  if (!kind) return;
  const path = text(args, 'export-out') ?? exportPath(outPath, kind);
  writeFileSync(path, kind === 'trl' ? exportTrlJsonl(pairs, labels) : exportCsv(pairs, labels));
  out(`Wrote ${path} (${kind}).`);
}
