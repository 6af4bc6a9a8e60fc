// A way of labeling a pair that the bench times: the OnnxEngine with or without prefix reuse, or
// the transformers.js peer. Each returns the answer log-probs of both orders, so the bench can
// check that every path computed the same thing before comparing how fast. Engines outlive a
// path: one engine serves every config of a page, so its compiled shaders carry over.
import type { EngineStats, OnnxEngine } from '../../src/lib/engines/onnx/engine';
import type { TokenizerAccess } from '../../src/lib/rlaif/engine';
import { createLabeler, type LabelingConfig } from '../../src/lib/rlaif/labeler';
import type { Exemplar } from '../../src/lib/rlaif/prompt';
import type { ProbePair } from './common';
import type { PairLogprobs, Suite } from './types';

export interface LabelPath {
  suite: Suite;
  reuse: boolean | null;
  loadMs: number;
  tokenizer: TokenizerAccess;
  label(pair: ProbePair): Promise<PairLogprobs>;
  /** Compute what every pair of the dataset shares (the dataset prefix), where the path keeps it. */
  prime(): Promise<void>;
  /** The engine's counters, when the path has an OnnxEngine. */
  stats(): EngineStats | null;
}

/** A pair with next to nothing of its own: labeling it leaves the dataset prefix cached. */
const PRIMER: ProbePair = { id: 'primer', context: 'Primer.', candidates: ['A.', 'B.'] };

export function onnxPath(
  engine: OnnxEngine,
  loadMs: number,
  config: LabelingConfig,
  exemplars: readonly Exemplar[],
  reuse: boolean,
): LabelPath {
  const labeler = createLabeler(engine, config, exemplars);
  return {
    suite: 'onnx',
    reuse,
    loadMs,
    tokenizer: engine.tokenizer,
    async label(pair) {
      const { orders } = await labeler.label(pair);
      if (!orders.swapped) throw new Error('debias is on, yet the swapped order was not scored');
      return [orders.stored.logprobs, orders.swapped.logprobs];
    },
    async prime() {
      if (reuse) await labeler.label(PRIMER);
    },
    stats: () => ({ ...engine.stats }),
  };
}
