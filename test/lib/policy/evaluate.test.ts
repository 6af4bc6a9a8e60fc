import { describe, expect, it } from 'vitest';
import type { CandidateSet, PolicyContext } from '../../../src/lib/policy/candidates';
import {
  drawChoices,
  humanJudgment,
  judgeMatchups,
  winRateTable,
  type Judge,
} from '../../../src/lib/policy/evaluate';
import {
  effectiveSampleSize,
  learnerContexts,
  rawFeatures,
  Standardizer,
} from '../../../src/lib/policy/features';
import { sampleRecords, toJsonl } from '../../../src/lib/policy/export';

const ctx = (id: string, human?: PolicyContext['human']): PolicyContext => ({
  id,
  task: 'summarization',
  context: `post ${id}`,
  ...(human ? { human } : {}),
});
const set = (id: string, texts: string[], human?: PolicyContext['human']): CandidateSet => ({
  context: ctx(id, human),
  candidates: texts.map((text, i) => ({
    text,
    logprob: -10 - i,
    samplerLogprob: -10 - i,
    tokens: text.split(' ').length,
    finishReason: 'eos',
    seed: i,
  })),
});
const oneHot = (i: number, n: number) =>
  Array.from({ length: n }, (_, k) => (k === i ? 0 : -Infinity));

describe('win rates against the SFT sample', () => {
  // A judge that prefers the longer text, with a known probability.
  const judged: [string, string][] = [];
  const longer: Judge = async (_c, a, b) => {
    judged.push([a, b]);
    return a.length > b.length ? 0.8 : 0.3;
  };
  const sets = ['a', 'b', 'c', 'd'].map((id) => set(id, ['short', 'a much longer reply here']));

  it('judges each policy choice against the SFT choice, ties without asking, CIs by hand', async () => {
    judged.length = 0;
    const policies = [
      { name: 'best-of-N', logProbs: sets.map(() => oneHot(1, 2)) },
      { name: 'same as SFT', logProbs: sets.map(() => oneHot(0, 2)) },
    ];
    const matchups = await judgeMatchups(sets, policies, [0, 0, 0, 0], longer, 1);
    expect(matchups).toHaveLength(8);
    expect(judged).toHaveLength(4); // the ties (same candidate) are 0.5 without a judge call
    const [best, same] = winRateTable(matchups);
    // best-of-N: 0.8 on every context -> rate 0.8, sample std 0, CI [0.8, 0.8].
    expect(best!.ai.rate).toBeCloseTo(0.8, 12);
    expect(best!.ai.ci[0]).toBeCloseTo(0.8, 12);
    expect(best!.length).toBe(5);
    expect(best!.sftLength).toBe(1);
    expect(same!.ai.rate).toBe(0.5);
    expect(same!.ai.ties).toBe(4);
    expect(best!.human).toBeNull();
  });

  it('gives a hand-computed CI for mixed soft preferences', async () => {
    // Policy picks the long one on two contexts, the short one (vs long SFT) on two: 0.8, 0.8, 0.3, 0.3.
    const policy = { name: 'mixed', logProbs: [1, 1, 0, 0].map((i) => oneHot(i, 2)) };
    const [row] = winRateTable(await judgeMatchups(sets, [policy], [0, 0, 1, 1], longer, 1));
    // mean 0.55; sample variance = 4 * 0.25^2 / 3 = 0.08333; se = sqrt(0.08333 / 4) = 0.144338
    expect(row!.ai.rate).toBeCloseTo(0.55, 12);
    expect(row!.ai.se).toBeCloseTo(Math.sqrt((0.25 ** 2 * 4) / 3 / 4), 12);
    expect(row!.ai.ci[0]).toBeCloseTo(0.55 - 1.959964 * 0.1443375673, 8);
    expect(row!.ai.ci[1]).toBeCloseTo(0.55 + 1.959964 * 0.1443375673, 8);
  });

  it('uses the human label when the two texts are the dataset pair', async () => {
    const human = {
      candidates: ['short', 'a much longer reply here'] as const,
      choice: 0 as const,
    };
    expect(humanJudgment(ctx('x', human), 'short', 'a much longer reply here')).toBe('A');
    expect(humanJudgment(ctx('x', human), 'a much longer reply here', 'short')).toBe('B');
    expect(humanJudgment(ctx('x', human), 'short', 'something else')).toBeUndefined();
    expect(humanJudgment(ctx('x'), 'short', 'a much longer reply here')).toBeUndefined();
    const labelled = ['a', 'b', 'c'].map((id) => set(id, [...human.candidates], human));
    const policy = { name: 'long', logProbs: labelled.map(() => oneHot(1, 2)) };
    const [row] = winRateTable(await judgeMatchups(labelled, [policy], [0, 0, 0], longer, 1));
    // Humans preferred the short one every time: 0 wins of 3, Wilson upper bound z^2/(n+z^2).
    expect(row!.human!.rate).toBe(0);
    expect(row!.human!.wilson!.high).toBeCloseTo(1.959964 ** 2 / (3 + 1.959964 ** 2), 9);
  });

  it('draws reproducibly per seed and policy name', () => {
    const policy = {
      name: 'p',
      logProbs: Array.from({ length: 50 }, () => [Math.log(0.5), Math.log(0.5)]),
    };
    expect(drawChoices(policy, 3)).toEqual(drawChoices(policy, 3));
    expect(drawChoices(policy, 3)).not.toEqual(drawChoices(policy, 4));
    const ones = drawChoices(policy, 3).filter((i) => i === 1).length;
    expect(ones).toBeGreaterThan(10);
    expect(ones).toBeLessThan(40);
  });
});

