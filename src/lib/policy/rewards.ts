// Rewards per candidate: from a trained reward model r(x, y), or straight from the labeler
// (d-RLAIF: the expected 1-10 score under the labeler's distribution, mapped to [-1, 1]).
import { rateResponse } from '../rlaif/direct';
import { throwIfAborted, type LabelerEngine } from '../rlaif/engine';
import type { PromptConfig } from '../rlaif/prompt';
import type { CandidateSet, PolicyContext } from './candidates';

export interface RewardSource {
  /** Shown to the user and recorded in exports. */
  readonly name: string;
  score(
    context: PolicyContext,
    responses: readonly string[],
    signal?: AbortSignal,
  ): Promise<number[]>;
}

/** d-RLAIF: each response rated alone by the labeler; the reward is the expected score in [-1, 1]. */
export function directRewards(engine: LabelerEngine, format: PromptConfig['format']): RewardSource {
  return {
    name: `d-RLAIF (${engine.modelId})`,
    async score(context, responses, signal) {
      const out: number[] = [];
      for (const response of responses) {
        const rating = await rateResponse(
          engine,
          { task: context.task, format },
          context.context,
          response,
          signal,
        );
        out.push(rating.reward);
      }
      return out;
    },
  };
}

/** Any scorer of (context, response) items, such as the app's trained reward models. */
export function scorerRewards(scorer: {
  name: string;
  score(items: readonly { context: string; response: string }[]): Promise<number[]>;
}): RewardSource {
  return {
    name: scorer.name,
    async score(context, responses, signal) {
      throwIfAborted(signal, 'Scoring');
      return scorer.score(responses.map((response) => ({ context: context.context, response })));
    },
  };
}

/** Rewards for every candidate of every set, with progress per set. */
export async function scoreSets(
  sets: readonly CandidateSet[],
  source: RewardSource,
  call: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<number[][]> {
  const out: number[][] = [];
  for (const set of sets) {
    throwIfAborted(call.signal, 'Scoring');
    out.push(
      await source.score(
        set.context,
        set.candidates.map((c) => c.text),
        call.signal,
      ),
    );
    call.onProgress?.(out.length, sets.length);
  }
  return out;
}
