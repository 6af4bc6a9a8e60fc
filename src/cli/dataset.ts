// The pairs a command works on: a dataset file read with the app's parsers (streamed from disk),
// or `probes`, the built-in probe set. Bad lines get the app's parse report, on stderr.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseDataset } from '../lib/rlaif/datasets';
import { parseReportLines } from '../lib/rlaif/datasets/report';
import type { Exemplar } from '../lib/rlaif/prompt';
import type { ParseResult, PreferencePair, Task } from '../lib/rlaif/types';
import { UsageError } from './args';

/** The dataset argument that means the built-in probe set (data/probes/). */
export const PROBES = 'probes';
const PROBE_FILES = ['data/probes/summarization.jsonl', 'data/probes/dialogue.jsonl'];

/** The dataset could not be read at all: nothing to label (exit code 1). */
export class NothingReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NothingReadError';
  }
}

/** The few-shot exemplars the app uses (data/exemplars.json), so config hashes match the app's. */
export function loadExemplars(): Record<Task, Exemplar[]> {
  return JSON.parse(readFileSync(dataPath('data/exemplars.json'), 'utf8')) as Record<
    Task,
    Exemplar[]
  >;
}

/** data/ lives beside src/ in the clone; found from this file, whatever the working directory. */
function dataPath(relative: string): string {
  return new URL(`../../${relative}`, import.meta.url).pathname;
}

async function readProbes(): Promise<ParseResult> {
  const result: ParseResult = { pairs: [], errors: [] };
  for (const file of PROBE_FILES) {
    const read = await parseDataset(readFileSync(dataPath(file), 'utf8'), { format: 'native' });
    result.pairs.push(...read.pairs);
    result.errors.push(...read.errors);
  }
  return result;
}

export interface ReadOptions {
  /** Task for formats without one (TRL, CSV): the parsers' own default when absent. */
  task?: Task;
  seed?: number;
  /** Where the parse report goes (stderr in the CLI). */
  report: (line: string) => void;
}

/** Read the pairs; report bad lines; throw NothingReadError only when no pair could be read. */
export async function readPairs(name: string, options: ReadOptions): Promise<PreferencePair[]> {
  let result: ParseResult;
  if (name === PROBES && !existsSync(name)) {
    result = await readProbes();
  } else {
    if (!existsSync(name)) throw new UsageError(`No such dataset file: ${name}`);
    result = await parseDataset(createReadStream(name), {
      fileName: basename(name),
      task: options.task,
      seed: options.seed,
    });
  }
  if (result.errors.length || !result.pairs.length) {
    for (const line of parseReportLines(result.errors, result.pairs.length)) options.report(line);
  }
  if (!result.pairs.length) throw new NothingReadError(`${name}: no pair could be read.`);
  return result.pairs;
}
