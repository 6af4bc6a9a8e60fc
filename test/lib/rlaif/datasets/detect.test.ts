import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../../../src/lib/rlaif/datasets/detect';

const line = (record: unknown) => JSON.stringify(record);
const EXPECTED =
  'expected OpenAI comparisons (info, summaries, choice), TRL (prompt, chosen, rejected), ' +
  'HH-RLHF (chosen, rejected), native (id, task, context, candidates) or a CSV header';

describe('detectFormat', () => {
  it('tells each format by the keys of the first record', () => {
    expect(detectFormat(line({ info: {}, summaries: [], choice: 0 }))).toEqual({
      format: 'openai-comparisons',
    });
    expect(detectFormat(line({ id: 'a', candidates: [] }))).toEqual({ format: 'native' });
    expect(detectFormat(line({ prompt: 'p', chosen: 'c', rejected: 'r' }))).toEqual({
      format: 'trl',
    });
    expect(detectFormat(line({ chosen: '\n\nHuman: x', rejected: '' }))).toEqual({
      format: 'hh-rlhf',
    });
    // Message lists without a prompt are not HH-RLHF; TRL's parser will ask for the prompt.
    expect(detectFormat(line({ chosen: [], rejected: [] }))).toEqual({ format: 'trl' });
  });

  it('reads CSV by file name, or by a header with the required columns', () => {
    expect(detectFormat('{"id": "a", "candidates": []}', 'pairs.CSV')).toEqual({ format: 'csv' });
    expect(detectFormat('anything', 'pairs.tsv')).toEqual({ format: 'csv' });
    expect(detectFormat('context,candidate_a,candidate_b,choice')).toEqual({ format: 'csv' });
    expect(detectFormat('"Context"\t"A"\t"B"', 'pairs.txt')).toEqual({ format: 'csv' });
  });

  it('explains what it could not recognise', () => {
    expect(detectFormat(line({ question: 'q', answer: 'a' }))).toEqual({
      reason: `cannot tell the format from the first record's keys (question, answer); ${EXPECTED}`,
    });
    expect(detectFormat('{"truncated": ')).toEqual({
      reason: `cannot tell the format: the first line is not a JSON object; ${EXPECTED}`,
    });
    expect(detectFormat('a,b,c')).toEqual({
      reason: `cannot tell the format: the first line is not a JSON object; ${EXPECTED}`,
    });
  });
});
