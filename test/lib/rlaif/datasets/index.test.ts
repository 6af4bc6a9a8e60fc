import { describe, expect, it } from 'vitest';
import { parseDataset, streamDataset } from '../../../../src/lib/rlaif/datasets/index';
import { byteByByte, bytesOf, collect, jsonl, jsonMessage, utf8 } from './helpers';

const native = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  task: 'helpful',
  context: `context ${id}`,
  candidates: [`a ${id}`, `b ${id}`],
  ...extra,
});
const pairOf = (id: string, line: number) => ({
  id,
  task: 'helpful',
  context: `context ${id}`,
  candidates: [`a ${id}`, `b ${id}`],
  source: { format: 'native', line },
});

describe('parseDataset on JSONL', () => {
  it('keeps every good line and lists every bad one, exactly', async () => {
    const good = (id: string) => JSON.stringify(native(id));
    const before = [
      good('p1'),
      '',
      '{"id": "p3", "candidates": ["a",', // truncated mid-record
      '   ',
      JSON.stringify(native('p5', { candidates: ['only one'] })),
      JSON.stringify(native('p6', { choice: 2 })),
      '[1, 2]',
    ];
    const after = [
      JSON.stringify({ ...native('p9'), context: undefined }),
      `${good('p10')} trailing`,
      good('p11'),
    ];
    const bytes = bytesOf(
      '\ufeff',
      before.join('\r\n'),
      '\r\n{"id": "p8 ',
      [0xff],
      '"}\r\n',
      after.join('\r\n'),
    );
    expect(await parseDataset(bytes)).toStrictEqual({
      pairs: [pairOf('p1', 1), pairOf('p11', 11)],
      errors: [
        { line: 3, reason: 'invalid JSON: Unexpected end of JSON input' },
        {
          line: 5,
          reason: '"candidates" must be an array of two strings, got an array of 1 items',
        },
        { line: 6, reason: 'field "choice" must be 0 or 1, got 2' },
        { line: 7, reason: 'record must be a JSON object, got array' },
        { line: 8, reason: 'invalid UTF-8' },
        { line: 9, reason: 'missing field "context"' },
        { line: 10, reason: jsonMessage(`${good('p10')} trailing`) },
      ],
    });
  });

  it('gives the same result however the bytes are chunked', async () => {
    const text = jsonl(native('é1'), native('😀2')) + '{"id": \n' + jsonl(native('中4'));
    const whole = await parseDataset(text);
    expect(whole.pairs.map((p) => p.id)).toEqual(['é1', '😀2', '中4']);
    expect(whole.errors).toEqual([{ line: 3, reason: jsonMessage('{"id": ') }]);
    expect(await parseDataset(byteByByte(utf8(text)))).toStrictEqual(whole);
  });

  it('reports a line over maxLineBytes and parses a 2 MB line under the default', async () => {
    const big = native('big', { context: 'y'.repeat(2 * 1024 * 1024) });
    const text = jsonl(native('small'), big);
    const capped = await parseDataset(text, { maxLineBytes: 1000 });
    const bigBytes = utf8(JSON.stringify(big)).length;
    expect(capped.pairs.map((p) => p.id)).toEqual(['small']);
    expect(capped.errors).toEqual([
      { line: 2, reason: `line too long (${bigBytes} bytes, limit 1000)` },
    ]);
    const full = await parseDataset(text);
    expect(full.errors).toEqual([]);
    expect(full.pairs[1]!.context).toHaveLength(2 * 1024 * 1024);
  });

  it('gives no pairs and no errors for an empty or blank file', async () => {
    expect(await parseDataset('')).toEqual({ pairs: [], errors: [] });
    expect(await parseDataset('\ufeff\n \r\n\n')).toEqual({ pairs: [], errors: [] });
    expect(await parseDataset(new Uint8Array(0), { format: 'trl' })).toEqual({
      pairs: [],
      errors: [],
    });
  });

  it('detects past unreadable first lines, and reports them in place', async () => {
    const text = '{"id": "a", \n' + jsonl(native('p2'));
    expect(await parseDataset(text)).toStrictEqual({
      pairs: [pairOf('p2', 2)],
      errors: [{ line: 1, reason: jsonMessage('{"id": "a", ') }],
    });
  });

  it('stops with one clear error when the format cannot be told', async () => {
    const bytes = bytesOf([0xff], '\n', jsonl({ question: 'q' }, { question: 'r' }));
    expect(await parseDataset(bytes)).toEqual({
      pairs: [],
      errors: [
        { line: 1, reason: 'invalid UTF-8' },
        {
          line: 2,
          reason: expect.stringMatching(
            /^cannot tell the format from the first record's keys \(question\)/,
          ),
        },
      ],
    });
  });

  it("lets an explicit format override detection, with that format's reasons", async () => {
    const text = jsonl(native('n1'));
    expect(await parseDataset(text, { format: 'trl' })).toEqual({
      pairs: [],
      errors: [{ line: 1, reason: 'missing field "prompt"' }],
    });
  });

  it('passes task and seed through to TRL and HH-RLHF', async () => {
    const trl = jsonl(
      ...Array.from({ length: 40 }, (_, i) => ({ prompt: `p${i}`, chosen: 'c', rejected: 'r' })),
    );
    const a = await parseDataset(trl, { task: 'summarization', seed: 1 });
    const b = await parseDataset(trl, { task: 'summarization', seed: 2 });
    expect(a.pairs.every((p) => p.task === 'summarization' && p.source.format === 'trl')).toBe(
      true,
    );
    expect(a.pairs.map((p) => p.humanChoice)).not.toEqual(b.pairs.map((p) => p.humanChoice));
    expect(a).toStrictEqual(await parseDataset(trl, { task: 'summarization', seed: 1 }));
  });

  it('reads a File, using its name for detection', async () => {
    const file = new File(['context,a,b\nc,x,y\n'], 'pairs.csv');
    const { pairs } = await parseDataset(file);
    expect(pairs).toEqual([
      {
        id: 'csv-2',
        task: 'summarization',
        context: 'c',
        candidates: ['x', 'y'],
        source: { format: 'csv', line: 2 },
      },
    ]);
  });
});

