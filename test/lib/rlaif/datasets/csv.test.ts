import { describe, expect, it } from 'vitest';
import { csvHeader, endsInsideQuotes, parseCsvRow } from '../../../../src/lib/rlaif/datasets/csv';
import { parseDataset } from '../../../../src/lib/rlaif/datasets/index';
import type { PreferencePair } from '../../../../src/lib/rlaif/types';

const parseCsv = (text: string) => parseDataset(text, { fileName: 'pairs.csv' });

describe('endsInsideQuotes', () => {
  it('follows quotes only where a field starts, and "" as an escape', () => {
    expect(endsInsideQuotes('a,"b', ',', false)).toBe(true);
    expect(endsInsideQuotes('a,"b""', ',', false)).toBe(true);
    expect(endsInsideQuotes('a,"b"""', ',', false)).toBe(false);
    expect(endsInsideQuotes('a,b"c', ',', false)).toBe(false); // a stray quote is literal
    expect(endsInsideQuotes('still inside', ',', true)).toBe(true);
    expect(endsInsideQuotes('closes" ,"opens', ',', true)).toBe(true);
    expect(endsInsideQuotes('x\t"y', '\t', false)).toBe(true);
  });
});

describe('csvHeader', () => {
  it('finds columns by name or alias, case and spaces ignored', () => {
    expect(csvHeader([' Context ', 'A', 'response_b', 'note'])).toEqual({
      names: ['Context', 'A', 'response_b', 'note'],
      index: { context: 0, candidate_a: 1, candidate_b: 2 },
    });
  });
  it('names the missing column and what it found', () => {
    expect(csvHeader(['context', 'a'])).toBe(
      'CSV header has no "candidate_b" column (or "b", "response_b"); found: context, a',
    );
  });
});

describe('parseCsvRow', () => {
  const header = csvHeader(['id', 'context', 'a', 'b', 'choice', 'preferred']);
  if (typeof header === 'string') throw new Error(header);
  it('reads choice as 0/1 or a/b, and falls back to preferred (1/2) only without choice', () => {
    const row = (choice: string, preferred: string) =>
      parseCsvRow(['', 'ctx', 'x', 'y', choice, preferred], header, 2) as PreferencePair;
    expect(row('0', '').humanChoice).toBe(0);
    expect(row('B', '').humanChoice).toBe(1);
    expect(row('', '2').humanChoice).toBe(1);
    expect(row('', 'a').humanChoice).toBe(0);
    expect(row('', '').humanChoice).toBeUndefined();
    expect(parseCsvRow(['', 'c', 'x', 'y', '2', ''], header, 2)).toBe(
      'field "choice" must be 0, 1, a or b, got "2"',
    );
    expect(parseCsvRow(['', 'c', 'x', 'y', '', '0'], header, 2)).toBe(
      'field "preferred" must be 1, 2, a or b, got "0"',
    );
  });
});

describe('CSV files', () => {
  it('reads quoted fields across lines, CRLF, blank lines, and reports records by their first line', async () => {
    const text = [
      'id,context,candidate_a,candidate_b,choice,confidence,task,annotator',
      'p1,"Line one',
      '',
      'line three, with ""quotes""",short,long,a,8,,ann1',
      '',
      ',ctx,"x","y",1,,helpful,',
      'p3,ctx,only three',
      'p4,"multi',
      'line",,b,0,,,',
      'p5,ctx,a,b,yes,,,',
      'p6,ctx,a,b,0,high,,',
      'p7,ctx,a,b,0,,chat,',
    ].join('\r\n');
    const { pairs, errors } = await parseCsv(text);
    expect(pairs).toStrictEqual([
      {
        id: 'p1',
        task: 'summarization',
        context: 'Line one\n\nline three, with "quotes"',
        candidates: ['short', 'long'],
        humanChoice: 0,
        humanConfidence: 8,
        source: { format: 'csv', line: 2, meta: { annotator: 'ann1' } },
      },
      {
        id: 'csv-6',
        task: 'helpful',
        context: 'ctx',
        candidates: ['x', 'y'],
        humanChoice: 1,
        source: { format: 'csv', line: 6 },
      },
    ]);
    expect(errors).toEqual([
      { line: 7, reason: 'expected 8 fields (as in the header), got 3' },
      { line: 8, reason: 'missing field "candidate_a"' },
      { line: 10, reason: 'field "choice" must be 0, 1, a or b, got "yes"' },
      { line: 11, reason: 'field "confidence" must be a number, got "high"' },
      {
        line: 12,
        reason: 'field "task" must be one of summarization, helpful, harmless, got "chat"',
      },
    ]);
  });

  it('stops at a header without the required columns', async () => {
    expect(await parseCsv('\ufeffprompt,answer\nq,a\n')).toEqual({
      pairs: [],
      errors: [
        {
          line: 1,
          reason:
            'CSV header has no "candidate_a" column (or "a", "response_a"); found: prompt, answer',
        },
      ],
    });
  });

  it('reports an unterminated quote at the record that opened it', async () => {
    expect(await parseCsv('context,a,b\nc,x,y\nc,"x,\ny\n')).toEqual({
      pairs: [expect.objectContaining({ id: 'csv-2' })],
      errors: [{ line: 3, reason: 'unterminated quoted field' }],
    });
  });

  it('caps a record that runs on (an unclosed quote) and resumes at the next line', async () => {
    const text = 'context,a,b\n"' + 'x'.repeat(30) + '\n' + 'y'.repeat(30) + '\nc,d,e\n';
    const { pairs, errors } = await parseDataset(text, { format: 'csv', maxLineBytes: 40 });
    expect(errors).toEqual([
      { line: 2, reason: 'record too long (over 40 characters; unclosed quote?)' },
    ]);
    expect(pairs.map((p) => p.context)).toEqual(['c']);
  });

  it('reports a malformed quote through papaparse', async () => {
    const { errors } = await parseCsv('context,a,b\n"c"x,a,b\n');
    expect(errors).toEqual([
      { line: 2, reason: 'invalid CSV: Trailing quote on quoted field is malformed' },
    ]);
  });

  it('reads TSV by its header', async () => {
    const { pairs } = await parseDataset('context\ta\tb\nc, with comma\tx\ty\n');
    expect(pairs.map((p) => [p.context, ...p.candidates])).toEqual([['c, with comma', 'x', 'y']]);
  });

  it('marks a record that an invalid UTF-8 line broke', async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('context,a,b\n"c\n'),
      0xff,
      ...new TextEncoder().encode('\n",x,y\nok,x,y\n'),
    ]);
    const { pairs, errors } = await parseDataset(bytes, { format: 'csv' });
    expect(errors).toEqual([
      { line: 3, reason: 'invalid UTF-8' },
      { line: 2, reason: 'record broken by unreadable line 3' },
      // The rest of the broken record is read as a fresh record, and rejected on its own merits.
      { line: 4, reason: 'unterminated quoted field' },
    ]);
    expect(pairs).toEqual([]);
  });
});
