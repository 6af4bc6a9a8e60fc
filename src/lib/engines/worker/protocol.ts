// Messages between the page and the engine worker. The page keeps the tokenizer (answer tokens,
// prompt inspection) and the worker keeps the model, so per-token traffic is only text.
import type { GenerateRequest, ScoreRequest } from '../../rlaif/engine';
import { CancelledError } from '../../rlaif/engine';
import type { ExecutionProvider } from '../onnx/causal-lm';
import type { EngineStats } from '../onnx/engine';
import type { ModelReport } from '../onnx/report';
import {
  ModelLoadError,
  type FileProgress,
  type LoadErrorKind,
  type OnnxVariant,
} from '../onnx/model-files';

export interface LoadSpec {
  /** A Hub id or a folder URL (relative URLs resolve against the page). */
  source: string;
  variant: OnnxVariant;
  ep: ExecutionProvider;
  shaderF16: boolean;
  reusePrefix?: boolean;
}

export type WorkerRequest =
  | { id: number; kind: 'load'; spec: LoadSpec }
  | { id: number; kind: 'score'; request: Omit<ScoreRequest, 'signal'> }
  | { id: number; kind: 'generate'; request: Omit<GenerateRequest, 'signal' | 'onToken'> }
  | { id: number; kind: 'cancel'; target: number }
  | { id: number; kind: 'dispose' };

export interface LoadedModel {
  modelId: string;
  ep: ExecutionProvider;
  tokenizer: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  config: Record<string, unknown>;
  report: ModelReport;
}

export type WorkerResponse =
  | { id: number; kind: 'progress'; progress: FileProgress }
  | { id: number; kind: 'warning'; message: string }
  | { id: number; kind: 'token'; text: string }
  | { id: number; kind: 'result'; value: unknown; stats?: EngineStats; report?: ModelReport }
  | { id: number; kind: 'error'; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  loadKind?: LoadErrorKind;
  url?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof ModelLoadError) {
    return { name: error.name, message: error.message, loadKind: error.kind, url: error.url };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** Rebuild the typed error on the page side, so callers can `instanceof` it. */
export function reviveError(error: SerializedError): Error {
  if (error.name === 'CancelledError') {
    const cancelled = new CancelledError();
    cancelled.message = error.message;
    return cancelled;
  }
  if (error.loadKind) return new ModelLoadError(error.loadKind, error.message, error.url);
  const revived = new Error(error.message);
  revived.name = error.name;
  return revived;
}
