// The domain of RLAIF labeling: preference pairs, the labeler's soft labels, and their provenance.
// Pure data types shared by prompts, preferences, metrics and datasets.

/** The paper's three tasks: TL;DR summarization, helpful dialogue, harmless dialogue. */
export type Task = 'summarization' | 'helpful' | 'harmless';

/** Index of a candidate within a pair: 0 is the first as stored, 1 the second. */
export type Choice = 0 | 1;

/** The defects the built-in summarization probes carry, one per pair, in the worse summary. */
export type Defect =
  | 'factual-error'
  | 'missing-key-point'
  | 'incoherence'
  | 'verbosity'
  | 'copying'
  | 'invented-detail'
  | 'unhelpful'
  | 'harmful';

/** Which file format a pair came from. */
export type DatasetFormat = 'openai-comparisons' | 'trl' | 'hh-rlhf' | 'native' | 'csv';

/**
 * One normalised preference pair: a context and two candidates, with the human label when known.
 * For summarization the context is the post (title included); for dialogue it is the transcript up
 * to the last assistant turn, and the candidates are the two final assistant replies.
 */
export interface PreferencePair {
  id: string;
  task: Task;
  context: string;
  candidates: [string, string];
  /** The candidate a human preferred, if the dataset says. */
  humanChoice?: Choice;
  /** The human's confidence as the dataset gives it (TL;DR: 1..9; others: as stored). */
  humanConfidence?: number;
  /** Where the pair came from: format, 1-based line (record) number, and any other fields. */
  source: { format: DatasetFormat; line: number; meta?: Record<string, string | number | boolean> };
  /** Set on the built-in probes: the defect the worse candidate carries. */
  defect?: Defect;
}

/** A line (or record) a parser could not use, with what the user needs to fix it. */
export interface LineError {
  line: number;
  reason: string;
}

/** What a parser returns: every good pair and every bad line, never one at the cost of the other. */
export interface ParseResult {
  pairs: PreferencePair[];
  errors: LineError[];
}

/** A labeler's two-way distribution for one order of a pair, from its next-token log-probs. */
export interface OrderScore {
  /** Raw log-probs of the answer tokens "1" and "2", normalised over the full vocabulary. */
  logprobs: [number, number];
  /**
   * P(first shown is better), P(second shown is better): the softmax over the two, inverted when
   * the prompt asks for the worse candidate (the paper's harmless prompt).
   */
  probs: [number, number];
  /** Probability mass on every other token: how far the labeler strayed from answering 1 or 2. */
  otherMass: number;
  /** The most likely next tokens, for display, when the engine was asked for them. */
  top?: { id: number; text: string; logprob: number }[];
}

/** The soft label for a pair in stored order: P(candidate 0 better), P(candidate 1 better). */
export type SoftLabel = [number, number];

/** A pair's full AI label: the debiased soft label and what produced it. */
export interface PairLabel {
  pairId: string;
  /** Debiased soft label in stored order. */
  label: SoftLabel;
  /** The order [0, 1] as stored, and [1, 0] swapped (already un-swapped into stored order). */
  orders: { stored: OrderScore; swapped?: OrderScore };
  /** The stored-order distribution after un-swapping each order, for display. */
  perOrder: { stored: SoftLabel; swapped?: SoftLabel };
  /** True when both orders preferred the same *position* (a position-biased decision). */
  samePosition?: boolean;
  /** Which slot was preferred in both orders when samePosition is true. */
  preferredSlot?: 'first' | 'second';
  /** Chain-of-thought rationale(s), per order when both orders were scored. */
  rationales?: { stored: string[]; swapped?: string[] };
  modelId: string;
  /** A short hash of the prompt configuration, so labels from different prompts never mix. */
  configHash: string;
}
