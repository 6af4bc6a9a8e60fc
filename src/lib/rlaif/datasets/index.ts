// Load a preference dataset from whatever the user gave us: bytes -> lines -> records -> pairs.
// Streaming throughout, so a large file shows progress and never needs to be in memory twice;
// a bad line becomes a LineError with its number and never costs the good lines around it.

import type { DatasetFormat, LineError, ParseResult, PreferencePair, Task } from '../types';
import { csvHeader, csvRows, parseCsvRow, type CsvHeader } from './csv';
import { detectFormat } from './detect';
import { parseJson } from './fields';
import { parseHhRecord } from './hh';
import { DEFAULT_MAX_LINE_BYTES, readLines, type LineItem } from './lines';
import { parseNativeRecord } from './native';
import { parseOpenAiRecord } from './openai';
import { chunksOf, inputName, inputSize, metered, utf8Chunks, type DatasetInput } from './source';
import { parseTrlRecord } from './trl';

export type { DatasetInput } from './source';
export { detectFormat } from './detect';
export { exportCsv, exportLabelsJsonl, exportNativeJsonl, exportTrlJsonl } from './export';

export interface DatasetOptions {
  /** Skip detection and read the input as this format. */
  format?: DatasetFormat;
  /** Name for detection when the input is not a File (a File's own name is used otherwise). */
  fileName?: string;
  /** Task where the format has none (default: TRL helpful, HH-RLHF harmless, CSV summarization). */
  task?: Task;
  /** Seed for the per-line coin that orders chosen/rejected (TRL, HH-RLHF). Default 0. */
  seed?: number;
  /** Longest line kept, in bytes (default 50 MiB); CSV records spanning lines get the same cap. */
  maxLineBytes?: number;
  /** Called after each chunk read: bytes so far and the total when known. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Abort stops the read between chunks: the generator (or parseDataset) throws signal.reason. */
  signal?: AbortSignal;
}

/** What streamDataset yields: a good pair or a bad line, in file order. */
export type DatasetItem = { pair: PreferencePair } | { error: LineError };

/** How many non-blank lines detection may look at when the first ones are unreadable. */
const DETECT_WINDOW = 20;

/** Read a whole dataset: every good pair and every bad line. Empty input: no pairs, no errors. */
export async function parseDataset(
  input: DatasetInput,
  options: DatasetOptions = {},
): Promise<ParseResult> {
  const result: ParseResult = { pairs: [], errors: [] };
  for await (const item of streamDataset(input, options)) {
    if ('pair' in item) result.pairs.push(item.pair);
    else result.errors.push(item.error);
  }
  return result;
}

/** Stream a dataset, one pair or bad line at a time. */
export async function* streamDataset(
  input: DatasetInput,
  options: DatasetOptions = {},
): AsyncGenerator<DatasetItem> {
  const source = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const { onProgress, signal } = options;
  const bytes = metered(utf8Chunks(chunksOf(source)), {
    onProgress,
    signal,
    totalBytes: inputSize(source),
  });
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const lines = readLines(bytes, { maxLineBytes, keepBlank: true }); // CSV needs blank lines
  try {
    const fileName = options.fileName ?? inputName(input);
    const { seen, detection } = await sniff(lines, options.format, fileName);
    if ('reason' in detection) {
      yield* lineErrors(seen.filter((item) => item.line < detection.line));
      yield { error: { line: detection.line, reason: detection.reason } };
      return;
    }
    const all = replay(seen, lines);
    if (detection.format === 'csv') yield* csvItems(all, options, maxLineBytes);
    else yield* jsonItems(all, recordParser(detection.format, options));
  } finally {
    await lines.return(undefined); // stop reading (and cancel a stream) when the consumer stops
  }
}

type Sniffed = { format: DatasetFormat } | { line: number; reason: string };

/**
 * Read ahead to the first line that tells the format (an explicit format needs none). Everything
 * read is returned, to be replayed. Unreadable first lines are tried past, up to a window.
 */
async function sniff(
  lines: AsyncGenerator<LineItem>,
  format: DatasetFormat | undefined,
  fileName: string | undefined,
): Promise<{ seen: LineItem[]; detection: Sniffed }> {
  const seen: LineItem[] = [];
  if (format) return { seen, detection: { format } };
  let first: Sniffed | undefined;
  let tried = 0;
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    seen.push(next.value);
    if (!('text' in next.value) || next.value.text.trim() === '') continue;
    const detected = detectFormat(next.value.text, fileName);
    if ('format' in detected) return { seen, detection: detected };
    first ??= { line: next.value.line, reason: detected.reason };
    if (++tried === DETECT_WINDOW) break;
  }
  // Nothing readable at all (an empty file, say) is not an error: there is simply nothing to show.
  return { seen, detection: first ?? { format: 'native' } };
}

async function* replay(seen: LineItem[], rest: AsyncGenerator<LineItem>): AsyncGenerator<LineItem> {
  yield* seen;
  yield* rest;
}

function* lineErrors(items: LineItem[]): Generator<DatasetItem> {
  for (const item of items) if ('error' in item) yield { error: lineError(item) };
}

function lineError(item: { line: number; error: string }): LineError {
  return { line: item.line, reason: item.error };
}

type RecordParser = (record: unknown, line: number) => PreferencePair | string;

function recordParser(
  format: Exclude<DatasetFormat, 'csv'>,
  options: DatasetOptions,
): RecordParser {
  const pairOptions = { task: options.task, seed: options.seed };
  switch (format) {
    case 'openai-comparisons':
      return parseOpenAiRecord;
    case 'trl':
      return (record, line) => parseTrlRecord(record, line, pairOptions);
    case 'hh-rlhf':
      return (record, line) => parseHhRecord(record, line, pairOptions);
    case 'native':
      return parseNativeRecord;
  }
}

/** JSONL: one record per non-blank line. */
async function* jsonItems(
  lines: AsyncIterable<LineItem>,
  parse: RecordParser,
): AsyncGenerator<DatasetItem> {
  for await (const item of lines) {
    if ('error' in item) yield { error: lineError(item) };
    else if (item.text.trim() !== '') yield toItem(item.line, parsed(item.text, item.line, parse));
  }
}

function parsed(text: string, line: number, parse: RecordParser): PreferencePair | string {
  const json = parseJson(text);
  return 'reason' in json ? json.reason : parse(json.value, line);
}

function toItem(line: number, result: PreferencePair | string): DatasetItem {
  return typeof result === 'string' ? { error: { line, reason: result } } : { pair: result };
}

/** CSV: a header record, then one pair per record. A bad header stops the file (nothing maps). */
async function* csvItems(
  lines: AsyncIterable<LineItem>,
  options: DatasetOptions,
  maxChars: number,
): AsyncGenerator<DatasetItem> {
  let header: CsvHeader | undefined;
  for await (const row of csvRows(lines, maxChars)) {
    if ('error' in row) {
      yield { error: lineError(row) };
      if (!header) return;
    } else if (!header) {
      const read = csvHeader(row.fields);
      if (typeof read === 'string') {
        yield { error: { line: row.line, reason: read } };
        return;
      }
      header = read;
    } else {
      yield toItem(row.line, parseCsvRow(row.fields, header, row.line, { task: options.task }));
    }
  }
}
export {
  hfRowsUrl,
  HfRowsError,
  listHfSplits,
  loadHfRows,
  rowsToPairs,
  type HfDatasetRef,
  type HfLoadOptions,
  type HfLoadResult,
} from './hf-rows';
