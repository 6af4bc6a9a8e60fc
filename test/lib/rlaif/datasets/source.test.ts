import { describe, expect, it } from 'vitest';
import {
  CHUNK_BYTES,
  chunksOf,
  inputName,
  inputSize,
  metered,
  utf8Chunks,
} from '../../../../src/lib/rlaif/datasets/source';
import { bytesOf, collect, strings, utf8 } from './helpers';

const joined = async (input: Parameters<typeof chunksOf>[0]) =>
  new TextDecoder().decode(bytesOf(...(await collect(utf8Chunks(chunksOf(input))))));

describe('chunksOf', () => {
  it('reads strings, bytes, ArrayBuffers, Blobs, ReadableStreams and async iterables alike', async () => {
    const text = 'héllo\nwörld\n';
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(utf8('hél'));
        controller.enqueue(utf8('lo\nwörld\n'));
        controller.close();
      },
    });
    expect(await joined(text)).toBe(text);
    expect(await joined(utf8(text))).toBe(text);
    expect(await joined(utf8(text).buffer)).toBe(text);
    expect(await joined(new Blob([text]))).toBe(text);
    expect(await joined(stream)).toBe(text);
    expect(await joined(strings('hé', 'llo\nwörld\n'))).toBe(text);
  });

  it('slices big in-memory inputs so progress can move', async () => {
    const chunks = await collect(chunksOf(new Uint8Array(CHUNK_BYTES * 2 + 5)));
    expect(chunks.map((c) => c.length)).toEqual([CHUNK_BYTES, CHUNK_BYTES, 5]);
  });

  it('cancels a ReadableStream when the reader stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(utf8('more\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const chunk of chunksOf(stream)) {
      expect(chunk).toBeInstanceOf(Uint8Array);
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe('inputName and inputSize', () => {
  it('knows a File by its name and size, and little about the rest', () => {
    const file = new File(['{}\n'], 'pairs.jsonl');
    expect(inputName(file)).toBe('pairs.jsonl');
    expect(inputSize(file)).toBe(3);
    expect(inputName(new Blob(['x']))).toBeUndefined();
    expect(inputSize(new Uint8Array(7))).toBe(7);
    expect(inputSize(strings('x'))).toBeUndefined();
  });
});

describe('metered', () => {
  it('reports cumulative bytes and the total', async () => {
    const seen: [number, number | undefined][] = [];
    const chunks = (async function* () {
      yield utf8('abc');
      yield utf8('de');
    })();
    await collect(
      metered(chunks, { totalBytes: 5, onProgress: (n, total) => seen.push([n, total]) }),
    );
    expect(seen).toEqual([
      [3, 5],
      [5, 5],
    ]);
  });

  it('throws the abort reason between chunks', async () => {
    const controller = new AbortController();
    const chunks = (async function* () {
      yield utf8('a');
      controller.abort();
      yield utf8('b');
    })();
    const read: number[] = [];
    const run = async () => {
      for await (const chunk of metered(chunks, { signal: controller.signal }))
        read.push(chunk[0]!);
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(read).toEqual([0x61]);
  });
});
