// Request bodies per server kind, against the parameters shared/docs/servers.md documents.
import { describe, expect, it } from 'vitest';
import {
  buildScoreRequest,
  KINDS,
  ServerRequestError,
  type ScoreQuery,
} from '../../../../src/lib/engines/server';

const query: ScoreQuery = {
  model: 'm',
  promptIds: [1, 15, 27],
  promptText: 'Which is better? ',
  answerIds: [16, 17],
  topN: 20,
};

describe('buildScoreRequest', () => {
  it('asks vLLM for exact ids with logprob_token_ids, logprobs set and token-id keys', () => {
    const r = buildScoreRequest('vllm', { ...query, topN: 0 });
    expect(r.path).toBe('/v1/completions');
    expect(r.body).toEqual({
      model: 'm',
      prompt: [1, 15, 27],
      max_tokens: 1,
      logprobs: 1,
      logprob_token_ids: [16, 17],
      return_tokens_as_token_ids: true,
      temperature: 1,
      top_p: 1,
      top_k: -1,
      min_p: 0,
      stream: false,
    });
  });

  it('refuses more than 128 ids for vLLM and says to split them', () => {
    const ids = Array.from({ length: 129 }, (_, i) => i);
    expect(() => buildScoreRequest('vllm', { ...query, answerIds: ids })).toThrow(
      /at most 128.*split/,
    );
    expect(() =>
      buildScoreRequest('vllm', { ...query, answerIds: ids.slice(0, 128) }),
    ).not.toThrow();
  });

  it('uses SGLang native /generate with input_ids, return_logprob and token_ids_logprob', () => {
    const r = buildScoreRequest('sglang', query);
    expect(r.path).toBe('/generate');
    expect(r.body).toMatchObject({
      input_ids: [1, 15, 27],
      return_logprob: true,
      top_logprobs_num: 20,
      token_ids_logprob: [16, 17],
      logprob_start_len: -1,
      sampling_params: { max_new_tokens: 1, temperature: 1, top_p: 1, top_k: -1, min_p: 0 },
    });
  });

  it('sends llama.cpp /completion token ids with n_probs, n_predict 1 and cache_prompt', () => {
    const r = buildScoreRequest('llamacpp', query);
    expect(r.path).toBe('/completion');
    expect(r.body).toMatchObject({
      prompt: [1, 15, 27],
      n_predict: 1,
      n_probs: 20,
      cache_prompt: true,
      temperature: 1,
      top_k: 0,
      top_p: 1,
      logit_bias: [[16, 1000]], // the sampled token must be whole UTF-8 for its probs to come back
    });
  });

  it('sends Ollama raw text with the documented options and caps top_logprobs at 20', () => {
    const r = buildScoreRequest('ollama', query);
    expect(r.path).toBe('/api/generate');
    expect(r.body).toEqual({
      model: 'm',
      prompt: 'Which is better? ',
      raw: true,
      stream: false,
      logprobs: true,
      top_logprobs: 20,
      options: { num_predict: 1, temperature: 1, top_k: 0, top_p: 1, min_p: 0 },
    });
    expect(() => buildScoreRequest('ollama', { ...query, topN: 21 })).toThrow(ServerRequestError);
  });

  it('uses OpenAI chat with top_logprobs up to 20 and legacy completions up to 5', () => {
    const chat = buildScoreRequest('openai', query);
    expect(chat.path).toBe('/v1/chat/completions');
    expect(chat.body).toMatchObject({
      logprobs: true,
      top_logprobs: 20,
      temperature: 1,
      top_p: 1,
      max_tokens: 1,
    });
    expect(chat.body).not.toHaveProperty('top_k');
    const legacy = buildScoreRequest('openai', { ...query, openaiLegacy: true, topN: 5 });
    expect(legacy).toMatchObject({
      path: '/v1/completions',
      body: { logprobs: 5, prompt: 'Which is better? ' },
    });
    expect(() => buildScoreRequest('openai', { ...query, openaiLegacy: true, topN: 6 })).toThrow(
      /at most 5/,
    );
  });

  it('needs text where a kind cannot take ids, and a top-N that can hold the answers', () => {
    expect(() => buildScoreRequest('ollama', { ...query, promptText: undefined })).toThrow(/text/);
    expect(() => buildScoreRequest('llamacpp', { ...query, topN: 1 })).toThrow(/Raise top-N/);
    expect(() => buildScoreRequest('vllm', { ...query, answerIds: [] })).toThrow(/at least one/);
  });

  it('sends top_k explicitly exactly where the kind has it', () => {
    for (const kind of ['vllm', 'llamacpp', 'ollama', 'openai'] as const) {
      const body = buildScoreRequest(kind, { ...query, topN: 5 }).body;
      const options = body.options as Record<string, unknown> | undefined;
      expect('top_k' in body || (options !== undefined && 'top_k' in options)).toBe(
        KINDS[kind].hasTopK,
      );
    }
  });
});
