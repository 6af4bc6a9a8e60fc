// Request bodies for a next-token score: the log-probs of given answer ids after a prompt.
// Prompts go as token ids wherever the server takes them, so BOS and chat template are exactly
// the core's; sampling parameters are always explicit, since servers default to the model's
// generation_config.json and temperature or top-k would change the values some servers report.
import { ServerRequestError } from './errors';
import { KINDS, OPENAI_LEGACY_TOP_N_CAP, type ServerKind } from './kinds';

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface ScoreQuery {
  model: string;
  /** The whole prompt's token ids, built by the core with the model's own tokenizer. */
  promptIds: number[];
  /** The same prompt as text, for kinds that cannot take ids (Ollama, OpenAI). */
  promptText?: string;
  /** Ids whose next-token log-probs are wanted, e.g. those of "1" and "2". */
  answerIds: number[];
  /** Alternatives to return; for top-N-only kinds it must be large enough to hold the answers. */
  topN: number;
  /** OpenAI only: the legacy /v1/completions endpoint (top-N at most 5) instead of chat. */
  openaiLegacy?: boolean;
}

export interface ServerRequest {
  kind: ServerKind;
  path: string;
  body: JsonObject;
}

export function buildScoreRequest(kind: ServerKind, query: ScoreQuery): ServerRequest {
  checkQuery(kind, query);
  const ids = query.promptIds;
  const n = query.topN;
  switch (kind) {
    case 'vllm':
      return {
        kind,
        path: KINDS.vllm.scorePath,
        body: {
          model: query.model,
          prompt: ids,
          max_tokens: 1,
          // logprob_token_ids needs logprobs set; keys as "token_id:N" because text keys collide.
          logprobs: Math.max(1, n),
          logprob_token_ids: query.answerIds,
          return_tokens_as_token_ids: true,
          ...samplingTopKMinus1,
          stream: false,
        },
      };
    case 'sglang':
      return {
        kind,
        path: KINDS.sglang.scorePath,
        body: {
          input_ids: ids,
          // SGLang applies temperature before its log-probs: 1 keeps them the model's own.
          sampling_params: { max_new_tokens: 1, ...samplingTopKMinus1 },
          return_logprob: true,
          top_logprobs_num: n,
          token_ids_logprob: query.answerIds,
          // -1: log-probs of the output only, so the radix cache serves the whole prompt.
          logprob_start_len: -1,
          stream: false,
        },
      };
    case 'llamacpp':
      return {
        kind,
        path: KINDS.llamacpp.scorePath,
        body: {
          prompt: ids,
          n_predict: 1,
          n_probs: n,
          // The default probabilities are a softmax of the raw logits; post-sampler ones are not.
          post_sampling_probs: false,
          cache_prompt: true,
          temperature: 1,
          top_k: 0,
          top_p: 1,
          min_p: 0,
          // llama-server drops the probabilities of a sampled token that ends inside a UTF-8
          // character (a byte token); bias the one sampled token to an answer, which is whole.
          logit_bias: [[query.answerIds[0]!, LLAMACPP_FORCE_BIAS]],
          stream: false,
        },
      };
    case 'ollama':
      return {
        kind,
        path: KINDS.ollama.scorePath,
        body: {
          model: query.model,
          prompt: textOf(kind, query),
          // raw: no server-side template, the core's prompt text is the whole input.
          raw: true,
          stream: false,
          logprobs: true,
          top_logprobs: n,
          options: { num_predict: 1, temperature: 1, top_k: 0, top_p: 1, min_p: 0 },
        },
      };
    case 'openai':
      return query.openaiLegacy
        ? {
            kind,
            path: '/v1/completions',
            body: {
              model: query.model,
              prompt: textOf(kind, query),
              max_tokens: 1,
              logprobs: n,
              temperature: 1,
              top_p: 1,
            },
          }
        : {
            kind,
            path: KINDS.openai.scorePath,
            body: {
              model: query.model,
              // Hosted chat applies the provider's own template: the prompt is not the core's ids.
              messages: [{ role: 'user', content: textOf(kind, query) }],
              max_tokens: 1,
              logprobs: true,
              top_logprobs: n,
              temperature: 1,
              top_p: 1,
            },
          };
  }
}

// Added to the logits by the sampler only: the reported probabilities are of the raw logits.
const LLAMACPP_FORCE_BIAS = 1000;

// vLLM and SGLang both read top_k -1 as "no top-k" (0 is rejected by older versions).
const samplingTopKMinus1 = { temperature: 1, top_p: 1, top_k: -1, min_p: 0 };

function checkQuery(kind: ServerKind, query: ScoreQuery): void {
  const caps = KINDS[kind];
  if (query.answerIds.length === 0)
    throw new ServerRequestError(kind, 'A score needs at least one answer token id.');
  if (caps.exactIdsCap !== null && query.answerIds.length > caps.exactIdsCap)
    throw new ServerRequestError(
      kind,
      `${caps.label} scores at most ${caps.exactIdsCap} token ids in one request ` +
        `(asked for ${query.answerIds.length}); split the ids over several requests.`,
    );
  const cap = kind === 'openai' && query.openaiLegacy ? OPENAI_LEGACY_TOP_N_CAP : caps.topNCap;
  if (!Number.isInteger(query.topN) || query.topN < 0 || (cap !== null && query.topN > cap))
    throw new ServerRequestError(
      kind,
      `${caps.label} returns at most ${cap ?? 'any number of'} top log-probs; ` +
        `top-N ${query.topN} is not allowed. Ask for a whole number up to the cap.`,
    );
  if (!caps.exactIds && query.topN < query.answerIds.length)
    throw new ServerRequestError(
      kind,
      `${caps.label} reports only the top-N tokens: top-N ${query.topN} cannot hold ` +
        `${query.answerIds.length} answer ids. Raise top-N.`,
    );
  if (caps.tokenIdPrompts && query.promptIds.length === 0)
    throw new ServerRequestError(kind, 'The prompt has no token ids; encode it first.');
}

function textOf(kind: ServerKind, query: ScoreQuery): string {
  if (query.promptText === undefined || query.promptText === '')
    throw new ServerRequestError(
      kind,
      `${KINDS[kind].label} cannot take token-id prompts; pass the prompt's text as well.`,
    );
  return query.promptText;
}
