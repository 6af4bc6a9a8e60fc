// Where dataset bytes come from: a string, bytes, a File, a stream. Everything becomes one shape,
// an async iterable of UTF-8 byte chunks, so the line reader never cares what the user dropped in.

/** Anything a dataset can be read from. A File is a Blob (its name helps format detection). */
export type DatasetInput =
  | string
  | Uint8Array
  | ArrayBuffer
  | Blob
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string>;

/** Slice size for in-memory inputs: small enough for smooth progress, big enough to be cheap. */
export const CHUNK_BYTES = 1 << 20;

/** The input's size in bytes when it is known up front (for a progress bar), else undefined. */
export function inputSize(input: DatasetInput): number | undefined {
  if (typeof input === 'string') return undefined; // its UTF-8 length is only known once encoded
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return input.byteLength;
  if (input instanceof Blob) return input.size;
  return undefined;
}

/** The file name of a File (or anything Blob-like with a name), for format detection. */
export function inputName(input: DatasetInput): string | undefined {
  const name = (input as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** Make an async iterable of byte or string chunks from any supported input. */
export async function* chunksOf(input: DatasetInput): AsyncGenerator<Uint8Array | string> {
  if (typeof input === 'string') yield* slices(new TextEncoder().encode(input));
  else if (input instanceof Uint8Array) yield* slices(input);
  else if (input instanceof ArrayBuffer) yield* slices(new Uint8Array(input));
  else if (input instanceof Blob) yield* readStream(input.stream());
  else if (isReadableStream(input)) yield* readStream(input);
  else yield* input;
}

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += CHUNK_BYTES) {
    yield bytes.subarray(start, start + CHUNK_BYTES);
  }
}

// Read through a reader, not `for await`: not every browser makes ReadableStream async-iterable.
async function* readStream<T>(stream: ReadableStream<T>): AsyncGenerator<T> {
  const reader = stream.getReader();
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
  } finally {
    await reader.cancel().catch(() => {}); // stops the file read early when the consumer stops
    reader.releaseLock();
  }
}

function isReadableStream(input: object): input is ReadableStream<Uint8Array | string> {
  return typeof (input as ReadableStream).getReader === 'function';
}

/**
 * Encode string chunks as UTF-8 and pass byte chunks through. A string chunk may end in the first
 * half of a surrogate pair; it waits for the next chunk instead of becoming two U+FFFD.
 */
export async function* utf8Chunks(
  chunks: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  let carry = '';
  for await (const chunk of chunks) {
    if (typeof chunk !== 'string') {
      if (carry) yield encoder.encode(carry);
      carry = '';
      yield chunk;
      continue;
    }
    const text = carry + chunk;
    const last = text.charCodeAt(text.length - 1);
    const split = last >= 0xd800 && last <= 0xdbff; // a high surrogate: its partner is next
    carry = split ? text.slice(-1) : '';
    const whole = split ? text.slice(0, -1) : text;
    if (whole) yield encoder.encode(whole);
  }
  if (carry) yield encoder.encode(carry);
}

export interface MeterOptions {
  /** Called after each chunk with the bytes read so far and the total when known. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Stops reading between chunks by throwing the signal's reason (an AbortError by default). */
  signal?: AbortSignal;
  totalBytes?: number;
}

/** Count bytes for progress and honour an abort signal, between chunks. */
export async function* metered(
  chunks: AsyncIterable<Uint8Array>,
  options: MeterOptions,
): AsyncGenerator<Uint8Array> {
  const { onProgress, signal, totalBytes } = options;
  let bytesRead = 0;
  signal?.throwIfAborted();
  for await (const chunk of chunks) {
    signal?.throwIfAborted();
    bytesRead += chunk.length;
    onProgress?.(bytesRead, totalBytes);
    yield chunk;
  }
}
