import { describe, expect, it } from 'vitest';
import {
  buildGenerateRequest,
  parseGenerateEvent,
} from '../../../../src/lib/engines/server/generate';
import { ServerResponseError } from '../../../../src/lib/engines/server/errors';
import type { GenerateRequest } from '../../../../src/lib/rlaif/engine';

const request: GenerateRequest = {
  prefix: ['<s>Q: '],
  continuation: 'why?\nA:',
  maxTokens: 16,
  temperature: 0.7,
  topK: 40,
  topP: 0.9,
  seed: 7,
  stop: ['\n\n'],
};
const query = { model: 'm', promptIds: [1, 5, 6], promptText: '<s>Q: why?\nA:', request };

describe('generation requests', () => {
  it('llama.cpp: ids, every sampler explicit (min_p defaults to 0.05 there), token log-probs asked', () => {
    const r = buildGenerateRequest('llamacpp', query);
    expect(r.path).toBe('/completion');
    expect(r.format).toBe('sse');
    expect(r.body).toMatchObject({
      prompt: [1, 5, 6],
      n_predict: 16,
      stream: true,
      n_probs: 1,
      post_sampling_probs: false,
      temperature: 0.7,
      top_k: 40,
      top_p: 0.9,
      min_p: 0,
      seed: 7,
      stop: ['\n\n'],
    });
  });

  it('vLLM and SGLang take ids and top_k -1 for none; OpenAI text and no top_k; Ollama raw NDJSON', () => {
    const vllm = buildGenerateRequest('vllm', { ...query, request: { ...request, topK: 0 } });
    expect(vllm.body).toMatchObject({ prompt: [1, 5, 6], top_k: -1, logprobs: 0, seed: 7 });
    expect(buildGenerateRequest('sglang', query).body).toMatchObject({ top_k: 40 });
    expect(buildGenerateRequest('sglang', query).body).not.toHaveProperty('logprobs');
    const openai = buildGenerateRequest('openai', query);
    expect(openai.body.prompt).toBe('<s>Q: why?\nA:');
    expect(openai.body).not.toHaveProperty('top_k');
    const ollama = buildGenerateRequest('ollama', query);
    expect([ollama.path, ollama.format]).toEqual(['/api/generate', 'ndjson']);
    expect(ollama.body).toMatchObject({
      raw: true,
      options: { num_predict: 16, temperature: 0.7, top_k: 40, top_p: 0.9, seed: 7 },
    });
  });
});

describe('streamed generation events', () => {
  it("llama.cpp: content, the chosen token's log-prob, stop_type mapped", () => {
    const partial = {
      index: 0,
      content: ' yes',
      tokens: [42],
      stop: false,
      completion_probabilities: [
        {
          id: 42,
          token: ' yes',
          bytes: [32],
          logprob: -0.25,
          top_logprobs: [{ id: 42, logprob: -0.25 }],
        },
      ],
    };
    expect(parseGenerateEvent('llamacpp', partial, false)).toEqual({
      text: ' yes',
      tokens: [{ id: 42, logprob: -0.25 }],
    });
    const final = {
      content: '',
      stop: true,
      stop_type: 'word',
      stopping_word: '\n\n',
      tokens_predicted: 5,
    };
    expect(parseGenerateEvent('llamacpp', final, true)).toMatchObject({
      finish: 'stop',
      predicted: 5,
    });
    expect(parseGenerateEvent('llamacpp', { ...final, stop_type: 'eos' }, true).finish).toBe('eos');
    expect(parseGenerateEvent('llamacpp', { ...final, stop_type: 'limit' }, true).finish).toBe(
      'length',
    );
  });

  it('vLLM: token_id keys give ids; stop_reason tells a stop string from an EOS', () => {
    const event = {
      choices: [
        {
          index: 0,
          text: 'ab',
          logprobs: { tokens: ['token_id:7', 'token_id:9'], token_logprobs: [-1.5, -9999.0] },
          finish_reason: null,
        },
      ],
    };
    expect(parseGenerateEvent('vllm', event, false)).toEqual({
      text: 'ab',
      tokens: [
        { id: 7, logprob: -1.5 },
        { id: 9, logprob: -Infinity },
      ],
    });
    const end = (stop_reason: unknown) => ({
      choices: [{ index: 0, text: '', finish_reason: 'stop', stop_reason }],
    });
    expect(parseGenerateEvent('vllm', end('\n\n'), true).finish).toBe('stop');
    expect(parseGenerateEvent('vllm', end(null), true).finish).toBe('eos');
    expect(
      parseGenerateEvent('sglang', { choices: [{ text: '', finish_reason: 'length' }] }, true)
        .finish,
    ).toBe('length');
    // A usage-only last event (stream_options.include_usage) carries no choice.
    expect(parseGenerateEvent('vllm', { choices: [], usage: {} }, false)).toEqual({
      text: '',
      tokens: [],
    });
  });

  it('Ollama: response text, done_reason; no token log-probs', () => {
    expect(parseGenerateEvent('ollama', { response: 'hi', done: false }, false)).toEqual({
      text: 'hi',
      tokens: [],
    });
    const done = { response: '', done: true, done_reason: 'stop', eval_count: 3 };
    expect(parseGenerateEvent('ollama', done, false)).toMatchObject({
      finish: 'eos',
      predicted: 3,
    });
    expect(parseGenerateEvent('ollama', { ...done, done_reason: 'length' }, true).finish).toBe(
      'length',
    );
  });

  it('an error event or a shapeless one is a typed error naming the endpoint', () => {
    expect(() =>
      parseGenerateEvent('llamacpp', { error: { code: 500, message: 'boom' } }, false),
    ).toThrow(ServerResponseError);
    expect(() => parseGenerateEvent('ollama', { nope: 1 }, false)).toThrow(/\/api\/generate/);
  });
});
