// The web-llm requests the engine sends, and reading their answers back. All of them are raw
// completions (engine.completions.create): the core has already applied the model's chat template
// to the prompt text, and a raw completion adds no template of its own (it also resets the KV cache
// on every call, so no state leaks from one prompt into the next).
import type {
  Completion,
  CompletionCreateParamsNonStreaming,
  CompletionCreateParamsStreaming,
} from '@mlc-ai/web-llm';
import type { GenerateRequest } from '../../rlaif/engine';
import { logAddExp } from '../../rlaif/preference';

/** web-llm accepts logit_bias values in [-100, 100]. */
export const LOGIT_BIAS = 100;
/** web-llm accepts top_logprobs in [0, 5]; logprobs: true alone returns nothing. */
export const MAX_TOP_LOGPROBS = 5;
/**
 * What a biased read reports for a candidate web-llm left out: getTopProbs stops scanning once the
 * float32 probabilities it has summed leave less than its smallest kept one, and float32 cannot
 * tell 1 - p from 1 below p = 2^-24, so such a candidate's probability is at most about that.
 */
export const BIASED_FLOOR = Math.log(2 ** -24);

/** web-llm's RNG (LinearCongruentialGenerator.setSeed) keeps seed % (2^31 - 1); below 0 it throws. */
const SEED_MODULUS = 2147483647;

/** A seed web-llm accepts, the same for the same input: negatives and fractions wrap into range. */
export function webLlmSeed(seed: number): number {
  return ((Math.trunc(seed) % SEED_MODULUS) + SEED_MODULUS) % SEED_MODULUS;
}

/**
 * Settings that keep web-llm's log-probs calibrated: log-probs are computed after temperature and
 * logit_bias, so temperature is 1; top_p 1 and no penalties so the model's own
 * mlc-chat-config.json defaults (often top_p 0.9, repetition_penalty 1.05) cannot reshape them.
 */
const CALIBRATED = {
  temperature: 1,
  top_p: 1,
  frequency_penalty: 0,
  presence_penalty: 0,
  repetition_penalty: 1,
} as const;

/**
 * One next-token read with an equal bias on the candidate ids. Adding the same constant to a set
 * of logits keeps their ratios, and +100 pushes every other token's probability to ~e^-100, so the
 * returned log-probs are the distribution *over the candidates only*. What mass the model put on
 * other tokens is then unknown; the full-vocabulary path (logit-processor.ts) measures it.
 */
export function biasedScoreRequest(
  prompt: string,
  tokenIds: number[],
  seed = 0,
): CompletionCreateParamsNonStreaming {
  if (tokenIds.length < 2 || tokenIds.length > MAX_TOP_LOGPROBS) {
    throw new RangeError(`a biased read takes 2 to ${MAX_TOP_LOGPROBS} token ids`);
  }
  return {
    prompt,
    stream: false,
    max_tokens: 1,
    ...CALIBRATED,
    seed: webLlmSeed(seed),
    logprobs: true,
    top_logprobs: tokenIds.length,
    logit_bias: Object.fromEntries(tokenIds.map((id) => [String(id), LOGIT_BIAS])),
  };
}

/** An unbiased read of the k most likely next tokens (k <= 5), for the next-token view. */
export function topTokensRequest(
  prompt: string,
  k: number,
  seed = 0,
): CompletionCreateParamsNonStreaming {
  return {
    prompt,
    stream: false,
    max_tokens: 1,
    ...CALIBRATED,
    seed: webLlmSeed(seed),
    logprobs: true,
    top_logprobs: Math.min(Math.max(1, k), MAX_TOP_LOGPROBS),
  };
}

/** One forward pass whose raw logits the worker's logit processor captures. */
export function captureRequest(prompt: string, seed = 0): CompletionCreateParamsNonStreaming {
  return { prompt, stream: false, max_tokens: 1, ...CALIBRATED, seed: webLlmSeed(seed) };
}

/**
 * Streaming generation. Temperature 0 is greedy in web-llm. It has no top-k sampling, so
 * GenerateRequest.topK is not supported on this engine (top_p is). Stop strings are not sent:
 * web-llm's deltas would already hold a stop string's first part when it cuts the message, so
 * the engine finds them itself (StopScanner); the stream decodes only as it is read, so nothing
 * runs past the stop.
 */
export function generateRequest(
  prompt: string,
  request: Pick<GenerateRequest, 'maxTokens' | 'temperature' | 'topP' | 'stop' | 'seed'>,
): CompletionCreateParamsStreaming {
  return {
    prompt,
    stream: true,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP ?? 1,
    frequency_penalty: 0,
    presence_penalty: 0,
    repetition_penalty: 1,
    seed: webLlmSeed(request.seed ?? 0),
    // The last chunk then carries the token counts.
    stream_options: { include_usage: true },
  };
}