describe('features and exports', () => {
  it('standardises with the training candidates only', () => {
    const s = Standardizer.fit([
      [1, 5],
      [3, 5],
    ]);
    expect(s.apply([2, 5])).toEqual([0, 0]);
    expect(s.apply([3, 7])).toEqual([1, 2]); // std of the constant column is taken as 1
    expect(rawFeatures({ tokens: 4, logprob: -8 }, { context: [1, 2], response: [3, 4] })).toEqual([
      4, -2, 3, 4, 3, 8,
    ]);
  });

  it('measures the effective sample size of the importance weights', () => {
    expect(effectiveSampleSize([0.25, 0.25, 0.25, 0.25].map(Math.log))).toBeCloseTo(4, 12);
    // w = [0.5, 0.5, 0, 0] -> 1 / (0.25 + 0.25) = 2
    expect(effectiveSampleSize([0.5, 0.5, 0, 0].map(Math.log))).toBeCloseTo(2, 12);
  });

  it('builds learner contexts whose log pi_SFT normalises, and exports JSONL', () => {
    const sets = [set('a', ['x y', 'x']), set('b', ['z', 'z z z'])];
    const inputs = sets.map((s) => ({ set: s, rewards: [0.1, -0.1] }));
    const { train, heldOut } = learnerContexts(inputs.slice(0, 1), inputs.slice(1));
    expect(train[0]!.features[0]).toHaveLength(2);
    // z-scores shrunk by 1/sqrt(2): the two candidates sit at +-1/sqrt(2) on each feature.
    expect(Math.abs(train[0]!.features[0]![0]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(Math.exp(heldOut[0]!.logSft[0]!) + Math.exp(heldOut[0]!.logSft[1]!)).toBeCloseTo(1, 12);
    const records = sampleRecords(
      sets,
      [
        [0.1, -0.1],
        [0, 0],
      ],
      [train[0]!.logSft, heldOut[0]!.logSft],
      new Set(['b']),
    );
    const lines = toJsonl(records).trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[3]!)).toMatchObject({
      contextId: 'b',
      split: 'held-out',
      index: 1,
      reward: 0,
    });
  });
});
