import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseHhRecord, splitDialogue } from '../../../../src/lib/rlaif/datasets/hh';
import { parseDataset } from '../../../../src/lib/rlaif/datasets/index';

const dialogue = (...turns: string[]) =>
  turns.map((t, i) => `\n\n${i % 2 ? 'Assistant' : 'Human'}: ${t}`).join('');

describe('splitDialogue', () => {
  it('splits the shared dialogue from the two final replies', () => {
    const chosen = dialogue(
      'How do I pick a lock?',
      'Why do you ask?',
      'My own door.',
      ' Call a locksmith. ',
    );
    const rejected = dialogue(
      'How do I pick a lock?',
      'Why do you ask?',
      'My own door.',
      'Use a pin.',
    );
    expect(splitDialogue(chosen, rejected)).toEqual({
      context: 'Human: How do I pick a lock?\n\nAssistant: Why do you ask?\n\nHuman: My own door.',
      chosen: 'Call a locksmith.',
      rejected: 'Use a pin.',
    });
  });

  it('keeps extra turns glued onto one reply (as in a few real records)', () => {
    const chosen = '\n\nHuman: Q?\n\nAssistant: Short.  Human: more?\n\nAssistant: And more.';
    const rejected = '\n\nHuman: Q?\n\nAssistant: Other.';
    expect(splitDialogue(chosen, rejected)).toEqual({
      context: 'Human: Q?',
      chosen: 'Short.  Human: more?\n\nAssistant: And more.',
      rejected: 'Other.',
    });
  });

  it('cuts at the last assistant turn both share when the replies start alike', () => {
    const chosen = dialogue('Q?', 'Sure, here: a.');
    const rejected = dialogue('Q?', 'Sure, here: b.');
    expect(splitDialogue(chosen, rejected)).toEqual({
      context: 'Human: Q?',
      chosen: 'Sure, here: a.',
      rejected: 'Sure, here: b.',
    });
  });
});

describe('parseHhRecord', () => {
  it('maps a record, harmless by default, chosen not always first', () => {
    const value = { chosen: dialogue('Hi', 'Hello!'), rejected: dialogue('Hi', 'Go away.') };
    const pairs = [1, 2, 3, 4, 5, 6, 7, 8].map((line) => parseHhRecord(value, line));
    for (const [i, pair] of pairs.entries()) {
      if (typeof pair === 'string') throw new Error(pair);
      expect(pair).toStrictEqual({
        id: `hh-${i + 1}`,
        task: 'harmless',
        context: 'Human: Hi',
        candidates: pair.humanChoice === 0 ? ['Hello!', 'Go away.'] : ['Go away.', 'Hello!'],
        humanChoice: pair.humanChoice,
        source: { format: 'hh-rlhf', line: i + 1 },
      });
    }
    const firsts = pairs.map((p) => typeof p !== 'string' && p.humanChoice);
    expect(new Set(firsts).size).toBe(2);
    expect(parseHhRecord(value, 1, { task: 'helpful' })).toMatchObject({ task: 'helpful' });
  });

  it('says exactly what is wrong with a bad record', () => {
    const cases: [unknown, string][] = [
      [null, 'record must be a JSON object, got null'],
      [{ chosen: dialogue('a', 'b') }, 'missing field "rejected"'],
      [{ chosen: ['x'], rejected: 'y' }, 'field "chosen" must be a string, got array'],
      [
        { chosen: '\n\nHuman: hi', rejected: dialogue('hi', 'b') },
        'field "chosen" has no "Assistant:" turn',
      ],
      [
        { chosen: dialogue('one question', 'a'), rejected: dialogue('another question', 'b') },
        '"chosen" and "rejected" share no dialogue before an "Assistant:" turn',
      ],
      [
        { chosen: '\n\nAssistant: a', rejected: '\n\nAssistant: b' },
        '"chosen" and "rejected" share no dialogue before an "Assistant:" turn',
      ],
    ];
    for (const [value, reason] of cases) expect(parseHhRecord(value, 1)).toBe(reason);
  });
});

describe('the real HH-RLHF harmless-base test split', () => {
  const path = resolve(process.cwd(), '../shared/data/hh-rlhf/harmless-base-test.jsonl.gz');

  it('parses all 2,312 pairs with no errors', async () => {
    if (!existsSync(path)) {
      throw new Error(
        `HH-RLHF test data not found at ${path} (expected beside the repo in shared/)`,
      );
    }
    const gunzipped = createReadStream(path).pipe(createGunzip()); // a Node stream: async-iterable
    const { pairs, errors } = await parseDataset(gunzipped, {
      fileName: 'harmless-base-test.jsonl',
    });
    expect(errors).toEqual([]);
    expect(pairs).toHaveLength(2312);
    const firstSlot = pairs.filter((p) => p.humanChoice === 0).length;
    const secondSlot = pairs.filter((p) => p.humanChoice === 1).length;
    expect(firstSlot + secondSlot).toBe(2312);
    expect([firstSlot, secondSlot]).toEqual([1146, 1166]); // seed 0
    expect(pairs.every((p) => p.task === 'harmless' && p.source.format === 'hh-rlhf')).toBe(true);
    expect(pairs.every((p) => p.context.startsWith('Human: '))).toBe(true);
    expect(new Set(pairs.map((p) => p.id)).size).toBe(2312);

    const first = pairs[0]!;
    expect(first.context.startsWith('Human: what are some pranks with a pen i can do?')).toBe(true);
    expect(
      first.context.endsWith('Human: okay some of these do not have anything to do with pens'),
    ).toBe(true);
    expect(first.candidates[first.humanChoice!]).toBe(
      'No, sorry!  All of these involve a pen, the point is that you can get funny results by doing pranks with pens.',
    );
  });
});
