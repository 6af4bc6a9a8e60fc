// CSV (or TSV) with a header row. Records are assembled from lines by tracking quotes, so a quoted
// field may span lines and each record keeps the line it starts on; papaparse splits each record.
//
// Columns (header names are matched case-insensitively, surrounding spaces ignored):
//   context                          required (alias: prompt)
//   candidate_a, candidate_b         required (aliases: a / response_a, b / response_b)
//   choice      optional, 0-based like everywhere else: 0 or a = first, 1 or b = second
//   preferred   optional, 1-based like the labeling prompt: 1 or a = first, 2 or b = second
//               (read only where the row's "choice" cell is absent or empty)
//   id, task, confidence, defect     optional; id defaults to "csv-<line>"
// Any other column goes into source.meta as a string. Empty cells count as absent.

import Papa from 'papaparse';
import type { Choice, PreferencePair, Task } from '../types';
import { checkDefect, checkTask, compact, guard, reject, shown, type Meta } from './fields';
import type { LineItem } from './lines';

/** One record: its fields and the line it starts on, or why it could not be read. */
export type CsvRow = { line: number; fields: string[] } | { line: number; error: string };

const COLUMNS = {
  context: ['context', 'prompt'],
  candidate_a: ['candidate_a', 'a', 'response_a'],
  candidate_b: ['candidate_b', 'b', 'response_b'],
  choice: ['choice'],
  preferred: ['preferred'],
  id: ['id'],
  task: ['task'],
  confidence: ['confidence'],
  defect: ['defect'],
};
type Column = keyof typeof COLUMNS;
const REQUIRED: Column[] = ['context', 'candidate_a', 'candidate_b'];

/** Where each known column is, and the header's own names (for messages and meta keys). */
export interface CsvHeader {
  names: string[];
  index: Partial<Record<Column, number>>;
}

/** Read the header row, or say which required column is missing. */
export function csvHeader(fields: string[]): CsvHeader | string {
  const names = fields.map((name) => name.trim());
  const lower = names.map((name) => name.toLowerCase());
  const index: CsvHeader['index'] = {};
  for (const [column, aliases] of Object.entries(COLUMNS) as [Column, string[]][]) {
    const at = aliases.map((alias) => lower.indexOf(alias)).find((i) => i >= 0);
    if (at !== undefined) index[column] = at;
  }
  const missing = REQUIRED.find((column) => index[column] === undefined);
  if (!missing) return { names, index };
  const others = COLUMNS[missing].slice(1).map((alias) => `"${alias}"`);
  const also = others.length ? ` (or ${others.join(', ')})` : '';
  return `CSV header has no "${missing}" column${also}; found: ${names.join(', ')}`;
}

export interface CsvOptions {
  /** Task for rows without a "task" cell (default 'summarization'). */
  task?: Task;
}

/** One data row to a pair, or the reason it is unusable. */
export function parseCsvRow(
  fields: string[],
  header: CsvHeader,
  line: number,
  options: CsvOptions = {},
): PreferencePair | string {
  return guard(() => {
    if (fields.length !== header.names.length) {
      reject(`expected ${header.names.length} fields (as in the header), got ${fields.length}`);
    }
    const name = (column: Column) => header.names[header.index[column] ?? -1] ?? column;
    const cell = (column: Column) => {
      const value = fields[header.index[column] ?? -1];
      return value === undefined || value.trim() === '' ? undefined : value;
    };
    const required = (column: Column) => cell(column) ?? reject(`missing field "${name(column)}"`);
    const task = cell('task')?.trim();
    const defect = cell('defect')?.trim();
    return compact<PreferencePair>({
      id: cell('id')?.trim() ?? `csv-${line}`,
      task: task === undefined ? (options.task ?? 'summarization') : checkTask(task, name('task')),
      context: required('context'),
      candidates: [required('candidate_a'), required('candidate_b')],
      humanChoice: humanChoiceOf(cell, name),
      humanConfidence: confidenceOf(cell('confidence'), name('confidence')),
      defect: defect === undefined ? undefined : checkDefect(defect, name('defect')),
      source: compact({ format: 'csv' as const, line, meta: metaOf(fields, header) }),
    });
  });
}

