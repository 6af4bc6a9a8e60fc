// Labeling a pair: build the prompt for each order, optionally have the model reason first
// (two-step chain of thought, or several sampled rationales for self-consistency), read the
// log-probs of "1" and "2", and turn them into the pair's debiased soft label.
import { resolveChoiceTokens, type AnswerToken } from './answer-tokens';
import { throwIfAborted, type LabelerEngine, type NextTokenScores } from './engine';
import { configHash } from './hash';
import { WORDING } from './preambles';
import {
  averageOrders,
  inStoredOrder,
  mixOrderScores,
  orderScore,
  samePositionPreferred,
  type Averaging,
} from './preference';
import {
  buildPrompt,
  promptBos,
  withRationale,
  type Exemplar,
  type LabelPrompt,
  type PromptConfig,
} from './prompt';
import type { OrderScore, PairLabel, PreferencePair } from './types';

export interface LabelingConfig {
  prompt: PromptConfig;
  /** Score both orders and average them (the paper's position-bias mitigation). */
  debias: boolean;
  averaging: Averaging;
  /** Chain of thought only: rationales per order. 1 is the paper's greedy rationale. */
  samples: number;
  /** Sampling temperature for self-consistency (samples > 1). */
  temperature: number;
  maxRationaleTokens: number;
  seed: number;
}

export const DEFAULT_LABELING: LabelingConfig = {
  prompt: { task: 'summarization', preamble: 'base', shots: 0, cot: false, format: 'raw' },
  debias: true,
  averaging: 'probability',
  samples: 1,
  temperature: 1,
  maxRationaleTokens: 512,
  seed: 0,
};

export type OrderName = 'stored' | 'swapped';

export interface LabelOptions {
  signal?: AbortSignal;
  /** Also return this many most likely next tokens per order. */
  topK?: number;
  /** Streams each rationale as it is written. */
  onRationale?: (order: OrderName, sample: number, textSoFar: string) => void;
}

export interface Labeler {
  readonly config: LabelingConfig;
  readonly configHash: string;
  readonly answerTokens: [AnswerToken, AnswerToken];
  label(
    pair: Pick<PreferencePair, 'id' | 'context' | 'candidates'>,
    options?: LabelOptions,
  ): Promise<PairLabel>;
}

/** The pair in the order the model sees it. */
function shown(pair: Pick<PreferencePair, 'candidates'>, order: OrderName): [string, string] {
  const [a, b] = pair.candidates;
  return order === 'stored' ? [a, b] : [b, a];
}

/** The hash every label of this configuration carries: known before any model is loaded. */
export function labelingConfigHash(config: LabelingConfig, exemplars: readonly Exemplar[]): string {
  return configHash({ config, exemplars: exemplars.slice(0, config.prompt.shots) });
}

export function createLabeler(
  engine: LabelerEngine,
  config: LabelingConfig,
  exemplars: readonly Exemplar[],
): Labeler {
  const wording = WORDING[config.prompt.task];
  const answerTokens = resolveChoiceTokens(engine.tokenizer, wording.ending);
  const tokenIds = answerTokens.map((t) => t.id);
  const hash = labelingConfigHash(config, exemplars);
  const orders = ordersFor(config);

  const toScore = (scores: NextTokenScores): OrderScore => {
    const [one, two] = scores.logprobs as [number, number];
    const score = orderScore([one, two], wording.asksForWorse);
    const top = scores.top.map((t) => ({ ...t, text: engine.tokenizer.decode([t.id]) }));
    return top.length ? { ...score, top } : score;
  };

  /** Step one of chain of thought: `samples` rationales for one order's prompt. */
  async function rationales(prompt: LabelPrompt, order: OrderName, options: LabelOptions) {
    const texts: string[] = [];
    for (let s = 0; s < config.samples; s++) {
      throwIfAborted(options.signal, 'Labeling');
      let soFar = '';
      const result = await engine.generate({
        prefix: prompt.prefix,
        continuation: prompt.continuation,
        maxTokens: config.maxRationaleTokens,
        temperature: config.samples === 1 ? 0 : config.temperature,
        seed: config.seed + s,
        stop: [wording.ending, '=== '],
        signal: options.signal,
        onToken: (piece) => options.onRationale?.(order, s, (soFar += piece)),
      });
      texts.push(result.text.trim());
    }
    return texts;
  }

  async function label(
    pair: Pick<PreferencePair, 'id' | 'context' | 'candidates'>,
    options: LabelOptions = {},
  ): Promise<PairLabel> {
    const prompts = promptsFor(config, exemplars, pair, engine);
    // With chain of thought, each order's continuation is scored once per rationale.
    const reasons: string[][] = [];
    for (const [i, order] of orders.entries()) {
      reasons.push(config.prompt.cot ? await rationales(prompts[i]!, order, options) : []);
    }
    const continuations = prompts.flatMap((p, i) =>
      config.prompt.cot
        ? reasons[i]!.map((r) => withRationale(config.prompt, p, r).continuation)
        : [p.continuation],
    );
    throwIfAborted(options.signal, 'Labeling');
    const scores = await engine.scoreNextToken({
      prefix: prompts[0]!.prefix,
      continuations,
      tokenIds,
      topK: options.topK ?? 0,
      signal: options.signal,
    });
    const perPrompt = config.prompt.cot ? config.samples : 1;
    const orderScores = orders.map((_, i) =>
      mixOrderScores(scores.slice(i * perPrompt, (i + 1) * perPrompt).map(toScore)),
    );
    return assemble(pair.id, orderScores, reasons);
  }

  function assemble(pairId: string, scores: OrderScore[], reasons: string[][]): PairLabel {
    const [stored, swapped] = scores as [OrderScore, OrderScore | undefined];
    const storedLabel = inStoredOrder(stored, false);
    const base = { pairId, modelId: engine.modelId, configHash: hash };
    const rationales = config.prompt.cot
      ? { stored: reasons[0]!, ...(swapped ? { swapped: reasons[1]! } : {}) }
      : undefined;
    if (!swapped) {
      return {
        ...base,
        label: storedLabel,
        orders: { stored },
        perOrder: { stored: storedLabel },
        rationales,
      };
    }
    const swappedLabel = inStoredOrder(swapped, true);
    const slot = samePositionPreferred(stored, swapped);
    return {
      ...base,
      label: averageOrders(storedLabel, swappedLabel, config.averaging),
      orders: { stored, swapped },
      perOrder: { stored: storedLabel, swapped: swappedLabel },
      samePosition: slot !== null,
      ...(slot ? { preferredSlot: slot } : {}),
      rationales,
    };
  }

  return { config, configHash: hash, answerTokens, label };
}

function ordersFor(config: LabelingConfig): OrderName[] {
  return config.debias ? ['stored', 'swapped'] : ['stored'];
}

/** The prompt of each order scored for a pair; the orders share their prefixes (KV reuse). */
export function promptsFor(
  config: LabelingConfig,
  exemplars: readonly Exemplar[],
  pair: Pick<PreferencePair, 'context' | 'candidates'>,
  engine: Partial<Pick<LabelerEngine, 'chatTemplate' | 'tokenizer'>>,
): LabelPrompt[] {
  const template = config.prompt.format === 'chat' ? engine.chatTemplate : undefined;
  const bos = promptBos(engine.tokenizer);
  return ordersFor(config).map((o) =>
    buildPrompt(config.prompt, exemplars, pair.context, shown(pair, o), template, bos),
  );
}
