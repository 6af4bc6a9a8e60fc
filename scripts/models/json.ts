// A JSON writer with the layout of JSON.stringify(value, null, 2), except that Maps keep their
// insertion order. Plain objects put integer-like keys ("1", "10") first, which would scramble a
// BPE vocabulary written in id order.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json } | JsonMap;
export type JsonMap = Map<string, Json>;

/** Serialise `value` with two-space indentation and a trailing newline. */
export function toJson(value: Json): string {
  return write(value, '') + '\n';
}

function write(value: Json, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + write(item, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  if (entries.length === 0) return '{}';
  const lines = entries.map(
    ([key, item]) => `${inner}${JSON.stringify(key)}: ${write(item, inner)}`,
  );
  return `{\n${lines.join(',\n')}\n${indent}}`;
}
