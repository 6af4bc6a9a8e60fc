// The RLAIF paper's headline numbers (Lee et al., arXiv 2309.00267), shown next to the user's own
// measurements. They were copied from the project's method notes on the paper (its "Headline
// numbers", called "the method notes" below, kept with the team's docs, not shipped); every number
// carries a comment naming the line it comes from. All values are percentages as printed there.
// Nothing here is computed or rounded.
import type { PromptConfig } from './prompt';
import type { Task } from './types';

/** One row of the paper's "labeler alignment by prompt" table (PaLM 2 L labeler). */
export interface PaperPromptRow {
  preamble: 'base' | 'detailed';
  cot: boolean;
  shots: number;
  /** Alignment with human labels, %, per task; null where the paper reports none. */
  alignment: Record<Task, number | null>;
}

const row = (
  preamble: 'base' | 'detailed',
  cot: boolean,
  shots: number,
  summarization: number,
  helpful: number | null,
  harmless: number | null,
): PaperPromptRow => ({ preamble, cot, shots, alignment: { summarization, helpful, harmless } });

/** The method doc, "Headline numbers", table "Labeler alignment by prompt", PaLM 2 L labeler. */
export const PAPER_ALIGNMENT_BY_PROMPT: readonly PaperPromptRow[] = [
  row('base', false, 0, 76.1, 67.8, 69.4), // row "Base 0-shot": summ. / helpful / harmless
  row('base', false, 1, 76.0, 67.1, 71.7), // row "Base 1-shot"
  row('base', false, 2, 75.7, 66.8, 72.1), // row "Base 2-shot"
  row('base', true, 0, 77.5, 69.1, 70.6), // row "Base + CoT 0-shot"
  row('detailed', false, 0, 77.4, 67.6, 70.1), // row "Detailed 0-shot"
  row('detailed', false, 1, 76.2, 67.6, 71.5), // row "Detailed 1-shot"
  row('detailed', false, 2, 76.3, 67.3, 71.6), // row "Detailed 2-shot"
  row('detailed', false, 8, 69.8, null, null), // row "Detailed 8-shot" (dialogue: "-")
  row('detailed', true, 0, 78.0, 67.8, 70.1), // row "Detailed + CoT 0-shot"
  row('detailed', true, 1, 77.4, 67.4, 69.9), // row "Detailed + CoT 1-shot"
  row('detailed', true, 2, 76.8, 67.4, 69.2), // row "Detailed + CoT 2-shot"
];

/** A PaLM 2 labeler size with its alignment and position bias. */
export interface PaperLabeler {
  name: string;
  /** Alignment on summarization with Detailed + CoT 0-shot, %. */
  alignment: number;
  /** "% same position preferred". */
  samePosition: number;
  /** The slot those same-position picks favoured, and its share of them, %. */
  slot: 'first' | 'second';
  slotShare: number;
}

export const PAPER_LABELERS: readonly PaperLabeler[] = [
  // Alignment: the method notes, "Labeler size" line ("PaLM 2 L 78.0%"); position bias: the
  // "Position bias" line ("L 18% (first slot 94% of those)").
  { name: 'PaLM 2 L', alignment: 78.0, samePosition: 18, slot: 'first', slotShare: 94 },
  // "Labeler size": "S 73.8%"; "Position bias": "S 21% (second slot 91%)".
  { name: 'PaLM 2 S', alignment: 73.8, samePosition: 21, slot: 'second', slotShare: 91 },
  // "Labeler size": "XS 62.7%"; "Position bias": "XS 56% (second slot 99%)".
  { name: 'PaLM 2 XS', alignment: 62.7, samePosition: 56, slot: 'second', slotShare: 99 },
];

/** The method doc: "Human inter-annotator agreement on TL;DR is about 73-77%". */
export const HUMAN_AGREEMENT_TLDR = { low: 73, high: 77 } as const;

/** The method doc, "Self-consistency" paragraph: several sampled rationales made alignment worse. */
export const PAPER_SELF_CONSISTENCY = {
  greedy: 78.0, // "78.0% with one greedy sample"
  sampled: 72.8, // "vs 72.8% with 16 samples at T=1.0"
  samples: 16,
  temperature: 1.0,
} as const;

