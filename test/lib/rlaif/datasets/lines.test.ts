import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLines, type LineItem } from '../../../../src/lib/rlaif/datasets/lines';
import { byteByByte, bytesOf, collect, cutAt, strings, utf8 } from './helpers';

const linesOf = (chunks: AsyncIterable<Uint8Array | string>, maxLineBytes?: number) =>
  collect(readLines(chunks, { maxLineBytes }));

describe('readLines', () => {
  it('splits on LF and CRLF, numbers physical lines, skips blank ones, keeps a last line', async () => {
    const text = 'one\r\ntwo\n\n   \r\nfive\r\n\nseven';
    expect(await linesOf(cutAt(utf8(text), []))).toEqual([
      { line: 1, text: 'one' },
      { line: 2, text: 'two' },
      { line: 5, text: 'five' },
      { line: 7, text: 'seven' },
    ]);
  });

  it('keeps blank and whitespace-only lines verbatim when asked', async () => {
    const items = await collect(readLines(strings('a\n\n  \r\nb\n'), { keepBlank: true }));
    expect(items).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: '' },
      { line: 3, text: '  ' },
      { line: 4, text: 'b' },
    ]);
  });

  it('treats a lone CR as content, and drops only the CR of a CRLF', async () => {
    expect(await linesOf(strings('a\rb\r\nc\r\r\n'))).toEqual([
      { line: 1, text: 'a\rb' },
      { line: 2, text: 'c\r' },
    ]);
  });

  it('gives nothing, and no error, for empty input or only line breaks', async () => {
    expect(await linesOf(cutAt(new Uint8Array(0), []))).toEqual([]);
    expect(await linesOf(strings('\n\r\n\n'))).toEqual([]);
  });

  it('strips a UTF-8 BOM at the start, even split across chunks, and nowhere else', async () => {
    const bytes = bytesOf([0xef, 0xbb, 0xbf], 'first\n', [0xef, 0xbb, 0xbf], 'second\n');
    const expected = [
      { line: 1, text: 'first' },
      { line: 2, text: '\ufeffsecond' },
    ];
    expect(await linesOf(cutAt(bytes, []))).toEqual(expected);
    expect(await linesOf(byteByByte(bytes))).toEqual(expected);
  });

  it('joins a CRLF split between chunks', async () => {
    expect(await linesOf(strings('a\r', '\nb\r', '\n'))).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
    ]);
  });

  it('decodes characters split inside their UTF-8 bytes', async () => {
    const bytes = utf8('é😀中\nnext ✓\n');
    const expected = [
      { line: 1, text: 'é😀中' },
      { line: 2, text: 'next ✓' },
    ];
    expect(await linesOf(byteByByte(bytes))).toEqual(expected);
    expect(await linesOf(cutAt(bytes, [1, 3, 4]))).toEqual(expected); // inside é, inside 😀
  });

  it('keeps a surrogate pair split between string chunks', async () => {
    const emoji = '😀';
    expect(await linesOf(strings(`a${emoji[0]}`, `${emoji[1]}b\n`))).toEqual([
      { line: 1, text: 'a😀b' },
    ]);
  });

  it('reports invalid UTF-8 on its own line and reads on', async () => {
    const bytes = bytesOf(
      'good\n',
      'bad ',
      [0xff],
      ' byte\n',
      'cut ',
      [0xe2, 0x82],
      '\n',
      'fine\n',
    );
    expect(await linesOf(byteByByte(bytes))).toEqual([
      { line: 1, text: 'good' },
      { line: 2, error: 'invalid UTF-8' },
      { line: 3, error: 'invalid UTF-8' },
      { line: 4, text: 'fine' },
    ]);
  });

  it('reads a 2 MB line under the default limit', async () => {
    const long = 'x'.repeat(2 * 1024 * 1024);
    const items = await linesOf(cutAt(utf8(`${long}\nend\n`), [1000, 1_500_000]));
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual({ line: 1, text: long });
    expect(items[1]).toEqual({ line: 2, text: 'end' });
  });

  it('reports a line over the limit with its full length and skips only that line', async () => {
    const text = '0123456789\n0123456789A\r\n0123456789\r\nshort\n' + 'y'.repeat(95) + '\nlast';
    const expected: LineItem[] = [
      { line: 1, text: '0123456789' },
      { line: 2, error: 'line too long (11 bytes, limit 10)' },
      { line: 3, text: '0123456789' }, // the CR of CRLF does not count
      { line: 4, text: 'short' },
      { line: 5, error: 'line too long (95 bytes, limit 10)' },
      { line: 6, text: 'last' },
    ];
    expect(await linesOf(cutAt(utf8(text), []), 10)).toEqual(expected);
    expect(await linesOf(byteByByte(utf8(text)), 10)).toEqual(expected);
  });

  it('counts bytes, not characters, against the limit', async () => {
    expect(await linesOf(strings('ééééé\néééééé\n'), 10)).toEqual([
      { line: 1, text: 'ééééé' },
      { line: 2, error: 'line too long (12 bytes, limit 10)' },
    ]);
  });
});

describe('readLines properties', () => {
  // Bytes biased toward LF, CR, BOM bytes and UTF-8 lead/continuation bytes, to hit the edges.
  const byte = fc.oneof(
    fc.constantFrom(0x0a, 0x0d, 0xef, 0xbb, 0xbf, 0xc3, 0xa9, 0xf0, 0x9f, 0x20),
    fc.integer({ min: 0, max: 255 }),
  );
  const bytes = fc.array(byte, { maxLength: 300 }).map((b) => Uint8Array.from(b));
  const cuts = fc.array(fc.nat({ max: 300 }), { maxLength: 20 });

  it('gives the same lines and errors for any chunking of the same bytes', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, cuts, fc.integer({ min: 1, max: 40 }), async (b, c, limit) => {
        const whole = await linesOf(cutAt(b, []), limit);
        expect(await linesOf(cutAt(b, c), limit)).toEqual(whole);
        expect(await linesOf(byteByByte(b), limit)).toEqual(whole);
      }),
    );
  });

  it('recovers the non-blank lines of any text joined with LF or CRLF, under any chunking', async () => {
    const lineText = fc
      .string({ unit: 'binary', maxLength: 30 })
      .filter((s) => !/[\r\n\ufeff]/.test(s)); // a leading U+FEFF is a BOM
    const input = fc.array(fc.tuple(lineText, fc.boolean()), { maxLength: 20 });
    await fc.assert(
      fc.asyncProperty(input, cuts, fc.boolean(), async (lines, c, bom) => {
        const text = lines.map(([t, crlf]) => t + (crlf ? '\r\n' : '\n')).join('');
        const encoded = bytesOf(bom ? [0xef, 0xbb, 0xbf] : [], text);
        const expected = lines
          .map(([t], i) => ({ line: i + 1, text: t }))
          .filter(({ text: t }) => t.trim() !== '');
        expect(await linesOf(cutAt(encoded, c))).toEqual(expected);
      }),
    );
  });
});
