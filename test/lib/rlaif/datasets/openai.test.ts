import { describe, expect, it } from 'vitest';
import { parseOpenAiRecord } from '../../../../src/lib/rlaif/datasets/openai';

/** A TL;DR comparison as the dataset stores it (summaries with a leading space, note null). */
function tldr(overrides: Record<string, unknown> = {}) {
  return {
    info: {
      id: 't3_abc',
      post: 'I (24F) keep forgetting birthdays.  ',
      title: 'How do I remember?',
      subreddit: 'relationships',
    },
    summaries: [
      { text: ' I forget birthdays; need a system.', policy: 'sup2', note: null },
      { text: ' Birthdays are hard.', policy: 'ref', note: null },
    ],
    choice: 0,
    worker: 'w42',
    batch: 'batch7',
    split: 'train',
    extra: { confidence: 8 },
    ...overrides,
  };
}

describe('parseOpenAiRecord', () => {
  it('maps a TL;DR comparison to a pair', () => {
    expect(parseOpenAiRecord(tldr(), 7)).toStrictEqual({
      id: 't3_abc-7',
      task: 'summarization',
      context:
        'SUBREDDIT: r/relationships\nTITLE: How do I remember?\nPOST: I (24F) keep forgetting birthdays.',
      candidates: ['I forget birthdays; need a system.', 'Birthdays are hard.'],
      humanChoice: 0,
      humanConfidence: 8,
      source: {
        format: 'openai-comparisons',
        line: 7,
        meta: {
          postId: 't3_abc',
          policy0: 'sup2',
          policy1: 'ref',
          worker: 'w42',
          batch: 'batch7',
          split: 'train',
        },
      },
    });
  });

  it('reads CNN/DM records by their article, leaving out what is absent', () => {
    const record = tldr({
      info: { id: 'dm-1', article: ' Story text. ', site: 'dailymail', title: null, post: null },
      extra: {},
      worker: null,
      choice: 1,
    });
    expect(parseOpenAiRecord(record, 3)).toMatchObject({
      id: 'dm-1-3',
      context: 'ARTICLE: Story text.',
      humanChoice: 1,
    });
    const pair = parseOpenAiRecord(record, 3);
    expect(typeof pair !== 'string' && 'humanConfidence' in pair).toBe(false);
    expect(typeof pair !== 'string' && pair.source.meta).toStrictEqual({
      postId: 'dm-1',
      policy0: 'sup2',
      policy1: 'ref',
      batch: 'batch7',
      split: 'train',
    });
  });

  it('keeps a title for articles that have one', () => {
    const info = { id: 'cnn-9', article: 'Body.', title: 'Headline' };
    expect(parseOpenAiRecord(tldr({ info }), 1)).toMatchObject({
      context: 'TITLE: Headline\nARTICLE: Body.',
    });
  });

  it('says exactly what is wrong with a bad record', () => {
    const summary = { text: 'x', policy: 'p' };
    const cases: [unknown, string][] = [
      [[1, 2], 'record must be a JSON object, got array'],
      [tldr({ info: undefined }), 'missing field "info"'],
      [tldr({ info: 'post' }), 'field "info" must be an object, got string'],
      [tldr({ info: { post: 'p' } }), 'missing field "info.id"'],
      [
        tldr({ info: { id: 'x', title: 't' } }),
        'missing field "info.post" (or "info.article" for CNN/DM)',
      ],
      [tldr({ summaries: [summary] }), 'field "summaries" must hold two summaries, got 1'],
      [tldr({ summaries: { a: 1 } }), 'field "summaries" must be an array, got object'],
      [tldr({ summaries: [summary, 'y'] }), 'field "summaries[1]" must be an object, got string'],
      [
        tldr({ summaries: [summary, { text: 5 }] }),
        'field "summaries[1].text" must be a string, got number',
      ],
      [tldr({ choice: 2 }), 'field "choice" must be 0 or 1, got 2'],
      [tldr({ choice: '1' }), 'field "choice" must be 0 or 1, got "1"'],
      [tldr({ choice: undefined }), 'missing field "choice"'],
      [
        tldr({ extra: { confidence: 12 } }),
        'field "extra.confidence" must be an integer from 1 to 9, got 12',
      ],
      [
        tldr({ extra: { confidence: 'high' } }),
        'field "extra.confidence" must be a number, got "high"',
      ],
      [
        tldr({ worker: { id: 1 } }),
        'field "worker" must be a string, number or boolean, got object',
      ],
    ];
    for (const [record, reason] of cases) expect(parseOpenAiRecord(record, 1)).toBe(reason);
  });
});