/**
 * Groups of at most five ids for biased reads, each starting with the same anchor id (the first),
 * so reads of ten d-RLAIF score tokens can be put on one scale (see mergeBiasedGroups).
 */
export function biasGroups(tokenIds: number[], size = MAX_TOP_LOGPROBS): number[][] {
  const [anchor, ...rest] = [...new Set(tokenIds)];
  if (anchor === undefined) return [];
  if (rest.length === 0) {
    // Biased to +100 alone, one token takes all the mass: its log-prob would read 0, always.
    throw new LogprobReadError(
      'A biased read of a single token always gives it probability 1, so it measures nothing ' +
        '(d-RLAIF\'s P("0" after "1") is one). Load the model with full-vocabulary capture ' +
        '(the default), which reads the exact log-prob.',
    );
  }
  const groups: number[][] = [];
  for (let i = 0; i < rest.length; i += size - 1)
    groups.push([anchor, ...rest.slice(i, i + size - 1)]);
  return groups;
}

/**
 * Put biased reads of overlapping groups on one scale. Within a group, log p(t) - log p(anchor)
 * is the model's own log-ratio, so each id's ratio to the anchor is known; renormalising those
 * ratios gives the distribution over all the ids. Returns log-probs aligned with tokenIds.
 */
export function mergeBiasedGroups(tokenIds: number[], groups: Map<number, number>[]): number[] {
  const anchor = tokenIds[0];
  const ratio = new Map<number, number>();
  for (const group of groups) {
    const anchorLp = anchor === undefined ? undefined : group.get(anchor);
    if (anchorLp === undefined) continue;
    for (const [id, lp] of group) ratio.set(id, lp - anchorLp);
  }
  const ratios = tokenIds.map((id) => ratio.get(id) ?? -Infinity);
  const total = ratios.reduce(logAddExp, -Infinity);
  return ratios.map((r) => (total === -Infinity ? -Infinity : r - total));
}

export class LogprobReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogprobReadError';
  }
}

/**
 * The log-probs of the candidates in a biased answer, keyed by id. web-llm names top_logprobs
 * entries by decoded text, not id, so each candidate is matched by its own decoded text; two
 * candidates that decode alike cannot be told apart on this path. A candidate absent from the
 * answer, or at probability 0, gets BIASED_FLOOR: below it web-llm's float32 scan cannot see it.
 */
export function readBiasedLogprobs(
  completion: Completion,
  candidates: { id: number; text: string }[],
): Map<number, number> {
  const texts = candidates.map((c) => c.text);
  const clash = texts.find((t, i) => texts.indexOf(t) !== i);
  if (clash !== undefined) {
    throw new LogprobReadError(
      `Two candidate tokens both decode to ${JSON.stringify(clash)}: web-llm reports log-probs by ` +
        'text, so they cannot be told apart. Use the full-vocabulary path (logit processor).',
    );
  }
  const entries = completion.choices[0]?.logprobs?.content?.[0]?.top_logprobs ?? [];
  const byText = new Map(entries.map((e) => [e.token, e.logprob]));
  const read = (text: string) => {
    const lp = byText.get(text) ?? -Infinity;
    return lp === -Infinity ? BIASED_FLOOR : lp;
  };
  return new Map(candidates.map((c) => [c.id, read(c.text)]));
}

/** The top-k tokens of an unbiased answer, ids found by the caller's text lookup. */
export function readTopTokens(
  completion: Completion,
  idOf: (text: string) => number | undefined,
): { id: number; logprob: number }[] {
  const entries = completion.choices[0]?.logprobs?.content?.[0]?.top_logprobs ?? [];
  return entries.flatMap((e) => {
    const id = idOf(e.token);
    return id === undefined ? [] : [{ id, logprob: e.logprob }];
  });
}

/**
 * P(first candidate) from the two log-probs of a biased read. They are already a two-way
 * distribution (they sum to ~1 in probability); renormalising in log space guards against the
 * float32 rounding of web-llm's softmax.
 */
export function twoWayProbability(first: number, second: number): number {
  const total = logAddExp(first, second);
  return total === -Infinity ? 0.5 : Math.exp(first - total);
}

/** Probability mass the log-probs leave to other tokens (meaningful on the full-vocabulary path). */
export function otherMass(logprobs: number[]): number {
  return Math.max(0, -Math.expm1(logprobs.reduce(logAddExp, -Infinity)));
}