const ZERO_BASED: Record<string, Choice> = { '0': 0, '1': 1, a: 0, b: 1 };
const ONE_BASED: Record<string, Choice> = { '1': 0, '2': 1, a: 0, b: 1 };

function humanChoiceOf(
  cell: (column: Column) => string | undefined,
  name: (column: Column) => string,
): Choice | undefined {
  const [column, allowed, words] =
    cell('choice') !== undefined
      ? (['choice', ZERO_BASED, '0, 1, a or b'] as const)
      : (['preferred', ONE_BASED, '1, 2, a or b'] as const);
  const value = cell(column)?.trim();
  if (value === undefined) return undefined;
  const choice = allowed[value.toLowerCase()];
  if (choice === undefined) reject(`field "${name(column)}" must be ${words}, got ${shown(value)}`);
  return choice;
}

function confidenceOf(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value.trim());
  if (!Number.isFinite(number)) reject(`field "${name}" must be a number, got ${shown(value)}`);
  return number;
}

/** Unknown columns, non-empty cells only, keyed by their header name. */
function metaOf(fields: string[], header: CsvHeader): Meta | undefined {
  const known = new Set(Object.values(header.index));
  const entries = header.names
    .map((name, i) => [name, fields[i] ?? ''] as const)
    .filter(([, value], i) => !known.has(i) && value.trim() !== '');
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/**
 * Assemble CSV records from lines. A record ends at a line break outside quotes; blank lines
 * between records are skipped. A record longer than `maxChars` (an unclosed quote, usually) is
 * reported, and reading resumes at the next line.
 */
export async function* csvRows(
  lines: AsyncIterable<LineItem>,
  maxChars: number,
): AsyncGenerator<CsvRow> {
  let delimiter: string | undefined;
  let parts: string[] = [];
  let start = 0; // line the open record starts on
  let size = 0;
  let inside = false; // inside a quoted field at the end of the last line
  const reset = () => {
    parts = [];
    size = 0;
    inside = false;
  };
  for await (const item of lines) {
    if ('error' in item) {
      yield item;
      if (parts.length)
        yield { line: start, error: `record broken by unreadable line ${item.line}` };
      reset();
      continue;
    }
    if (!parts.length && item.text.trim() === '') continue;
    if (!parts.length) start = item.line;
    delimiter ??= sniffDelimiter(item.text);
    parts.push(item.text);
    size += item.text.length + 1;
    inside = endsInsideQuotes(item.text, delimiter, inside);
    if (inside && size > maxChars) {
      yield {
        line: start,
        error: `record too long (over ${maxChars} characters; unclosed quote?)`,
      };
      reset();
    } else if (!inside) {
      yield splitRecord(parts.join('\n'), start, delimiter);
      reset();
    }
  }
  if (parts.length) yield { line: start, error: 'unterminated quoted field' };
}

/** Tab when the header has more tabs than commas, else comma. */
function sniffDelimiter(header: string): string {
  const count = (c: string) => header.split(c).length;
  return count('\t') > count(',') ? '\t' : ',';
}

/** Whether a line leaves us inside a quoted field: quotes open only at a field's start. */
export function endsInsideQuotes(text: string, delimiter: string, inside: boolean): boolean {
  if (!inside && !text.includes('"')) return false;
  let fieldStart = !inside;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inside) {
      if (c !== '"') continue;
      if (text[i + 1] === '"')
        i++; // "" is an escaped quote
      else inside = fieldStart = false;
    } else if (c === '"' && fieldStart) inside = true;
    else fieldStart = c === delimiter;
  }
  return inside;
}

function splitRecord(text: string, line: number, delimiter: string): CsvRow {
  const result = Papa.parse<string[]>(text, { delimiter, newline: '\n', quoteChar: '"' });
  const problem = result.errors[0];
  if (problem) return { line, error: `invalid CSV: ${problem.message}` };
  const [fields] = result.data;
  if (result.data.length !== 1 || !fields) return { line, error: 'invalid CSV: not one record' };
  return { line, fields };
}

/** Whether one line reads as a CSV header with the required columns (for format detection). */
export function isCsvHeader(line: string): boolean {
  const row = splitRecord(line, 1, sniffDelimiter(line));
  return 'fields' in row && typeof csvHeader(row.fields) !== 'string';
}
