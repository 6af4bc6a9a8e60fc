import { describe, expect, it } from 'vitest';
import { exportLabelsJsonl } from '../../../../src/lib/rlaif/datasets/export';
import {
  labelsForRun,
  mergeLabels,
  parseLabelsJsonl,
} from '../../../../src/lib/rlaif/datasets/labels';
import { parseReportLines } from '../../../../src/lib/rlaif/datasets/report';
import type { PairLabel } from '../../../../src/lib/rlaif/types';

const score = (p: number) => ({
  logprobs: [Math.log(p / 10), Math.log((1 - p) / 10)] as [number, number],
  probs: [p, 1 - p] as [number, number],
  otherMass: 0.9,
});

const debiased: PairLabel = {
  pairId: 'p1',
  label: [0.7, 0.3],
  orders: {
    stored: score(0.8),
    swapped: { ...score(0.4), top: [{ id: 5, text: '1', logprob: -2 }] },
  },
  perOrder: { stored: [0.8, 0.2], swapped: [0.6, 0.4] },
  samePosition: false,
  rationales: { stored: ['Because.'], swapped: ['So.'] },
  modelId: 'm',
  configHash: 'abc',
};
const oneOrder: PairLabel = {
  pairId: 'p2',
  label: [0.2, 0.8],
  orders: { stored: { ...score(0.2), logprobs: [-Infinity, -1] } },
  perOrder: { stored: [0.2, 0.8] },
  modelId: 'm',
  configHash: 'abc',
};

describe('parseLabelsJsonl', () => {
  it("reads back the labels export exactly (the file is the app's labels export)", () => {
    const text = exportLabelsJsonl([debiased, oneOrder]);
    const { labels, errors } = parseLabelsJsonl(text);
    expect(errors).toEqual([]);
    expect(labels).toEqual([debiased, oneOrder]); // -Infinity survives JSON's null
    expect(exportLabelsJsonl(labels)).toBe(text);
  });

  it('reports each bad line by number and keeps the good ones', () => {
    const good = exportLabelsJsonl([debiased]).trim();
    const text = [
      good,
      '{',
      '',
      '{"pairId": "x", "pA": 2}',
      good.replace('"pB":0.3', '"pB":"x"'),
    ].join('\n');
    const { labels, errors } = parseLabelsJsonl(text);
    expect(labels).toHaveLength(1);
    expect(errors.map((e) => e.line)).toEqual([2, 4, 5]);
    expect(errors[0]!.reason).toMatch(/^invalid JSON/);
    expect(errors[1]!.reason).toBe('"pA" must be a probability in [0, 1], got 2');
    expect(errors[2]!.reason).toBe('"pB" must be a probability in [0, 1], got "x"');
  });
});

describe('labelsForRun', () => {
  it("keeps the run's pairs under its config, the latest label per pair", () => {
    const newer = { ...debiased, label: [0.6, 0.4] as [number, number] };
    const text = exportLabelsJsonl([
      debiased,
      { ...oneOrder, configHash: 'other' },
      { ...debiased, pairId: 'elsewhere' },
      newer,
    ]);
    const found = labelsForRun(`${text}oops\n`, { pairIds: ['p1', 'p2'], configHash: 'abc' });
    expect(found.accepted).toEqual([newer]);
    expect(found).toMatchObject({ otherConfig: 1, unknownPair: 1 });
    expect(found.errors.map((e) => e.line)).toEqual([5]);
    expect(mergeLabels([oneOrder, debiased], [newer])).toEqual([oneOrder, newer]);
  });
});

describe('parseReportLines', () => {
  it("says what the Dataset page's report says", () => {
    expect(parseReportLines([], 3)).toEqual(['Read 3 pairs; no bad lines.']);
    const errors = [1, 2, 3].map((line) => ({ line, reason: `bad ${line}` }));
    expect(parseReportLines(errors, 5, { shown: 2 })).toEqual([
      'Read 5 pairs; 3 bad lines skipped (the good pairs are kept):',
      '  line 1: bad 1',
      '  line 2: bad 2',
      '  …and 1 more.',
    ]);
  });
});