describe('streamDataset', () => {
  it('yields pairs and errors in file order, reporting progress up to the total', async () => {
    const bytes = utf8(jsonl(native('p1')) + 'oops\n' + jsonl(native('p3')));
    const progress: [number, number | undefined][] = [];
    const items = await collect(
      streamDataset(bytes, { onProgress: (read, total) => progress.push([read, total]) }),
    );
    expect(items).toEqual([
      { pair: pairOf('p1', 1) },
      { error: { line: 2, reason: jsonMessage('oops') } },
      { pair: pairOf('p3', 3) },
    ]);
    expect(progress.at(-1)).toEqual([bytes.length, bytes.length]);
  });

  it('stops with the abort reason, keeping what was already yielded', async () => {
    const controller = new AbortController();
    const chunks = (async function* () {
      yield jsonl(native('p1'));
      controller.abort();
      yield jsonl(native('p2'));
    })();
    const seen: string[] = [];
    const run = async () => {
      for await (const item of streamDataset(chunks, { signal: controller.signal })) {
        if ('pair' in item) seen.push(item.pair.id);
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual(['p1']);
    const aborted = AbortSignal.abort();
    await expect(parseDataset('', { signal: aborted })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('cancels the underlying stream when the consumer stops early', async () => {
    let cancelled = false;
    let n = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(utf8(jsonl(native(`p${++n}`))));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const item of streamDataset(stream)) {
      expect(item).toEqual({ pair: pairOf('p1', 1) });
      break;
    }
    expect(cancelled).toBe(true);
  });
});
