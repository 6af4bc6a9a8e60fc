import type { Completion } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import {
  biasedScoreRequest,
  BIASED_FLOOR,
  biasGroups,
  captureRequest,
  generateRequest,
  LogprobReadError,
  mergeBiasedGroups,
  otherMass,
  readBiasedLogprobs,
  topTokensRequest,
  twoWayProbability,
  webLlmSeed,
} from '../../../../src/lib/engines/webllm/requests';
import { StopScanner } from '../../../../src/lib/engines/stop-strings';

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
    }); // no stop: the engine cuts stop strings itself (StopScanner)
  });

  it("keeps seeds in web-llm's RNG range: seed % (2^31 - 1), never negative", () => {
    expect(webLlmSeed(7)).toBe(7);
    expect(webLlmSeed(0)).toBe(0); // web-llm itself turns a zero state into 1
    expect(webLlmSeed(-7)).toBe(2147483647 - 7);
    expect(webLlmSeed(2.9)).toBe(2);
    expect(generateRequest('p', { maxTokens: 1, temperature: 1, seed: -1 }).seed).toBeGreaterThan(
      0,
    );
  });
});

describe('taking stop strings out of a stream', () => {
  // web-llm's deltas (makeStreamDeltaChunk) hold nothing back: a stop string's first part arrives
  // before the delta that completes it, and that delta is then empty.
  it('holds back what may start a stop string, and cuts at the stop', () => {
    const scan = new StopScanner(['\nPreferred Summary=']);
    const shown = ['Because', ' short.', '\n', 'Preferred', ' Summ', 'ary=', '1'].map((d) =>
      scan.push(d),
    );
    expect(shown).toEqual(['Because', ' short.', '', '', '', '', '']);
    expect(scan.stopped).toBe(true);
    expect(scan.result).toBe('Because short.');
  });

  it('releases held-back text that turned out not to be a stop', () => {
    const scan = new StopScanner(['\nPreferred Summary=']);
    expect(scan.push('a\nPre')).toBe('a');
    expect(scan.push('tty')).toBe('\nPretty');
    expect(scan.push('\nP')).toBe('');
    expect(scan.flush()).toBe('\nP');
    expect(scan.result).toBe('a\nPretty\nP');
    expect(scan.stopped).toBe(false);
  });

  it('stops at the earliest of several stop strings, inside one delta', () => {
    const scan = new StopScanner(['STOP', '==']);
    expect(scan.push('x == y STOP')).toBe('x ');
    expect(scan.result).toBe('x ');
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

  it('reads a candidate missing from the answer at the float32 floor, and refuses look-alikes', () => {
    // getTopProbs stops its scan once 1 - (sum of float32 probs so far) <= its smallest kept
    // prob: with P("1") = 1 - 3e-8 rounded to 1 in float32, "2" (3e-8) is never reached.
    const read = readBiasedLogprobs(
      answer([
        ['1', 0],
        ['3', -Infinity], // web-llm's Math.log(0) for a slot it filled with a zero
      ]),
      [
        { id: 16, text: '1' },
        { id: 17, text: '2' },
        { id: 18, text: '3' },
      ],
    );
    expect(read.get(17)).toBe(BIASED_FLOOR);
    expect(read.get(18)).toBe(BIASED_FLOOR);
    expect(Math.exp(BIASED_FLOOR)).toBeCloseTo(5.96e-8, 10);
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
    // One id biased alone always reads log-prob 0 (d-RLAIF's P("0" after "1") would be 1).
    expect(() => biasGroups([5])).toThrow(LogprobReadError);
    expect(() => biasGroups([5, 5])).toThrow(/single token/);
    expect(() => biasedScoreRequest('p', [5])).toThrow(RangeError);
  });

  it('measures the mass left to other tokens', () => {
    expect(otherMass([Math.log(0.5), Math.log(0.3)])).toBeCloseTo(0.2, 15);
    expect(otherMass([0])).toBe(0);
  });
});
