// Small builders for the dataset tests: chunked inputs, JSONL text, and collecting generators.

/** Drain an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Bytes cut at the given offsets (sorted, deduplicated, clamped), as an async iterable. */
export async function* cutAt(bytes: Uint8Array, offsets: number[]): AsyncGenerator<Uint8Array> {
  const cuts = [...new Set(offsets.map((o) => Math.min(Math.max(o, 0), bytes.length)))];
  cuts.sort((a, b) => a - b);
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.slice(start, cut);
    start = cut;
  }
}

/** Every chunk of exactly one byte: the harshest chunking. */
export async function* byteByByte(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i++) yield bytes.slice(i, i + 1);
}

/** String chunks, given as they are. */
export async function* strings(...chunks: string[]): AsyncGenerator<string> {
  yield* chunks;
}

export const utf8 = (text: string) => new TextEncoder().encode(text);

/** Concatenate byte arrays (and strings, UTF-8 encoded). */
export function bytesOf(...parts: (Uint8Array | number[] | string)[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === 'string' ? utf8(p) : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/** JSONL text from records: one JSON.stringify per line, LF ends. */
export const jsonl = (...records: unknown[]) =>
  records.map((r) => `${JSON.stringify(r)}\n`).join('');

/** What this engine's JSON.parse says about `text` (messages differ between engines). */
export function jsonMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return `invalid JSON: ${(error as Error).message}`;
  }
  throw new Error(`expected ${text} to be invalid JSON`);
}
