// Pairs from the Hugging Face datasets-server (/rows), for datasets the user names by id, config
// and split. Each row is a JSON record, so it goes through the same format detection and record
// parsers as a JSONL file; rows with flat columns (context, candidate_a, ...) go through the CSV
// row parser. "Line" numbers are 1-based row numbers of the split (row_idx + 1).

import type { DatasetFormat, ParseResult, PreferencePair, Task } from '../types';
import { csvHeader, parseCsvRow, type CsvHeader } from './csv';
import { detectFormat } from './detect';
import { kindOf } from './fields';
import { parseHhRecord } from './hh';
import { parseNativeRecord } from './native';
import { parseOpenAiRecord } from './openai';
import { parseTrlRecord } from './trl';

export const HF_ROWS_URL = 'https://datasets-server.huggingface.co/rows';
/** The most rows the datasets-server returns per request. */
export const HF_PAGE_ROWS = 100;

/** One page of the /rows response (only the fields we read). */
export interface HfRowsPage {
  rows: { row_idx: number; row: Record<string, unknown>; truncated_cells?: string[] }[];
  num_rows_total?: number;
}

export interface HfDatasetRef {
  /** e.g. "Anthropic/hh-rlhf" */
  dataset: string;
  /** e.g. "default" */
  config: string;
  /** e.g. "test" */
  split: string;
}

export interface HfRowsOptions {
  /** Task where the format has none (TRL: helpful, HH-RLHF: harmless, flat columns: summarization). */
  task?: Task;
  /** Seed of the per-row coin ordering chosen/rejected (TRL, HH-RLHF). */
  seed?: number;
}

export interface HfLoadOptions extends HfRowsOptions {
  /** Read at most this many rows ("first N pairs"). */
  limit: number;
  /** First row to read (default 0). */
  offset?: number;
  /** Injectable for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Rows read so far and the split's size when the server says. */
  onProgress?: (rowsRead: number, totalRows: number | undefined) => void;
}

export interface HfLoadResult extends ParseResult {
  /** The format the rows were read as, once known. */
  format?: DatasetFormat;
  /** Rows in the split, as the server reports. */
  totalRows?: number;
}

/** The datasets-server said no, or could not be reached; the message says which and why. */
export class HfRowsError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HfRowsError';
  }
}

/** The /rows URL for one page. */
export function hfRowsUrl(ref: HfDatasetRef, offset: number, length: number): string {
  const params = new URLSearchParams({
    dataset: ref.dataset.trim(),
    config: ref.config.trim(),
    split: ref.split.trim(),
    offset: String(offset),
    length: String(length),
  });
  return `${HF_ROWS_URL}?${params}`;
}

/** A row reader for one format, fixed by the first row that tells it. */
type RowParser = (row: Record<string, unknown>, line: number) => PreferencePair | string;
type Reader = { format: DatasetFormat; parse: RowParser } | { reason: string };

/** Decide how to read rows from the first one: its JSON keys, or its columns as a CSV header. */
export function readerFor(row: Record<string, unknown>, options: HfRowsOptions = {}): Reader {
  const detected = detectFormat(JSON.stringify(row));
  const pairOptions = { task: options.task, seed: options.seed };
  if ('format' in detected) {
    switch (detected.format) {
      case 'openai-comparisons':
        return { format: 'openai-comparisons', parse: parseOpenAiRecord };
      case 'trl':
        return { format: 'trl', parse: (r, line) => parseTrlRecord(r, line, pairOptions) };
      case 'hh-rlhf':
        return { format: 'hh-rlhf', parse: (r, line) => parseHhRecord(r, line, pairOptions) };
      case 'native':
        return { format: 'native', parse: parseNativeRecord };
      case 'csv':
        break; // a JSON row never detects as CSV; flat columns are handled below
    }
  }
  const header = csvHeader(Object.keys(row));
  if (typeof header !== 'string') {
    return { format: 'csv', parse: (r, line) => flatRow(r, header, line, options.task) };
  }
  const reason = 'reason' in detected ? detected.reason : header;
  return { reason: `${reason} (columns: ${Object.keys(row).join(', ')})` };
}

/** A row of flat columns read like a CSV record: each cell as text, null as empty. */
function flatRow(
  row: Record<string, unknown>,
  header: CsvHeader,
  line: number,
  task: Task | undefined,
): PreferencePair | string {
  const fields = header.names.map((name) => cellText(row[name]));
  return parseCsvRow(fields, header, line, task ? { task } : {});
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value); // a nested value in a flat column: shown, and rejected by content
}

/**
 * Map one page of rows to pairs and bad rows. `reader` carries the format across pages; pass the
 * one returned by the previous page. A row the server truncated is reported, never guessed at.
 */
