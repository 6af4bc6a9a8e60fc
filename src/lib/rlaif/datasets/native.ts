// The project's own JSONL, one pair per line, and what the built-in probes use:
// {"id", "task", "context", "candidates": [a, b], "choice"?: 0|1, "confidence"?, "defect"?,
//  "meta"?: {flat strings, numbers, booleans}}.

import type { PreferencePair } from '../types';
import {
  asRecord,
  checkDefect,
  checkTask,
  compact,
  guard,
  kindOf,
  need,
  optionalChoice,
  optionalNumber,
  optionalObject,
  optionalScalar,
  present,
  reject,
  string,
  type JsonObject,
  type Meta,
} from './fields';

/** One native record to a pair, or the reason it is unusable. */
export function parseNativeRecord(value: unknown, line: number): PreferencePair | string {
  return guard(() => {
    const record = asRecord(value);
    return compact<PreferencePair>({
      id: string(record, 'id'),
      task: checkTask(need(record, 'task'), 'task'),
      context: string(record, 'context'),
      candidates: candidatesOf(record.candidates),
      humanChoice: optionalChoice(record, 'choice'),
      humanConfidence: optionalNumber(record, 'confidence'),
      defect: present(record.defect) ? checkDefect(record.defect, 'defect') : undefined,
      source: compact({ format: 'native' as const, line, meta: metaOf(record) }),
    });
  });
}

function candidatesOf(value: unknown): [string, string] {
  if (value === undefined || value === null) reject('missing field "candidates"');
  if (Array.isArray(value) && value.length === 2) {
    const [a, b] = value as unknown[];
    if (typeof a === 'string' && typeof b === 'string') return [a, b];
  }
  return reject(`"candidates" must be an array of two strings, got ${describe(value)}`);
}

/** "array of 3 items", "[string, number]", or the kind: what the user actually wrote. */
function describe(value: unknown): string {
  if (!Array.isArray(value)) return kindOf(value);
  if (value.length !== 2) return `an array of ${value.length} items`;
  return `[${value.map(kindOf).join(', ')}]`;
}

/** meta: a flat object of strings, numbers and booleans, or absent. */
function metaOf(record: JsonObject): Meta | undefined {
  if (!present(record.meta)) return undefined;
  const meta = optionalObject(record, 'meta');
  const entries = Object.keys(meta).map((key) => [key, optionalScalar(meta, key, `meta.${key}`)]);
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as Meta;
}
