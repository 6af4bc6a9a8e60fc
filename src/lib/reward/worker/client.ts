// The page side of the reward worker: train, load, score and evaluate reward models without
// blocking the page. One worker holds one encoder and any number of named models; two models
// side by side (say one trained on AI labels, one on human labels) are two names in one worker,
// so the encoder is loaded once and each text is embedded once for both.
import type { ExecutionProvider } from '../../engines/onnx/causal-lm';
import { folderUrl, type FileProgress, type OnnxVariant } from '../../engines/onnx/model-files';
import type { TrainPair } from '../data';
import type { EpochStats } from '../train';
import type { RewardManifest } from '../export';
import { sigmoid } from '../head';
import type { PairScore } from '../model';
import { rewardChannel, type RewardCallOptions, type RewardChannel } from './channel';
import type {
  EvalPair,
  RewardEvaluation,
  ScoreItem,
  StartedEncoder,
  TrainedModel,
  WorkerTrainOptions,
} from './protocol';

export { RewardWorkerCrashedError } from './channel';
export type {
  EvalPair,
  RewardEvaluation,
  ScoreItem,
  StartedEncoder,
  TrainedModel,
  WorkerTrainOptions,
} from './protocol';

/** The name calls use when they are not given one. */
export const DEFAULT_MODEL = 'default';

export interface RewardStartOptions {
  /** The encoder: a folder URL (relative URLs resolve against the page) or a Hub id. */
  encoder: string;
  /** Omitted: WebGPU when the worker sees an adapter, else WASM. */
  ep?: ExecutionProvider;
  /** Which of the folder's onnx/ files to run; fp32 when omitted. */
  variant?: OnnxVariant;
  batchSize?: number;
  maxLength?: number;
  onProgress?: (progress: FileProgress) => void;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export interface RewardTrainCall {
  /** The name the trained model is kept under for scoring; DEFAULT_MODEL when omitted. */
  model?: string;
  signal?: AbortSignal;
  /** Distinct texts embedded so far (cache hits count at once), before the first epoch. */
  onEmbedProgress?: (done: number, total: number) => void;
  onEpoch?: (stats: EpochStats) => void;
}

export class RewardWorker {
  private constructor(
    private readonly channel: RewardChannel,
    readonly encoder: StartedEncoder,
  ) {}

  /**
   * Load the encoder into `worker` (a module worker running reward.worker.ts). If it fails the
   * worker is terminated: a worker without an encoder can do nothing.
   */
  static async start(worker: Worker, options: RewardStartOptions): Promise<RewardWorker> {
    const channel = rewardChannel(worker);
    const { encoder, ep, variant, batchSize, maxLength, signal } = options;
    try {
      // Resolve here: inside the worker a relative URL would resolve against its script's URL.
      const source = folderUrl(encoder);
      const spec = { source, modelId: encoder, ep, variant, batchSize, maxLength };
      const started = await channel.call<StartedEncoder>(
        { kind: 'start', spec },
        {
          signal,
          onEvent: (m) => {
            if (m.kind === 'progress') options.onProgress?.(m.progress);
            if (m.kind === 'warning') options.onWarning?.(m.message);
          },
        },
      );
      return new RewardWorker(channel, started);
    } catch (error) {
      channel.terminate();
      throw error;
    }
  }

  /**
   * Train a head in the worker: embeddings once (onEmbedProgress), then epochs (onEpoch).
   * Resolves to the export (the model is also kept under `call.model` for scoring); an abort
   * rejects with CancelledError and leaves the worker and its other models as they were.
   */
  train(
    pairs: readonly TrainPair[],
    options: WorkerTrainOptions,
    call: RewardTrainCall = {},
  ): Promise<TrainedModel> {
    const { model = DEFAULT_MODEL, signal, onEmbedProgress, onEpoch } = call;
    const events: RewardCallOptions['onEvent'] = (m) => {
      if (m.kind === 'embed') onEmbedProgress?.(m.done, m.total);
      if (m.kind === 'epoch') onEpoch?.(m.stats);
    };
    return this.channel.call(
      { kind: 'train', model, pairs: [...pairs], options },
      { signal, onEvent: events },
    );
  }

  /** Open an exported model (checked against this encoder: RewardFormatError if it differs). */
  useModel(manifest: string, head: Uint8Array, model = DEFAULT_MODEL): Promise<RewardManifest> {
    return this.channel.call({ kind: 'use', model, manifest, head });
  }

  /** r(x, y) per item, in one encoder pass and one head call. */
  score(items: readonly ScoreItem[], model = DEFAULT_MODEL): Promise<number[]> {
    return this.channel.call({ kind: 'score', model, items: [...items] });
  }

  async scorePair(
    context: string,
    a: string,
    b: string,
    model = DEFAULT_MODEL,
  ): Promise<PairScore> {
    const [ra = NaN, rb = NaN] = await this.score(
      [
        { context, response: a },
        { context, response: b },
      ],
      model,
    );
    const pa = sigmoid(ra - rb);
    return { rewards: [ra, rb], preference: [pa, 1 - pa] };
  }

  /** Pairwise accuracy against human choices, with its Wilson interval (rmPairwiseAccuracy). */
  evaluate(pairs: readonly EvalPair[], model = DEFAULT_MODEL): Promise<RewardEvaluation> {
    return this.channel.call({ kind: 'evaluate', model, pairs: [...pairs] });
  }

  /**
   * The encoder's mean-pooled, L2-normalised embedding of each text, in order (cached in the
   * worker, so texts a model was trained or scored on come back at once). The Policy page uses
   * them as features of its learned policy.
   */
  embed(
    texts: readonly string[],
    call: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<Float32Array[]> {
    return this.channel.call(
      { kind: 'embed', texts: [...texts] },
      {
        signal: call.signal,
        onEvent: (m) => void (m.kind === 'embed' && call.onProgress?.(m.done, m.total)),
      },
    );
  }

  /**
   * The whole reward model as one ONNX file (encoder + pooling + head; tokenizer and manifest in
   * its metadata): see combined-onnx.ts.
   */
  combine(manifest: string, head: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    return this.channel.call({ kind: 'combine', manifest, head }, { signal });
  }

  /** Forget a named model and free its session. */
  async drop(model: string): Promise<void> {
    await this.channel.call({ kind: 'drop', model });
  }

  async dispose(): Promise<void> {
    await this.channel.call({ kind: 'dispose' }).catch(() => undefined);
    this.channel.terminate();
  }
}

/** A new reward worker, bundled by Vite as a module worker. */
export function createRewardWorker(): Worker {
  return new Worker(new URL('./reward.worker.ts', import.meta.url), {
    type: 'module',
    name: 'rlaif-reward',
  });
}
