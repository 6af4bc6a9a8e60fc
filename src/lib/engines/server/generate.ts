// Generation requests per server kind and their streamed events, read into one shape. Sampling
// parameters are always explicit (servers default to generation_config.json, and llama.cpp to
// min_p 0.05), so the server draws from the distribution the request names.
import type { GenerateRequest, GenerateResult } from '../../rlaif/engine';
import type { JsonObject } from './requests';
import type { ServerKind } from './kinds';
import type { StreamFormat } from './stream';
import { ServerResponseError } from './errors';

export interface GenerateQuery {
  model: string;
  promptIds: number[];
  promptText: string;
  request: GenerateRequest;
}

export interface StreamRequest {
  path: string;
  body: JsonObject;
  format: StreamFormat;
}

/** One streamed event: new text, the token(s) it came from, and the end when it is the last. */
export interface GenerateEvent {
  text: string;
  /** Token ids with log pi(token) at temperature 1, where the server reports them. */
  tokens: { id: number; logprob: number }[];
  finish?: GenerateResult['finishReason'];
  /** Tokens the server says it generated (llama.cpp counts the EOS too). */
  predicted?: number;
}

export function buildGenerateRequest(kind: ServerKind, q: GenerateQuery): StreamRequest {
  const r = q.request;
  const stop = r.stop ?? [];
  const topK = r.topK ?? 0;
  const topP = r.topP ?? 1;
  const seed = r.seed ?? 0;
  switch (kind) {
    case 'llamacpp':
      return {
        path: '/completion',
        format: 'sse',
        body: {
          prompt: q.promptIds,
          n_predict: r.maxTokens,
          stream: true,
          // n_probs 1 with pre-sampling probs: the chosen token's softmax of the raw logits.
          n_probs: 1,
          post_sampling_probs: false,
          return_tokens: true,
          cache_prompt: true,
          temperature: r.temperature,
          top_k: topK,
          top_p: topP,
          min_p: 0,
          typical_p: 1,
          repeat_penalty: 1,
          presence_penalty: 0,
          frequency_penalty: 0,
          dry_multiplier: 0,
          xtc_probability: 0,
          top_n_sigma: -1,
          seed,
          stop,
        },
      };
    case 'vllm':
    case 'sglang':
    case 'openai':
      return {
        path: '/v1/completions',
        format: 'sse',
        body: {
          model: q.model,
          prompt: kind === 'openai' ? q.promptText : q.promptIds,
          max_tokens: r.maxTokens,
          stream: true,
          temperature: r.temperature,
          top_p: topP,
          // vLLM and SGLang read -1 as no top-k; OpenAI has no top_k parameter.
          ...(kind === 'openai' ? {} : { top_k: topK > 0 ? topK : -1, min_p: 0 }),
          // vLLM's default logprobs mode is the raw model's: the chosen token at temperature 1.
          ...(kind === 'vllm' ? { logprobs: 0, return_tokens_as_token_ids: true } : {}),
          seed,
          ...(stop.length ? { stop } : {}),
        },
      };
    case 'ollama':
      return {
        path: '/api/generate',
        format: 'ndjson',
        body: {
          model: q.model,
          prompt: q.promptText,
          raw: true,
          stream: true,
          options: {
            num_predict: r.maxTokens,
            temperature: r.temperature,
            top_k: topK,
            top_p: topP,
            min_p: 0,
            repeat_penalty: 1,
            seed,
            ...(stop.length ? { stop } : {}),
          },
        },
      };
  }
}

type Fail = (problem: string) => never;

export function parseGenerateEvent(
  kind: ServerKind,
  json: unknown,
  stopsAsked: boolean,
): GenerateEvent {
  const fail: Fail = (problem) => {
    throw new ServerResponseError(
      kind,
      kind === 'ollama' ? '/api/generate' : kind === 'llamacpp' ? '/completion' : '/v1/completions',
      problem,
      'Check the server kind and version against shared/docs/servers.md.',
    );
  };
  if (!isRecord(json)) return fail('a streamed event is not a JSON object.');
  if (isRecord(json.error) || typeof json.error === 'string')
    return fail(`the server reported an error: ${JSON.stringify(json.error).slice(0, 300)}`);
  switch (kind) {
    case 'llamacpp':
      return llamacppEvent(json, fail);
    case 'ollama':
      return ollamaEvent(json, stopsAsked, fail);
    default:
      return completionsEvent(json, fail);
  }
}

const LLAMACPP_FINISH: Record<string, GenerateResult['finishReason']> = {
  eos: 'eos',
  word: 'stop',
  limit: 'length',
};

function llamacppEvent(json: Record<string, unknown>, fail: Fail): GenerateEvent {
  if (typeof json.content !== 'string') return fail('an event has no content text.');
  const probs = Array.isArray(json.completion_probabilities) ? json.completion_probabilities : [];
  const tokens = probs
    .filter(isRecord)
    .flatMap((p) =>
      typeof p.id === 'number' && typeof p.logprob === 'number'
        ? [{ id: p.id, logprob: p.logprob }]
        : [],
    );
  const event: GenerateEvent = { text: json.content, tokens };
  if (json.stop === true) {
    event.finish = LLAMACPP_FINISH[String(json.stop_type)] ?? 'length';
    if (typeof json.tokens_predicted === 'number') event.predicted = json.tokens_predicted;
  }
  return event;
}

// vLLM, SGLang and OpenAI legacy completions: choices[0].text, finish_reason at the end.
function completionsEvent(json: Record<string, unknown>, fail: Fail): GenerateEvent {
  const choice = Array.isArray(json.choices) ? json.choices[0] : undefined;
  if (choice === undefined) return { text: '', tokens: [] }; // a usage-only event
  if (!isRecord(choice) || typeof choice.text !== 'string')
    return fail('choices[0].text is missing from a streamed event.');
  const event: GenerateEvent = { text: choice.text, tokens: vllmTokens(choice.logprobs) };
  const reason = choice.finish_reason;
  if (reason === 'length') event.finish = 'length';
  // A stop string is named in stop_reason (vLLM) or matched_stop (SGLang); EOS leaves null/an id.
  else if (reason === 'stop')
    event.finish = typeof (choice.stop_reason ?? choice.matched_stop) === 'string' ? 'stop' : 'eos';
  else if (typeof reason === 'string') event.finish = 'length';
  return event;
}

function vllmTokens(logprobs: unknown): GenerateEvent['tokens'] {
  if (!isRecord(logprobs) || !Array.isArray(logprobs.tokens)) return [];
  const values = Array.isArray(logprobs.token_logprobs) ? logprobs.token_logprobs : [];
  return logprobs.tokens.flatMap((t: unknown, i) => {
    const id = typeof t === 'string' ? /^token_id:(\d+)$/.exec(t)?.[1] : undefined;
    const lp: unknown = values[i];
    return id !== undefined && typeof lp === 'number'
      ? [{ id: Number(id), logprob: lp <= -9999 ? -Infinity : lp }]
      : [];
  });
}

// Ollama says done_reason "stop" for an EOS and a stop string alike.
function ollamaEvent(
  json: Record<string, unknown>,
  stopsAsked: boolean,
  fail: Fail,
): GenerateEvent {
  if (typeof json.response !== 'string') return fail('an event has no response text.');
  const event: GenerateEvent = { text: json.response, tokens: [] };
  if (json.done === true) {
    event.finish = json.done_reason === 'length' ? 'length' : stopsAsked ? 'stop' : 'eos';
    if (typeof json.eval_count === 'number') event.predicted = json.eval_count;
  }
  return event;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
