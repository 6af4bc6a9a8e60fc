// Parsing each kind's next-token response, on hand-written fixtures shaped as shared/docs/
// servers.md documents them, including the traps it lists.
import { describe, expect, it } from 'vitest';
import {
  parseScore,
  ServerResponseError,
  type ScoreQuery,
} from '../../../../src/lib/engines/server';
import type { TokenizerAccess } from '../../../../src/lib/rlaif/engine';

const query: ScoreQuery = {
  model: 'm',
  promptIds: [1, 2, 3],
  promptText: 'x',
  answerIds: [16, 17],
  topN: 3,
};
const ln = Math.log;

// A tiny vocabulary: id 18 decodes to "1" like id 16 but "1" encodes to 16 (a sentencepiece
// "▁1" vs "1" style clash), so text alone cannot identify id 18.
const VOCAB: Record<number, string> = { 16: '1', 17: '2', 18: '1', 19: 'A', 20: ' B' };
const tokenizer: TokenizerAccess = {
  vocabSize: 32,
  decode: (ids) => ids.map((id) => VOCAB[id] ?? '?').join(''),
  encode: (text) => {
    const id = [16, 17, 19, 20].find((i) => VOCAB[i] === text);
    return id === undefined ? [0, 0] : [id];
  },
};

describe('parseScore: exact kinds', () => {
  it('reads vLLM "token_id:N" keys, the requested ids exact, and -9999.0 as -inf', () => {
    const json = {
      choices: [
        {
          text: 'token_id:19',
          logprobs: {
            tokens: ['token_id:19'],
            token_logprobs: [ln(0.5)],
            top_logprobs: [
              { 'token_id:19': ln(0.5), 'token_id:16': ln(0.3), 'token_id:17': -9999.0 },
            ],
            text_offset: [0],
          },
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 1 },
    };
    const { scores, quality } = parseScore('vllm', json, query);
    expect(scores.logprobs[0]).toBeCloseTo(ln(0.3), 12);
    expect(scores.logprobs[1]).toBe(-Infinity);
    expect(scores.top.map((t) => t.id)).toEqual([19, 16, 17]);
    expect(scores.promptTokens).toBe(3);
    expect(quality).toEqual({
      exact: true,
      returnedMass: expect.closeTo(0.8, 12),
      missing: [],
      ambiguous: [],
    });
  });

  it('refuses vLLM keys by decoded text, since two ids with one text collide', () => {
    const json = { choices: [{ logprobs: { top_logprobs: [{ '1': -0.5, '2': -1 }] } }] };
    const error = catchError(() => parseScore('vllm', json, query));
    expect(error).toBeInstanceOf(ServerResponseError);
    expect(error).toMatchObject({ kind: 'vllm', endpoint: '/v1/completions' });
    expect(error.message).toMatch(/collide.*return_tokens_as_token_ids/);
  });

  it('reads SGLang meta_info [logprob, id, text] triples for token_ids_logprob', () => {
    const json = {
      text: 'A',
      meta_info: {
        prompt_tokens: 3,
        output_token_logprobs: [[ln(0.6), 19, null]],
        output_top_logprobs: [[[ln(0.6), 19, null]]],
        output_token_ids_logprobs: [
          [
            [ln(0.1), 16, null],
            [ln(0.05), 17, null],
          ],
        ],
      },
    };
    const { scores, quality } = parseScore('sglang', json, { ...query, topN: 1 });
    expect(scores.logprobs).toEqual([ln(0.1), ln(0.05)]);
    expect(scores.top).toEqual([{ id: 19, logprob: ln(0.6) }]);
    expect(quality.exact).toBe(true);
    expect(quality.returnedMass).toBeCloseTo(0.75, 12);
    const noTop = {
      meta_info: { output_top_logprobs: [null], output_token_ids_logprobs: [[[-1, 16, null]]] },
    };
    const parsed = parseScore('sglang', noTop, { ...query, answerIds: [16], topN: 0 });
    expect(parsed.scores).toMatchObject({ logprobs: [-1], top: [] });
  });
});

describe('parseScore: top-N kinds', () => {
  it('reads llama.cpp native completion_probabilities and reports a missing answer id', () => {
    const json = {
      content: 'A',
      tokens_evaluated: 3,
      completion_probabilities: [
        {
          id: 19,
          token: 'A',
          bytes: [65],
          logprob: ln(0.7),
          top_logprobs: [
            { id: 19, token: 'A', bytes: [65], logprob: ln(0.7) },
            { id: 16, token: '1', bytes: [49], logprob: ln(0.2) },
            { id: 20, token: ' B', bytes: [32, 66], logprob: ln(0.05) },
          ],
        },
      ],
    };
    const { scores, quality } = parseScore('llamacpp', json, query);
    expect(scores.logprobs[0]).toBeCloseTo(ln(0.2), 12);
    expect(scores.logprobs[1]).toBeNaN(); // never a silent zero
    expect(quality).toMatchObject({ exact: false, missing: [17], ambiguous: [] });
    expect(quality.returnedMass).toBeCloseTo(0.95, 12);
  });

  it('reads llama.cpp /v1/completions chat-shaped logprobs.content with ids', () => {
    const top = [
      { id: 17, token: '2', bytes: [50], logprob: ln(0.6) },
      { id: 16, token: '1', bytes: [49], logprob: ln(0.3) },
    ];
    const json = {
      choices: [
        {
          text: '2',
          logprobs: {
            content: [{ id: 17, token: '2', bytes: [50], logprob: ln(0.6), top_logprobs: top }],
          },
        },
      ],
    };
    const { scores, quality } = parseScore('llamacpp', json, query);
    expect(scores.logprobs).toEqual([ln(0.3), ln(0.6)]);
    expect(quality.exact).toBe(true);
  });

  it('renormalises within the top-N only when asked, and says so', () => {
    const json = {
      completion_probabilities: [
        {
          top_logprobs: [
            { id: 16, token: '1', logprob: ln(0.3) },
            { id: 17, token: '2', logprob: ln(0.1) },
          ],
        },
      ],
    };
    const { scores, quality } = parseScore('llamacpp', json, query, { renormalise: true });
    expect(scores.logprobs[0]).toBeCloseTo(ln(0.75), 12);
    expect(scores.logprobs[1]).toBeCloseTo(ln(0.25), 12);
    expect(quality).toMatchObject({ exact: false, renormalisedWithin: 2, missing: [] });
    expect(quality.returnedMass).toBeCloseTo(0.4, 12);
  });

  it('maps Ollama token texts to ids with the tokenizer and flags an ambiguous text', () => {
    const json = {
      model: 'm',
      response: 'A',
      done: true,
      logprobs: [
        {
          token: 'A',
          logprob: ln(0.5),
          bytes: [65],
          top_logprobs: [
            { token: 'A', logprob: ln(0.5), bytes: [65] },
            { token: '1', logprob: ln(0.3), bytes: [49] },
            { token: '2', logprob: ln(0.1), bytes: [50] },
          ],
        },
      ],
    };
    const plain = parseScore('ollama', json, query, { tokenizer });
    expect(plain.scores.logprobs).toEqual([ln(0.3), ln(0.1)]);
    expect(plain.scores.top.map((t) => t.id)).toEqual([19, 16, 17]);
    expect(plain.quality.exact).toBe(true);
    const clash = parseScore('ollama', json, { ...query, answerIds: [18, 17] }, { tokenizer });
    expect(clash.scores.logprobs[0]).toBeNaN();
    expect(clash.quality).toMatchObject({ exact: false, ambiguous: [18], missing: [] });
    expect(() => parseScore('ollama', json, query)).toThrow(/tokenizer/);
  });

  it('reads OpenAI chat and legacy completions top_logprobs by text', () => {
    const chat = {
      choices: [
        {
          logprobs: {
            content: [
              {
                token: '1',
                logprob: ln(0.9),
                top_logprobs: [
                  { token: '1', logprob: ln(0.9), bytes: [49] },
                  { token: '2', logprob: ln(0.08), bytes: [50] },
                ],
              },
            ],
          },
        },
      ],
    };
    expect(parseScore('openai', chat, query, { tokenizer }).scores.logprobs).toEqual([
      ln(0.9),
      ln(0.08),
    ]);
    const legacy = {
      choices: [
        {
          text: '1',
          logprobs: {
            tokens: ['1'],
            token_logprobs: [ln(0.9)],
            top_logprobs: [{ '1': ln(0.9), A: ln(0.01) }],
          },
        },
      ],
    };
    const parsed = parseScore('openai', legacy, { ...query, openaiLegacy: true }, { tokenizer });
    expect(parsed.quality.missing).toEqual([17]);
  });
});

describe('parseScore: malformed responses', () => {
  it('names the kind, endpoint and missing path', () => {
    const error = catchError(() => parseScore('llamacpp', { content: 'A' }, query));
    expect(error).toMatchObject({
      name: 'ServerResponseError',
      kind: 'llamacpp',
      endpoint: '/completion',
    });
    expect(error.message).toMatch(/no choices/);
    expect(() => parseScore('sglang', { meta_info: {} }, query)).toThrow(
      /output_token_ids_logprobs/,
    );
    const bad = { completion_probabilities: [{ top_logprobs: [{ id: 16, logprob: 'x' }] }] };
    expect(() => parseScore('llamacpp', bad, query)).toThrow(ServerResponseError);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected a throw');
}
