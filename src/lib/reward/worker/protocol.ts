// Messages between the page and the reward worker. The worker owns the frozen encoder, its
// embedding cache and every reward head's onnxruntime session; the page sends texts and gets
// numbers back, so nothing heavy ever runs on the page's thread.
import type { ExecutionProvider } from '../../engines/onnx/causal-lm';
import type { FileProgress, OnnxVariant } from '../../engines/onnx/model-files';
import { reviveError, serializeError, type SerializedError } from '../../engines/worker/protocol';
import type { AccuracyResult } from '../../rlaif/metrics/alignment';
import type { Choice } from '../../rlaif/types';
import type { TrainPair } from '../data';
import { RewardFormatError, type RewardFormatErrorKind } from '../errors';
import type { EncoderInfo, TrainingMetadata } from '../export';
import type { EpochStats, TrainOptions } from '../train';

export interface EncoderSpec {
  /** Where to fetch the folder: folderUrl(...) on the page, so relative URLs mean the page's. */
  source: string;
  /** The encoder as the caller named it, recorded in exported manifests. */
  modelId: string;
  /** Omitted: WebGPU when the worker sees an adapter, else WASM. */
  ep?: ExecutionProvider;
  /** Which of the folder's onnx/ files to run (transformers.js suffixes); fp32 when omitted. */
  variant?: OnnxVariant;
  batchSize?: number;
  maxLength?: number;
}

/** Training settings that cross the boundary (the signal and callback stay on the page). */
export type WorkerTrainOptions = Omit<TrainOptions, 'signal' | 'onEpoch'> & {
  /** Recorded in the manifest: distilled AI soft labels or human choices. */
  labels: TrainingMetadata['labels'];
};

export interface ScoreItem {
  context: string;
  response: string;
}

export interface EvalPair {
  context: string;
  candidates: readonly [string, string];
  humanChoice: Choice;
}

export type RewardRequest =
  | { id: number; kind: 'start'; spec: EncoderSpec }
  | { id: number; kind: 'train'; model: string; pairs: TrainPair[]; options: WorkerTrainOptions }
  | { id: number; kind: 'use'; model: string; manifest: string; head: Uint8Array }
  | { id: number; kind: 'score'; model: string; items: ScoreItem[] }
  | { id: number; kind: 'evaluate'; model: string; pairs: EvalPair[] }
  /** The frozen encoder's unit vectors for texts (no head): features for other learners. */
  | { id: number; kind: 'embed'; texts: string[] }
  | { id: number; kind: 'combine'; manifest: string; head: Uint8Array }
  | { id: number; kind: 'drop'; model: string }
  | { id: number; kind: 'cancel'; target: number }
  | { id: number; kind: 'dispose' };

/** The loaded encoder as the page shows it: what manifests record, plus where and which weights. */
export type StartedEncoder = EncoderInfo & { ep: ExecutionProvider; variant: OnnxVariant };

export interface TrainedModel {
  /** The text of reward-model.json. */
  manifest: string;
  /** The bytes of head.onnx. */
  head: Uint8Array;
  history: EpochStats[];
  metadata: TrainingMetadata;
  stoppedEarly: boolean;
}

export interface RewardEvaluation extends AccuracyResult {
  /** [r(x, y0), r(x, y1)] per pair, in order. */
  rewards: [number, number][];
}

export type RewardResponse =
  | { id: number; kind: 'progress'; progress: FileProgress }
  | { id: number; kind: 'warning'; message: string }
  | { id: number; kind: 'embed'; done: number; total: number }
  | { id: number; kind: 'epoch'; stats: EpochStats }
  | { id: number; kind: 'result'; value: unknown }
  | { id: number; kind: 'error'; error: RewardSerializedError };

export interface RewardSerializedError extends SerializedError {
  formatKind?: RewardFormatErrorKind;
}

/** The engine worker's serialization, plus the kind of a RewardFormatError. */
export function serializeRewardError(error: unknown): RewardSerializedError {
  if (error instanceof RewardFormatError) {
    return { name: error.name, message: error.message, formatKind: error.kind };
  }
  return serializeError(error);
}

/** Typed errors back on the page: RewardFormatError here, the engine's kinds via reviveError. */
export function reviveRewardError(error: RewardSerializedError): Error {
  if (error.formatKind) return new RewardFormatError(error.formatKind, error.message);
  return reviveError(error);
}
