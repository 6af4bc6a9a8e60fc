import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTrlRecord, transcript } from '../../../../src/lib/rlaif/datasets/trl';
import type { PreferencePair } from '../../../../src/lib/rlaif/types';

const record = { prompt: 'TL;DR of: a post\n', chosen: ' Good summary.', rejected: ' Bad one.' };

function pairAt(line: number, seed = 0): PreferencePair {
  const pair = parseTrlRecord(record, line, { seed });
  if (typeof pair === 'string') throw new Error(pair);
  return pair;
}

describe('parseTrlRecord', () => {
  it('maps the string form, trimmed, with humanChoice on the chosen candidate', () => {
    const pair = pairAt(1);
    expect(pair).toStrictEqual({
      id: 'trl-1',
      task: 'helpful',
      context: 'TL;DR of: a post',
      candidates:
        pair.humanChoice === 0 ? ['Good summary.', 'Bad one.'] : ['Bad one.', 'Good summary.'],
      humanChoice: pair.humanChoice,
      source: { format: 'trl', line: 1 },
    });
  });

  it('renders the conversational form as a transcript and takes the last assistant reply', () => {
    const conversational = {
      prompt: [
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: ' Hi! ' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Tell me a joke.' },
      ],
      chosen: [{ role: 'assistant', content: ' A pun. ' }],
      rejected: [
        { role: 'assistant', content: 'draft' },
        { role: 'assistant', content: 'No.' },
      ],
    };
    const pair = parseTrlRecord(conversational, 4, { task: 'harmless', seed: 1 });
    if (typeof pair === 'string') throw new Error(pair);
    expect(pair.task).toBe('harmless');
    expect(pair.context).toBe(
      'System: Be kind.\n\nHuman: Hi!\n\nAssistant: Hello.\n\nHuman: Tell me a joke.',
    );
    expect(pair.candidates[pair.humanChoice!]).toBe('A pun.');
    expect(pair.candidates[1 - pair.humanChoice!]).toBe('No.');
  });

  it('says exactly what is wrong with a bad record', () => {
    const cases: [unknown, string][] = [
      ['text', 'record must be a JSON object, got string'],
      [{ prompt: 'p', rejected: 'r' }, 'missing field "chosen"'],
      [{ chosen: 'c', rejected: 'r' }, 'missing field "prompt"'],
      [
        { prompt: 'p', chosen: 3, rejected: 'r' },
        'field "chosen" must be a string or an array of messages, got number',
      ],
      [
        { prompt: ['hi'], chosen: 'c', rejected: 'r' },
        'field "prompt[0]" must be a {role, content} message, got string',
      ],
      [
        { prompt: [{ role: 'user', content: [{ type: 'text' }] }], chosen: 'c', rejected: 'r' },
        'field "prompt[0].content" must be a string, got array',
      ],
      [
        { prompt: 'p', chosen: 'c', rejected: [{ role: 'user', content: 'x' }] },
        'field "rejected" has no message with role "assistant"',
      ],
    ];
    for (const [value, reason] of cases) expect(parseTrlRecord(value, 1)).toBe(reason);
  });

  it('names unknown roles by themselves', () => {
    expect(transcript([{ role: 'tool', content: 'ok' }])).toBe('Tool: ok');
  });
});

describe('TRL ordering', () => {
  it('puts the chosen candidate second about half the time, for any seed', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const swapped = Array.from({ length: 2000 }, (_, i) => pairAt(i + 1, seed).humanChoice);
        const share = swapped.filter((c) => c === 1).length / swapped.length;
        return share > 0.45 && share < 0.55;
      }),
      { numRuns: 10 },
    );
  });

  it('is deterministic per (seed, line) and always points humanChoice at the chosen text', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 1e9 }), (seed, line) => {
        const pair = pairAt(line, seed);
        expect(pairAt(line, seed)).toStrictEqual(pair);
        expect(pair.candidates[pair.humanChoice!]).toBe('Good summary.');
        expect(pair.candidates[1 - pair.humanChoice!]).toBe('Bad one.');
      }),
    );
  });

  it('orders differently under a different seed', () => {
    const order = (seed: number) =>
      Array.from({ length: 50 }, (_, i) => pairAt(i + 1, seed).humanChoice);
    expect(order(0)).not.toEqual(order(1));
    expect(order(0)).toEqual(order(0));
  });
});
