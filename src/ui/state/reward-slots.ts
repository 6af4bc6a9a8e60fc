// The Reward model page's vocabulary: its two slots (a reward model trained on AI labels and one on
// human labels), what each slot holds, the training settings and the shapes the page shows.
// Plain TypeScript with no runes, shared by the state modules beside it.
import type { TrainingMetadata } from '../../lib/reward/export';
import type { EpochStats } from '../../lib/reward/train';
import type { RewardEvaluation, RewardWorker } from '../../lib/reward/worker/client';

export type Slot = 'ai' | 'human';
export const SLOTS: readonly Slot[] = ['ai', 'human'];
export const SLOT_NAMES: Record<Slot, string> = {
  ai: 'RM trained on AI labels (RLAIF)',
  human: 'RM trained on human labels (RLHF)',
};

export interface RewardSettings {
  epochs: number;
  lr: number;
  weightDecay: number;
  hidden: number;
  batchSize: number;
  /** Share of each model's training pairs used for validation and early stopping. */
  valFraction: number;
  patience: number;
  seed: number;
  /** Share of human-labelled pairs held out for the RM accuracy table. */
  heldOutFraction: number;
}

export const DEFAULT_SETTINGS: RewardSettings = {
  epochs: 100,
  lr: 3e-3,
  weightDecay: 1e-2,
  hidden: 32,
  batchSize: 32,
  valFraction: 0.2,
  patience: 8,
  seed: 0,
  heldOutFraction: 0.2,
};

/** A model the worker holds under its slot's name, with what the page shows about it. */
export interface SlotModel {
  manifest: string;
  head: Uint8Array;
  history: EpochStats[];
  training: TrainingMetadata | null;
  /** 'restored': saved with the open run earlier (another visit, or before a reload). */
  origin: 'trained' | 'imported' | 'restored';
  /** The held-out split it was trained beside; null when imported (unknown). */
  splitKey: string | null;
  /** The run it belongs to (trained on, imported while open, restored from); null: none. */
  runId: string | null;
  /** When this tab trained, imported or restored it (ms since the epoch). */
  madeAt: number;
  /** The savedAt of its stored copy with the run; null until a save succeeds. */
  savedAt: number | null;
}

/** What the page needs of a reward worker; unit tests pass a fake. */
export type RewardWorkerLike = Pick<
  RewardWorker,
  'encoder' | 'train' | 'useModel' | 'score' | 'scorePair' | 'evaluate' | 'combine' | 'dispose'
>;

export type EncoderLoad =
  | { phase: 'idle' }
  | { phase: 'loading'; source: string; file: string; loaded: number; total: number | null }
  | { phase: 'error'; message: string };

export type TrainProgress =
  | { phase: 'embedding'; slot: Slot; done: number; total: number }
  | { phase: 'epochs'; slot: Slot; epoch: number; epochs: number };

export interface Evaluated {
  result: RewardEvaluation;
  splitKey: string;
}

export type PerSlot<T> = Record<Slot, T>;

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const kind = (error as { kind?: unknown }).kind;
    return `${error.name}${typeof kind === 'string' ? ` (${kind})` : ''}: ${error.message}`;
  }
  return String(error);
}

/** Numbers from form inputs (empty input: null) clamped into the range training accepts. */
export function sanitizeSettings(raw: RewardSettings): RewardSettings {
  const num = (v: unknown, fallback: number, lo: number, hi: number, int = false) => {
    const x = typeof v === 'number' && Number.isFinite(v) ? v : fallback;
    const clamped = Math.min(hi, Math.max(lo, x));
    return int ? Math.round(clamped) : clamped;
  };
  const d = DEFAULT_SETTINGS;
  return {
    epochs: num(raw.epochs, d.epochs, 1, 100_000, true),
    lr: num(raw.lr, d.lr, 1e-6, 1),
    weightDecay: num(raw.weightDecay, d.weightDecay, 0, 1),
    hidden: num(raw.hidden, d.hidden, 1, 1024, true),
    batchSize: num(raw.batchSize, d.batchSize, 1, 4096, true),
    valFraction: num(raw.valFraction, d.valFraction, 0, 0.9),
    patience: num(raw.patience, d.patience, 1, 100_000, true),
    seed: num(raw.seed, d.seed, 0, 2 ** 31, true),
    heldOutFraction: num(raw.heldOutFraction, d.heldOutFraction, 0, 0.9),
  };
}

/**
 * What the training and persistence parts may read and change of the page's state (the facade,
 * RewardLab in reward.svelte.ts, owns it). Slot updates replace the record, so views redraw.
 */
export interface RewardHost {
  /** The worker holding the encoder and the slots' models; null until an encoder loaded. */
  worker(): RewardWorkerLike | null;
  /** The id of the run open on the Dataset page; null: none. */
  openRunId(): string | null;
  models(): PerSlot<SlotModel | null>;
  setModel(slot: Slot, model: SlotModel): void;
  setCurve(slot: Slot, curve: EpochStats[]): void;
  /** A model was trained, imported or restored: redo scores, scorers and evaluations. */
  modelsChanged(): void;
  /** Milliseconds clock for `madeAt`; it must agree with the store's clock for `savedAt`. */
  now(): number;
}
