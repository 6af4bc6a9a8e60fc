import { describe, expect, it } from 'vitest';
import { jsonEvents, LineSplitter } from '../../../../src/lib/engines/server/stream';
import { CancelledError } from '../../../../src/lib/rlaif/engine';

/** A body delivered in the given byte chunks, so boundaries fall where a test wants them. */
function chunked(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
}

function splitEvery(text: string, n: number): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += n) out.push(bytes.slice(i, i + n));
  return out;
}

async function collect(body: ReadableStream<Uint8Array>, format: 'sse' | 'ndjson') {
  const events: unknown[] = [];
  for await (const e of jsonEvents(body, format)) events.push(e);
  return events;
}

const SSE =
  ': keep-alive\n\ndata: {"content":"Hé","stop":false}\n\n' +
  'data: {"content":" ✓ x","stop":false}\r\n\r\n' +
  'data: {"content":"","stop":true,"stop_type":"eos"}\n\ndata: [DONE]\n\n';

describe('streamed JSON events', () => {
  it('reads SSE whatever the chunk boundaries, even inside a multi-byte character', async () => {
    const whole = await collect(chunked(splitEvery(SSE, 1 << 20)), 'sse');
    expect(whole).toEqual([
      { content: 'Hé', stop: false },
      { content: ' ✓ x', stop: false },
      { content: '', stop: true, stop_type: 'eos' },
    ]);
    for (const n of [1, 2, 3, 5, 7])
      expect(await collect(chunked(splitEvery(SSE, n)), 'sse')).toEqual(whole);
  });

  it('reads NDJSON, including a last line without a newline', async () => {
    const text = '{"response":"a","done":false}\n{"response":"b","done":true,"done_reason":"stop"}';
    for (const n of [1, 4, 100])
      expect(await collect(chunked(splitEvery(text, n)), 'ndjson')).toEqual([
        { response: 'a', done: false },
        { response: 'b', done: true, done_reason: 'stop' },
      ]);
  });

  it('keeps an unfinished line for the next chunk', () => {
    const lines = new LineSplitter();
    expect(lines.push('data: {"a"')).toEqual([]);
    expect(lines.push(':1}\ndata: {')).toEqual(['data: {"a":1}']);
    expect(lines.end()).toEqual(['data: {']);
  });

  it('cancelling closes the stream: the reader is cancelled and the loop ends with CancelledError', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: {"content":"x"}\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const controller = new AbortController();
    let seen = 0;
    const run = (async () => {
      for await (const event of jsonEvents(body, 'sse', controller.signal)) {
        expect(event).toEqual({ content: 'x' });
        if (++seen === 3) controller.abort();
      }
    })();
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(seen).toBe(3);
    expect(cancelled).toBe(true);
  });
});
