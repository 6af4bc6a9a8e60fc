import type { Completion } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import {
  biasedScoreRequest,
  biasGroups,
  captureRequest,
  generateRequest,
  LogprobReadError,
  mergeBiasedGroups,
  otherMass,
  readBiasedLogprobs,
  topTokensRequest,
  twoWayProbability,
} from '../../../../src/lib/engines/webllm/requests';

const CALIBRATED = {
  temperature: 1,
  top_p: 1,
  frequency_penalty: 0,
  presence_penalty: 0,
  repetition_penalty: 1,
};

/** A web-llm text completion whose first position reports these top log-probs. */
function answer(top: [string, number][]): Completion {
  return {
    id: 'x',
    object: 'text_completion',
    created: 0,
    model: 'm',
    choices: [
      {
        index: 0,
        text: top[0]![0],
        finish_reason: 'length',
        logprobs: {
          content: [
            {
              token: top[0]![0],
              bytes: [],
              logprob: top[0]![1],
              top_logprobs: top.map(([token, logprob]) => ({ token, bytes: [], logprob })),
            },
          ],
        },
      },
    ],
  };
}

describe('web-llm requests', () => {
  it('scores "1"/"2" with a raw completion: one token, temperature 1, equal +100 bias', () => {
    expect(biasedScoreRequest('…Preferred Summary=', [16, 17])).toEqual({
      prompt: '…Preferred Summary=',
      stream: false,
      max_tokens: 1,
      ...CALIBRATED,
      seed: 0,
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { '16': 100, '17': 100 },
    });
    expect(() => biasedScoreRequest('p', [1, 2, 3, 4, 5, 6])).toThrow(RangeError);
  });

  it('asks for the unbiased top tokens (at most five) and for a capture pass', () => {
    expect(topTokensRequest('p', 9)).toMatchObject({ top_logprobs: 5, logprobs: true });
    expect(topTokensRequest('p', 9)).not.toHaveProperty('logit_bias');
    expect(captureRequest('p', 3)).toEqual({
      prompt: 'p',
      stream: false,
      max_tokens: 1,
      ...CALIBRATED,
      seed: 3,
    });
  });

  it('streams generation with the request settings', () => {
    const request = { maxTokens: 64, temperature: 0, stop: ['==='], seed: 7, topP: 0.9 };
    expect(generateRequest('p', request)).toEqual({
      prompt: 'p',
      stream: true,
      max_tokens: 64,
      temperature: 0,
      top_p: 0.9,
      frequency_penalty: 0,
      presence_penalty: 0,
      repetition_penalty: 1,
      seed: 7,
      stream_options: { include_usage: true },
      stop: ['==='],
    });
    expect(generateRequest('p', { maxTokens: 1, temperature: 1 })).not.toHaveProperty('stop');
  });
});

describe('reading log-probs back', () => {
  it('matches candidates by decoded text and turns them into a preference', () => {
    const read = readBiasedLogprobs(
      answer([
        ['1', Math.log(0.75)],
        ['2', Math.log(0.25)],
      ]),
      [
        { id: 16, text: '1' },
        { id: 17, text: '2' },
      ],
    );
    expect(read).toEqual(
      new Map([
        [16, Math.log(0.75)],
        [17, Math.log(0.25)],
      ]),
    );
    expect(twoWayProbability(read.get(16)!, read.get(17)!)).toBeCloseTo(0.75, 15);
    // float32 rounding in web-llm's softmax: 0.7 and 0.2999 renormalise to 0.7/0.9999.
    expect(twoWayProbability(Math.log(0.7), Math.log(0.2999))).toBeCloseTo(0.7 / 0.9999, 15);
    expect(twoWayProbability(-Infinity, -Infinity)).toBe(0.5);
  });

  it('gives -Infinity to a candidate missing from the answer, and refuses look-alikes', () => {
    const read = readBiasedLogprobs(answer([['1', 0]]), [
      { id: 16, text: '1' },
      { id: 17, text: '2' },
    ]);
    expect(read.get(17)).toBe(-Infinity);
    expect(() =>
      readBiasedLogprobs(answer([['1', 0]]), [
        { id: 16, text: '1' },
        { id: 99, text: '1' },
      ]),
    ).toThrow(LogprobReadError);
  });

  it('splits ten score tokens into groups of five sharing an anchor, and merges them', () => {
    const ids = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    const groups = biasGroups(ids);
    expect(groups).toEqual([
      [10, 11, 12, 13, 14],
      [10, 15, 16, 17, 18],
      [10, 19],
    ]);
    // True distribution p(k) ∝ k+1 over the ten ids; each read is renormalised over its group.
    const p = (id: number) => id - 9;
    const read = (group: number[]) => {
      const z = group.reduce((s, id) => s + p(id), 0);
      return new Map(group.map((id) => [id, Math.log(p(id) / z)]));
    };
    const merged = mergeBiasedGroups(ids, groups.map(read));
    ids.forEach((id, i) => expect(merged[i]).toBeCloseTo(Math.log(p(id) / 55), 12));
    expect(biasGroups([5])).toEqual([[5]]);
  });

  it('measures the mass left to other tokens', () => {
    expect(otherMass([Math.log(0.5), Math.log(0.3)])).toBeCloseTo(0.2, 15);
    expect(otherMass([0])).toBe(0);
  });
});
