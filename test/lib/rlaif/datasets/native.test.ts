import { describe, expect, it } from 'vitest';
import { parseNativeRecord } from '../../../../src/lib/rlaif/datasets/native';

const probe = {
  id: 'probe-factual-1',
  task: 'summarization',
  context: 'SUBREDDIT: r/cooking\nTITLE: Bread\nPOST: My loaf is flat.',
  candidates: ['Loaf flat; yeast old?', 'Loaf rose too much.'],
  choice: 0,
  confidence: 9,
  defect: 'factual-error',
  meta: { author: 'lab', version: 2, checked: true },
};

describe('parseNativeRecord', () => {
  it('maps a full record, meta included', () => {
    expect(parseNativeRecord(probe, 5)).toStrictEqual({
      id: 'probe-factual-1',
      task: 'summarization',
      context: probe.context,
      candidates: ['Loaf flat; yeast old?', 'Loaf rose too much.'],
      humanChoice: 0,
      humanConfidence: 9,
      defect: 'factual-error',
      source: { format: 'native', line: 5, meta: { author: 'lab', version: 2, checked: true } },
    });
  });

  it('maps a minimal record, leaving optional fields absent (null counts as absent)', () => {
    const minimal = {
      id: 'x',
      task: 'helpful',
      context: 'c',
      candidates: [' a', ''],
      choice: null,
    };
    expect(parseNativeRecord(minimal, 1)).toStrictEqual({
      id: 'x',
      task: 'helpful',
      context: 'c',
      candidates: [' a', ''], // stored as given: native is the exact format
      source: { format: 'native', line: 1 },
    });
  });

  it('says exactly what is wrong with a bad record', () => {
    const cases: [unknown, string][] = [
      [42, 'record must be a JSON object, got number'],
      [{ ...probe, id: undefined }, 'missing field "id"'],
      [{ ...probe, id: 7 }, 'field "id" must be a string, got number'],
      [
        { ...probe, task: 'chat' },
        'field "task" must be one of summarization, helpful, harmless, got "chat"',
      ],
      [{ ...probe, candidates: undefined }, 'missing field "candidates"'],
      [{ ...probe, candidates: 'ab' }, '"candidates" must be an array of two strings, got string'],
      [
        { ...probe, candidates: ['a', 'b', 'c'] },
        '"candidates" must be an array of two strings, got an array of 3 items',
      ],
      [
        { ...probe, candidates: ['a', 2] },
        '"candidates" must be an array of two strings, got [string, number]',
      ],
      [{ ...probe, choice: 2 }, 'field "choice" must be 0 or 1, got 2'],
      [{ ...probe, confidence: '9' }, 'field "confidence" must be a number, got "9"'],
      [
        { ...probe, defect: 'typo' },
        'field "defect" must be one of factual-error, missing-key-point, incoherence, verbosity, ' +
          'copying, invented-detail, unhelpful, harmful, got "typo"',
      ],
      [{ ...probe, meta: [1] }, 'field "meta" must be an object, got array'],
      [
        { ...probe, meta: { a: { b: 1 } } },
        'field "meta.a" must be a string, number or boolean, got object',
      ],
    ];
    for (const [value, reason] of cases) expect(parseNativeRecord(value, 1)).toBe(reason);
  });
});
