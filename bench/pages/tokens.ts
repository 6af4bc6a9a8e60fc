// Prompt sizes, counted with the same prompt builder the labeler uses, so the token columns of the
// table describe exactly the text each engine was given.
import type { TokenizerAccess } from '../../src/lib/rlaif/engine';
import { promptsFor, type LabelingConfig } from '../../src/lib/rlaif/labeler';
import { fullText, type Exemplar, type LabelPrompt } from '../../src/lib/rlaif/prompt';
import { mean, type ProbePair } from './common';
import type { TokenCounts } from './types';

/** Both orders' prompts for a pair (raw format: no chat template involved). */
export function pairPrompts(
  config: LabelingConfig,
  exemplars: readonly Exemplar[],
  pair: ProbePair,
): LabelPrompt[] {
  return promptsFor(config, exemplars, pair, {});
}

export function promptTokenCounts(
  tokenizer: TokenizerAccess,
  config: LabelingConfig,
  exemplars: readonly Exemplar[],
  pairs: ProbePair[],
): Omit<TokenCounts, 'computedPerPair'> {
  const count = (text: string) => tokenizer.encode(text).length;
  const prompts = pairs.map((pair) => pairPrompts(config, exemplars, pair));
  const first = prompts[0]?.[0];
  return {
    datasetPrefix: first ? count(first.prefix[0]) : 0,
    pairPrefixMean: mean(prompts.map((p) => count(p[0]!.prefix[1]))),
    promptPerOrderMean: mean(prompts.flat().map((p) => count(fullText(p)))),
  };
}

/** The most tokens any order of the pair needs under any of the configs. */
export function longestPrompt(
  tokenizer: TokenizerAccess,
  configs: LabelingConfig[],
  exemplars: readonly Exemplar[],
  pair: ProbePair,
): number {
  const lengths = configs.flatMap((config) =>
    pairPrompts(config, exemplars, pair).map((p) => tokenizer.encode(fullText(p)).length),
  );
  return Math.max(...lengths);
}