export function rowsToPairs(
  page: HfRowsPage,
  options: HfRowsOptions = {},
  reader?: Reader,
): ParseResult & { reader?: Reader } {
  const result: ParseResult = { pairs: [], errors: [] };
  if (!Array.isArray(page.rows)) {
    return { ...result, errors: [{ line: 0, reason: 'the response has no "rows" array' }] };
  }
  for (const { row_idx, row, truncated_cells } of page.rows) {
    const line = row_idx + 1;
    if (kindOf(row) !== 'object') {
      result.errors.push({ line, reason: `row must be an object, got ${kindOf(row)}` });
      continue;
    }
    reader ??= readerFor(row, options);
    const parsed = parseRow(row, line, reader, truncated_cells);
    if (typeof parsed === 'string') result.errors.push({ line, reason: parsed });
    else result.pairs.push(parsed);
  }
  return { ...result, reader };
}

function parseRow(
  row: Record<string, unknown>,
  line: number,
  reader: Reader,
  truncated: string[] | undefined,
): PreferencePair | string {
  if (truncated?.length) {
    return `the datasets-server truncated ${truncated.map((c) => `"${c}"`).join(', ')}; use the full file instead`;
  }
  return 'reason' in reader ? reader.reason : reader.parse(row, line);
}

/** Read the first `limit` rows (from `offset`) page by page and map them to pairs. */
export async function loadHfRows(ref: HfDatasetRef, options: HfLoadOptions): Promise<HfLoadResult> {
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const result: HfLoadResult = { pairs: [], errors: [] };
  let reader: Reader | undefined;
  let offset = options.offset ?? 0;
  let read = 0;
  while (read < options.limit) {
    const length = Math.min(HF_PAGE_ROWS, options.limit - read);
    const page = await fetchPage(fetchFn, hfRowsUrl(ref, offset, length), options.signal);
    const mapped = rowsToPairs(page, options, reader);
    reader = mapped.reader;
    result.pairs.push(...mapped.pairs);
    result.errors.push(...mapped.errors);
    result.totalRows = page.num_rows_total;
    read += page.rows.length;
    offset += page.rows.length;
    options.onProgress?.(read, page.num_rows_total);
    const end = page.num_rows_total !== undefined && offset >= page.num_rows_total;
    if (page.rows.length === 0 || end) break;
  }
  if (reader && 'format' in reader) result.format = reader.format;
  return result;
}

export const HF_SPLITS_URL = 'https://datasets-server.huggingface.co/splits';

/** Every config and split the datasets-server serves for `dataset`, in its order. */
export async function listHfSplits(
  dataset: string,
  options: { fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<HfDatasetRef[]> {
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const url = `${HF_SPLITS_URL}?${new URLSearchParams({ dataset: dataset.trim() })}`;
  const body = await fetchJson(fetchFn, url, options.signal);
  const splits = (body as { splits?: unknown }).splits;
  if (!Array.isArray(splits)) {
    throw new HfRowsError('The datasets-server answered without a "splits" list.', url);
  }
  return splits.flatMap((entry: unknown) => {
    const { config, split } = (entry ?? {}) as { config?: unknown; split?: unknown };
    return typeof config === 'string' && typeof split === 'string'
      ? [{ dataset: dataset.trim(), config, split }]
      : [];
  });
}

async function fetchPage(
  fetchFn: typeof fetch,
  url: string,
  signal: AbortSignal | undefined,
): Promise<HfRowsPage> {
  const body = await fetchJson(fetchFn, url, signal);
  if (!Array.isArray((body as HfRowsPage).rows)) {
    throw new HfRowsError('The datasets-server answered without a "rows" list.', url);
  }
  return body as HfRowsPage;
}

/** A JSON object from the datasets-server, or an HfRowsError saying why not. */
async function fetchJson(
  fetchFn: typeof fetch,
  url: string,
  signal: AbortSignal | undefined,
): Promise<object> {
  let response: Response;
  try {
    response = await fetchFn(url, { signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new HfRowsError(
      `Could not reach the Hugging Face datasets-server (offline, or blocked?): ${messageOf(error)}`,
      url,
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw new HfRowsError(httpMessage(response.status, body), url, response.status);
  if (kindOf(body) !== 'object') {
    throw new HfRowsError('The datasets-server answered with something other than JSON.', url);
  }
  return body as object;
}

/** The server's own words (its {"error": ...}) with what the status usually means. */
function httpMessage(status: number, body: unknown): string {
  const said = (body as { error?: unknown } | undefined)?.error;
  const detail = typeof said === 'string' ? `: ${said}` : '';
  const hint =
    status === 404
      ? ' Check the dataset id, config and split (gated and private datasets are not served).'
      : status === 429
        ? ' Too many requests: wait a minute and try again.'
        : '';
  return `The datasets-server answered ${status}${detail}.${hint}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
