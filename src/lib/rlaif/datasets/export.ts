// What the lab writes out: the pairs themselves, the AI labels, and the labelled pairs as training
// data. Each exporter returns the whole file as a string (the page turns it into a download).

import Papa from 'papaparse';
import type { PairLabel, PreferencePair } from '../types';

/** JSON Lines: one record per line, each line ending in "\n"; no records gives "". */
function jsonl(records: unknown[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

function labelsById(labels: PairLabel[]): Map<string, PairLabel> {
  return new Map(labels.map((label) => [label.pairId, label]));
}

/**
 * The project's native JSONL (see native.ts). Parsing it back gives the same pairs, except that
 * `source` then says native and the line in this file; `source.meta` is kept as "meta".
 */
export function exportNativeJsonl(pairs: PreferencePair[]): string {
  return jsonl(
    pairs.map((pair) => ({
      id: pair.id,
      task: pair.task,
      context: pair.context,
      candidates: pair.candidates,
      choice: pair.humanChoice, // JSON.stringify leaves out undefined fields
      confidence: pair.humanConfidence,
      defect: pair.defect,
      meta: pair.source.meta,
    })),
  );
}

/**
 * One line per label: pairId, pA = P(candidate 0 better), pB = P(candidate 1 better), then the
 * label's own details (both orders, the un-swapped per-order labels, position bias, rationales)
 * and its provenance (modelId, configHash).
 */
export function exportLabelsJsonl(labels: PairLabel[]): string {
  return jsonl(
    labels.map(({ pairId, label, samePosition, preferredSlot, modelId, configHash, ...rest }) => ({
      pairId,
      pA: label[0],
      pB: label[1],
      samePosition,
      preferredSlot,
      ...rest, // orders, perOrder, rationales, and whatever PairLabel gains later
      modelId,
      configHash,
    })),
  );
}

/**
 * TRL's preference format with the AI as the annotator, for DPO or reward-model training elsewhere:
 * {pair_id, prompt, chosen, rejected, ai_soft_label: [P(chosen better), P(rejected better)]}.
 * "chosen" is the candidate the AI label prefers (candidate 0 on an exact tie). Pairs without a
 * label are left out; labels without a pair are ignored.
 */
export function exportTrlJsonl(pairs: PreferencePair[], labels: PairLabel[]): string {
  const byId = labelsById(labels);
  const records = pairs.flatMap((pair) => {
    const label = byId.get(pair.id)?.label;
    if (!label) return [];
    const [chosen, rejected] = label[0] >= label[1] ? ([0, 1] as const) : ([1, 0] as const);
    return {
      pair_id: pair.id,
      prompt: pair.context,
      chosen: pair.candidates[chosen],
      rejected: pair.candidates[rejected],
      ai_soft_label: [label[chosen], label[rejected]],
    };
  });
  return jsonl(records);
}

/** Columns of the CSV export; the first eight read back with csv.ts, the rest land in meta. */
export const CSV_EXPORT_COLUMNS = [
  'id',
  'task',
  'context',
  'candidate_a',
  'candidate_b',
  'choice',
  'confidence',
  'defect',
  'p_a',
  'p_b',
  'same_position',
  'preferred_slot',
  'model_id',
  'config_hash',
] as const;

/**
 * Pairs with their labels (if any) as CSV, "\n" line ends, quoted where needed (commas, quotes,
 * newlines, edge spaces). `choice` is the human label, 0-based. Empty cells mean unknown.
 */
export function exportCsv(pairs: PreferencePair[], labels: PairLabel[] = []): string {
  const byId = labelsById(labels);
  const cell = (value: string | number | boolean | undefined) => (value === undefined ? '' : value);
  const data = pairs.map((pair) => {
    const label = byId.get(pair.id);
    return [
      pair.id,
      pair.task,
      pair.context,
      pair.candidates[0],
      pair.candidates[1],
      pair.humanChoice,
      pair.humanConfidence,
      pair.defect,
      label?.label[0],
      label?.label[1],
      label?.samePosition,
      label?.preferredSlot,
      label?.modelId,
      label?.configHash,
    ].map(cell);
  });
  return `${Papa.unparse({ fields: [...CSV_EXPORT_COLUMNS], data }, { newline: '\n' })}\n`;
}
