// Bytes to lines. Chunks may split anywhere (inside a UTF-8 character, between \r and \n), so we
// cut on the LF byte first and decode each whole line afterwards: a bad byte costs one line only.

import { utf8Chunks } from './source';

/** One physical line (1-based), or the reason it could not be read. */
export type LineItem = { line: number; text: string } | { line: number; error: string };

export interface LineOptions {
  /** Longest line kept, in bytes (terminator excluded); longer lines are reported and skipped. */
  maxLineBytes?: number;
  /** Yield blank and whitespace-only lines too (CSV needs them inside quoted fields). */
  keepBlank?: boolean;
}

export const DEFAULT_MAX_LINE_BYTES = 50 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf];

/**
 * Split a stream of chunks into lines. LF and CRLF end a line (a lone CR does not); a UTF-8 BOM at
 * the very start is dropped; blank lines are skipped unless `keepBlank`. Never throws for bad data:
 * invalid UTF-8 and over-long lines come out as `{line, error}` and reading goes on.
 */
export async function* readLines(
  chunks: AsyncIterable<Uint8Array | string>,
  options: LineOptions = {},
): AsyncGenerator<LineItem> {
  const limit = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let parts: Uint8Array[] = []; // the current line so far, unless it already overflowed
  let size = 0; // bytes of the current line so far, counted even after overflow
  let lastByte = -1;
  let line = 1;

  const add = (piece: Uint8Array) => {
    if (piece.length === 0) return;
    size += piece.length;
    lastByte = piece[piece.length - 1] ?? -1;
    if (size > limit + 1)
      parts = []; // +1: a CR that turns out to end the line is not content
    else parts.push(piece);
  };

  const finish = (): LineItem | undefined => {
    const length = lastByte === CR ? size - 1 : size;
    const item = length > limit ? tooLong(line, length, limit) : decodeLine(decoder, parts, line);
    parts = [];
    size = 0;
    lastByte = -1;
    line++;
    const blank = 'text' in item && item.text.trim() === '';
    return blank && !options.keepBlank ? undefined : item;
  };

  for await (const bytes of utf8Chunks(chunks)) {
    let start = 0;
    for (let end = bytes.indexOf(LF); end !== -1; end = bytes.indexOf(LF, start)) {
      add(bytes.subarray(start, end));
      const item = finish();
      if (item) yield item;
      start = end + 1;
    }
    add(bytes.slice(start)); // a copy: the producer may reuse its buffer for the next chunk
  }
  if (size > 0) {
    const item = finish();
    if (item) yield item;
  }
}

function tooLong(line: number, length: number, limit: number): LineItem {
  return { line, error: `line too long (${length} bytes, limit ${limit})` };
}

/** Join the pieces, drop the CR of a CRLF and the BOM of line 1, and decode strictly. */
function decodeLine(decoder: TextDecoder, parts: Uint8Array[], line: number): LineItem {
  let bytes = concat(parts);
  if (bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
  if (line === 1 && BOM.every((b, i) => bytes[i] === b)) bytes = bytes.subarray(BOM.length);
  try {
    return { line, text: decoder.decode(bytes) };
  } catch {
    return { line, error: 'invalid UTF-8' };
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
