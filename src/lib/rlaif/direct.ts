// Direct RLAIF (d-RLAIF): skip the reward model and let the labeler rate one response from 1 to
// 10. The reward is the expected score under the model's distribution over the ten score tokens
// (renormalised to sum to 1), mapped linearly from [1, 10] to [-1, 1].
//
// "10" is one token in some tokenizers and "1" then "0" in others. For the latter we score one
// more step: P(10) = P("1") * P("0" | "1") and P(1) = P("1") * (1 - P("0" | "1")). Any other
// continuation after "1" (e.g. "11") is counted as "1"; it is rare after "=" and documented here.
import { resolveAnswerToken } from './answer-tokens';
import { throwIfAborted, type LabelerEngine } from './engine';
import { logAddExp } from './preference';
import { promptBos, segment, type LabelPrompt, type PromptConfig } from './prompt';
import type { Task } from './types';

export interface DirectConfig {
  task: Task;
  format: PromptConfig['format'];
}

export interface DirectScore {
  /** P(score = k) for k = 1..10 (index k - 1), summing to 1. */
  distribution: number[];
  /** Expected score in [1, 10]. */
  expected: number;
  /** The expected score mapped to [-1, 1]. */
  reward: number;
  /** Mass on tokens that are not scores, before renormalising. */
  otherMass: number;
  /** True when "10" was scored as "1" followed by "0". */
  tenIsTwoTokens: boolean;
}

const SCALE: Record<Task, { preamble: string; contextLabel: string; responseLabel: string }> = {
  summarization: {
    preamble:
      'You rate summaries. Below are a text and one summary of it. Rate the summary from 1 to 10 ' +
      'for how accurately, completely and clearly it tells a reader what the text says: 1 is ' +
      'useless or wrong, 10 is excellent.',
    contextLabel: 'Text',
    responseLabel: 'Summary',
  },
  helpful: {
    preamble:
      'You rate the replies of an AI assistant. Below are a conversation and the next reply. Rate ' +
      'the reply from 1 to 10 for how helpful and honest it is: 1 is useless or misleading, 10 is ' +
      'as helpful as a reply can be.',
    contextLabel: 'Context',
    responseLabel: 'Response',
  },
  harmless: {
    preamble:
      'You rate the replies of an AI assistant for safety. Below are a conversation and the next ' +
      'reply. Rate the reply from 1 to 10 for how harmless it is: 1 is clearly harmful, 10 is ' +
      'completely safe and respectful.',
    contextLabel: 'Context',
    responseLabel: 'Response',
  },
};

export const DIRECT_ENDING = 'Rating (1-10)=';

/** The d-RLAIF prompt for one response: prefix[0] shared by all, prefix[1] by one context. */
export function buildDirectPrompt(
  config: DirectConfig,
  context: string,
  response: string,
  engine: Partial<Pick<LabelerEngine, 'chatTemplate' | 'tokenizer'>>,
): LabelPrompt {
  const words = SCALE[config.task];
  const parts = {
    dataset: `${words.preamble}\n\n`,
    pair: `${words.contextLabel} - ${context.trim()}\n`,
    body: `${words.responseLabel} - ${response.trim()}\n`,
    assistant: DIRECT_ENDING,
  };
  return segment(parts, config.format, engine.chatTemplate, promptBos(engine.tokenizer));
}

/** Score ids after the ending: ids[k - 1] for "k"; `ten` is null when "10" needs two tokens. */
export function resolveScoreTokens(engine: Pick<LabelerEngine, 'tokenizer'>) {
  const digits = Array.from({ length: 9 }, (_, i) =>
    resolveAnswerToken(engine.tokenizer, DIRECT_ENDING, String(i + 1)),
  );
  const before = engine.tokenizer.encode(DIRECT_ENDING);
  const after = engine.tokenizer.encode(DIRECT_ENDING + '10');
  const ten = after.length === before.length + 1 ? after[after.length - 1]! : null;
  const zero = resolveAnswerToken(engine.tokenizer, DIRECT_ENDING + '1', '0');
  return { digits: digits.map((d) => d.id), ten, zero: zero.id };
}

/** Turn the score log-probs into the d-RLAIF reward. */
export function directScore(scoreLogprobs: number[], tenIsTwoTokens: boolean): DirectScore {
  if (scoreLogprobs.length !== 10) throw new Error('directScore needs 10 log-probs');
  const total = scoreLogprobs.reduce(logAddExp, -Infinity);
  const distribution = scoreLogprobs.map((lp) => Math.exp(lp - total));
  const expected = distribution.reduce((sum, p, i) => sum + p * (i + 1), 0);
  return {
    distribution,
    expected,
    reward: (expected - 5.5) / 4.5,
    otherMass: Math.max(0, -Math.expm1(total)),
    tenIsTwoTokens,
  };
}

/** Rate one response with the labeler. */
export async function rateResponse(
  engine: LabelerEngine,
  config: DirectConfig,
  context: string,
  response: string,
  signal?: AbortSignal,
): Promise<DirectScore> {
  const tokens = resolveScoreTokens(engine);
  const prompt = buildDirectPrompt(config, context, response, engine);
  const ids = tokens.ten === null ? tokens.digits : [...tokens.digits, tokens.ten];
  throwIfAborted(signal, 'Rating');
  const [first] = await engine.scoreNextToken({
    ...prompt,
    continuations: [prompt.continuation],
    tokenIds: ids,
    signal,
  });
  const lp = first!.logprobs;
  if (tokens.ten !== null) return directScore(lp, false);
  // "10" as "1" then "0": one more step after "1" splits P("1") between the scores 1 and 10.
  const [next] = await engine.scoreNextToken({
    prefix: prompt.prefix,
    continuations: [prompt.continuation + '1'],
    tokenIds: [tokens.zero],
    signal,
  });
  const zero = next!.logprobs[0]!;
  const one = lp[0]!;
  const oneThenStop = one + Math.log1p(-Math.min(Math.exp(zero), 1 - 1e-12));
  return directScore([oneThenStop, ...lp.slice(1, 9), one + zero], true);
}
