// Which format a file is in: a .csv/.tsv name says CSV; otherwise the first non-blank line decides,
// by the keys of its JSON object (or by reading as a CSV header). An explicit format skips this.

import type { DatasetFormat } from '../types';
import { isCsvHeader } from './csv';
import { kindOf } from './fields';

export type Detection = { format: DatasetFormat } | { reason: string };

const EXPECTED =
  'expected OpenAI comparisons (info, summaries, choice), TRL (prompt, chosen, rejected), ' +
  'HH-RLHF (chosen, rejected), native (id, task, context, candidates) or a CSV header';

/** Detect the format from the file name and the first non-blank line. */
export function detectFormat(firstLine: string, fileName?: string): Detection {
  if (/\.(csv|tsv)$/i.test(fileName ?? '')) return { format: 'csv' };
  const record = jsonObject(firstLine);
  if (record) return formatOfRecord(record);
  if (isCsvHeader(firstLine)) return { format: 'csv' };
  return { reason: `cannot tell the format: the first line is not a JSON object; ${EXPECTED}` };
}

function formatOfRecord(record: Record<string, unknown>): Detection {
  const has = (key: string) => key in record;
  if (has('info') && has('summaries')) return { format: 'openai-comparisons' };
  if (has('candidates')) return { format: 'native' };
  if (has('chosen') && has('rejected')) {
    // HH-RLHF is two transcript strings; message lists without a prompt are not something we read.
    return { format: has('prompt') || typeof record.chosen !== 'string' ? 'trl' : 'hh-rlhf' };
  }
  const keys = Object.keys(record).slice(0, 12).join(', ');
  return { reason: `cannot tell the format from the first record's keys (${keys}); ${EXPECTED}` };
}

function jsonObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return kindOf(value) === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
