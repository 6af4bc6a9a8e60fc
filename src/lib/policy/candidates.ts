// Sampling: the policy model writes N candidates per context at temperature 0.9, seeded, and
// the engine reports each sample's log-probability under the model at temperature 1 (pi_SFT)
// and under the sampler itself (q). Both are needed: pi_SFT for the KL, q for the importance
// weights that turn the sample into an estimate of pi_SFT (see objective.ts).
import { throwIfAborted, type LabelerEngine, type TokenLogprob } from '../rlaif/engine';
import { promptBos, segment, type LabelPrompt, type PromptConfig } from '../rlaif/prompt';
import { fnv1a } from '../rlaif/random';
import type { Choice, Task } from '../rlaif/types';
import { PolicyError } from './errors';

/** A context to improve the policy on, with the dataset's human-labelled pair when it has one. */
export interface PolicyContext {
  id: string;
  task: Task;
  context: string;
  /** The dataset's two responses and the human's choice, when known. */
  human?: { candidates: readonly [string, string]; choice: Choice };
}

export interface Candidate {
  text: string;
  /** log pi_SFT(y | x): temperature 1, full vocabulary, EOS included when it ended the text. */
  logprob: number;
  /** log q(y | x) under the sampler (temperature, top-k, top-p). */
  samplerLogprob: number;
  /** Tokens decoded (the response's length in the policy's tokens). */
  tokens: number;
  finishReason: 'stop' | 'length' | 'eos';
  seed: number;
}

export interface CandidateSet {
  context: PolicyContext;
  candidates: Candidate[];
}

export interface SamplingConfig {
  /** Candidates per context. */
  n: number;
  /** The paper samples at 0.9. */
  temperature: number;
  seed: number;
  maxTokens: number;
  format: PromptConfig['format'];
}

export const DEFAULT_SAMPLING: SamplingConfig = {
  n: 4,
  temperature: 0.9,
  seed: 0,
  maxTokens: 48,
  format: 'raw',
};

const INSTRUCTION: Record<Task, { dataset: string; label: string; ending: string }> = {
  summarization: {
    dataset: 'Summarize the post below in one or two sentences.\n\n',
    label: 'Text',
    ending: 'TL;DR:',
  },
  helpful: {
    dataset: 'Continue the conversation with a helpful, honest reply.\n\n',
    label: 'Context',
    ending: 'Assistant:',
  },
  harmless: {
    dataset: 'Continue the conversation with a helpful, harmless reply.\n\n',
    label: 'Context',
    ending: 'Assistant:',
  },
};

/** The policy's prompt: instruction, context, then the line the response continues. */
export function policyPrompt(
  ctx: Pick<PolicyContext, 'task' | 'context'>,
  format: PromptConfig['format'],
  engine: Partial<Pick<LabelerEngine, 'chatTemplate' | 'tokenizer'>>,
): LabelPrompt {
  const words = INSTRUCTION[ctx.task];
  const parts = {
    dataset: words.dataset,
    pair: `${words.label} - ${ctx.context.trim()}\n`,
    body: '',
    assistant: words.ending,
  };
  const template = format === 'chat' ? engine.chatTemplate : undefined;
  return segment(parts, format, template, promptBos(engine.tokenizer));
}

/** Stop at the next turn or delimiter: a response is one paragraph of the assistant's. */
const STOPS = ['\n\n', 'Human:', 'Text -', '==='];

/** A stable seed per (run seed, context, sample): the same sample whatever else is in the run. */
export function sampleSeed(seed: number, contextId: string, k: number): number {
  return fnv1a(`${seed}:${contextId}:${k}`);
}

export interface SampleCall {
  signal?: AbortSignal;
  /** Samples finished so far, of n times the number of contexts. */
  onProgress?: (done: number, total: number) => void;
}

/** N samples per context, each with its log pi_SFT and log q. */
export async function sampleCandidates(
  engine: LabelerEngine,
  contexts: readonly PolicyContext[],
  config: SamplingConfig,
  call: SampleCall = {},
): Promise<CandidateSet[]> {
  const total = contexts.length * config.n;
  const sets: CandidateSet[] = [];
  for (const context of contexts) {
    const prompt = policyPrompt(context, config.format, engine);
    const candidates: Candidate[] = [];
    for (let k = 0; k < config.n; k++) {
      throwIfAborted(call.signal, 'Sampling');
      const seed = sampleSeed(config.seed, context.id, k);
      const result = await engine.generate({
        prefix: prompt.prefix,
        continuation: prompt.continuation,
        maxTokens: config.maxTokens,
        temperature: config.temperature,
        seed,
        stop: STOPS,
        signal: call.signal,
      });
      if (result.logprob === undefined || result.samplerLogprob === undefined) {
        throw new PolicyError(
          'no-logprobs',
          `${engine.modelId} does not report the log-probabilities of what it generates, which ` +
            'the KL penalty needs. Load an ONNX model (the embedded one or a Hugging Face model).',
        );
      }
      candidates.push({
        text: result.text.trim(),
        logprob: result.logprob,
        samplerLogprob: result.samplerLogprob,
        tokens: result.tokens,
        finishReason: result.finishReason,
        seed,
      });
      call.onProgress?.(sets.length * config.n + k + 1, total);
    }
    sets.push({ context, candidates });
  }
  return sets;
}

/**
 * Teacher forcing with the engine's own next-token scores: log pi(y_t | x, y_<t) of a given
 * token sequence, one scoreNextToken continuation per position (one request, so the prompt's
 * cache is shared). Slow, but independent of generate(): the check on its log-probs, and the way
 * to score text the policy did not write. Each position is sent as text, so every prefix of the
 * ids must re-encode to itself after the prompt (true of a canonical tokenization, often false of
 * a random model's samples); a PolicyError says when it does not.
 */
export async function teacherForcedLogprobs(
  engine: LabelerEngine,
  prompt: LabelPrompt,
  ids: readonly number[],
  signal?: AbortSignal,
): Promise<TokenLogprob[]> {
  const head = prompt.prefix.join('') + prompt.continuation;
  const before = engine.tokenizer.encode(head);
  const texts = ids.map((_, t) => engine.tokenizer.decode(ids.slice(0, t)));
  for (const [t, text] of texts.entries()) {
    const got = engine.tokenizer.encode(head + text);
    const same =
      got.length === before.length + t &&
      ids.slice(0, t).every((id, k) => got[before.length + k] === id);
    if (!same) {
      throw new PolicyError(
        'mismatch',
        `Token ${t} of the sequence: its prefix re-encodes differently after the prompt.`,
      );
    }
  }
  const continuations = texts.map((text) => prompt.continuation + text);
  const distinct = [...new Set(ids)];
  const scores = await engine.scoreNextToken({
    prefix: [...prompt.prefix],
    continuations,
    tokenIds: distinct,
    signal,
  });
  return ids.map((id, t) => ({ id, logprob: scores[t]!.logprobs[distinct.indexOf(id)]! }));
}