/** RM pairwise accuracy on held-out human preferences, %: RM trained on human vs AI labels. */
export const PAPER_RM_ACCURACY: Readonly<Record<Task, { human: number; ai: number }>> = {
  summarization: { human: 79.3, ai: 74.2 }, // the method notes, "RM pairwise accuracy": "79.3 / 74.2"
  helpful: { human: 76.0, ai: 67.8 }, // same line: "helpful 76.0 / 67.8"
  harmless: { human: 72.1, ai: 69.7 }, // same line: "harmless 72.1 / 69.7"
};

/** A human-judged win rate, % per task; null where the method notes gives none for that task. */
export interface PaperWinRate {
  comparison: string;
  summarization: number | null;
  helpful: number | null;
}

/** The method doc, "Win rates judged by humans" (the task is named there for each of these). */
export const PAPER_WIN_RATES: readonly PaperWinRate[] = [
  { comparison: 'RLAIF vs SFT', summarization: 71, helpful: 63 }, // "RLAIF vs SFT 71% (summ.), 63% (helpful)"
  { comparison: 'RLHF vs SFT', summarization: 73, helpful: 64 }, // "RLHF vs SFT 73%, 64%"
  { comparison: 'RLAIF vs RLHF', summarization: 50, helpful: 52 }, // "RLAIF vs RLHF 50%, 52%"
  { comparison: 'RLAIF vs human reference', summarization: 79, helpful: null }, // "...reference summary RLAIF 79%"
  { comparison: 'RLHF vs human reference', summarization: 80, helpful: null }, // "..., RLHF 80%"
];

/** Win rates for which the method notes names no task: shown without one. */
export const PAPER_OTHER_WIN_RATES: readonly { comparison: string; rate: number }[] = [
  { comparison: 'Same-size labeler: RLAIF vs SFT', rate: 68 }, // "same-size labeler RLAIF vs SFT 68%"
  { comparison: 'd-RLAIF vs SFT', rate: 74 }, // "d-RLAIF vs SFT 74%"
];

/** The method doc, "Harmless rate: SFT 64%, RLHF 76%, RLAIF 88%". */
export const PAPER_HARMLESS_RATE = { SFT: 64, RLHF: 76, RLAIF: 88 } as const;

/** The method doc, "Cost estimate: about $0.06 per AI label vs $0.67 per human label". */
export const PAPER_COST_PER_LABEL_USD = { ai: 0.06, human: 0.67 } as const;

/** The paper's best prompt on summarization, its headline alignment (Detailed + CoT 0-shot). */
export const PAPER_HEADLINE = PAPER_ALIGNMENT_BY_PROMPT.find(
  (r) => r.preamble === 'detailed' && r.cot && r.shots === 0,
) as PaperPromptRow;

export const TASK_NAMES: Readonly<Record<Task, string>> = {
  summarization: 'summarization',
  helpful: 'helpful dialogue',
  harmless: 'harmless dialogue',
};

/** A prompt configuration as the paper names it, e.g. "Detailed + CoT, 0-shot". */
export function promptLabel(prompt: Pick<PromptConfig, 'preamble' | 'cot' | 'shots'>): string {
  const preamble = { base: 'Base', detailed: 'Detailed', custom: 'Custom' }[prompt.preamble];
  return `${preamble}${prompt.cot ? ' + CoT' : ''}, ${prompt.shots}-shot`;
}

/** The paper's row for this prompt (same preamble, CoT and shots), if it reported one. */
export function paperRowFor(
  prompt: Pick<PromptConfig, 'preamble' | 'cot' | 'shots'>,
): PaperPromptRow | undefined {
  return PAPER_ALIGNMENT_BY_PROMPT.find(
    (r) => r.preamble === prompt.preamble && r.cot === prompt.cot && r.shots === prompt.shots,
  );
}

/** The paper's alignment (%) for this prompt on this task, or null when it reports none. */
export function paperAlignmentFor(
  prompt: Pick<PromptConfig, 'task' | 'preamble' | 'cot' | 'shots'>,
): number | null {
  return paperRowFor(prompt)?.alignment[prompt.task] ?? null;
}
