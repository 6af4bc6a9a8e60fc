// Reading typed fields out of untyped records, with the reason a user needs when one is wrong.
// A parser throws RecordError from deep inside and `guard` catches it once per record, so each
// parser reads top to bottom like the format's documentation instead of a ladder of ifs.

import type { Choice, Defect, PreferencePair, Task } from '../types';

export type JsonObject = Record<string, unknown>;
export type Meta = Record<string, string | number | boolean>;

/** One record is unusable; the message is shown to the user next to its line number. */
export class RecordError extends Error {}

export function reject(reason: string): never {
  throw new RecordError(reason);
}

/** Run a record parser; its RecordError becomes the reason string. Any other error is a bug. */
export function guard(parse: () => PreferencePair): PreferencePair | string {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RecordError) return error.message;
    throw error;
  }
}

/** JSON's name for a value's type, as the user sees it in the file. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A bad value, short: 2, true, "x", or its kind for arrays and objects. */
export function shown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return kindOf(value);
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}

/** Parse one line of JSON, or say why not in the engine's own words. */
export function parseJson(text: string): { value: unknown } | { reason: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { reason: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export function asRecord(value: unknown): JsonObject {
  if (kindOf(value) !== 'object') reject(`record must be a JSON object, got ${kindOf(value)}`);
  return value as JsonObject;
}

// Hugging Face exports write null for an absent optional field, so null counts as absent.
export function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** A required field of any type. `path` names it as the user should look for it: "info.post". */
export function need(record: JsonObject, key: string, path = key): unknown {
  const value = record[key];
  if (!present(value)) reject(`missing field "${path}"`);
  return value;
}

export function string(record: JsonObject, key: string, path = key): string {
  const value = need(record, key, path);
  if (typeof value !== 'string') reject(`field "${path}" must be a string, got ${kindOf(value)}`);
  return value;
}

export function optionalString(record: JsonObject, key: string, path = key): string | undefined {
  return present(record[key]) ? string(record, key, path) : undefined;
}

export function object(record: JsonObject, key: string, path = key): JsonObject {
  const value = need(record, key, path);
  if (kindOf(value) !== 'object') reject(`field "${path}" must be an object, got ${kindOf(value)}`);
  return value as JsonObject;
}

export function optionalObject(record: JsonObject, key: string, path = key): JsonObject {
  return present(record[key]) ? object(record, key, path) : {};
}

export function array(record: JsonObject, key: string, path = key): unknown[] {
  const value = need(record, key, path);
  if (!Array.isArray(value)) reject(`field "${path}" must be an array, got ${kindOf(value)}`);
  return value;
}

export function optionalNumber(record: JsonObject, key: string, path = key): number | undefined {
  const value = record[key];
  if (!present(value)) return undefined;
  if (typeof value !== 'number') reject(`field "${path}" must be a number, got ${shown(value)}`);
  return value;
}

export function choice(record: JsonObject, key: string, path = key): Choice {
  const value = need(record, key, path);
  if (value !== 0 && value !== 1) reject(`field "${path}" must be 0 or 1, got ${shown(value)}`);
  return value;
}

export function optionalChoice(record: JsonObject, key: string, path = key): Choice | undefined {
  return present(record[key]) ? choice(record, key, path) : undefined;
}

// Records keyed by the union make the compiler check these lists against types.ts.
const TASKS: Record<Task, true> = { summarization: true, helpful: true, harmless: true };
const DEFECTS: Record<Defect, true> = {
  'factual-error': true,
  'missing-key-point': true,
  incoherence: true,
  verbosity: true,
  copying: true,
  'invented-detail': true,
  unhelpful: true,
  harmful: true,
};

export function isTask(value: unknown): value is Task {
  return typeof value === 'string' && Object.hasOwn(TASKS, value);
}

export function isDefect(value: unknown): value is Defect {
  return typeof value === 'string' && Object.hasOwn(DEFECTS, value);
}

/** Check a task value; `path` names the field in the message. */
export function checkTask(value: unknown, path: string): Task {
  if (!isTask(value))
    reject(`field "${path}" must be one of ${Object.keys(TASKS).join(', ')}, got ${shown(value)}`);
  return value;
}

export function checkDefect(value: unknown, path: string): Defect {
  if (!isDefect(value)) {
    reject(
      `field "${path}" must be one of ${Object.keys(DEFECTS).join(', ')}, got ${shown(value)}`,
    );
  }
  return value;
}

/** Keep only the entries that are present, so optional fields stay absent rather than undefined. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** An optional string, number or boolean, for a pair's `source.meta`. */
export function optionalScalar(
  record: JsonObject,
  key: string,
  path = key,
): string | number | boolean | undefined {
  const value = record[key];
  if (!present(value)) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  return reject(`field "${path}" must be a string, number or boolean, got ${kindOf(value)}`);
}

/** A pair's `source.meta` from fields that may be absent; absent ones are left out. */
export function metaFrom(fields: Record<string, string | number | boolean | undefined>): Meta {
  return compact(fields) as Meta;
}
