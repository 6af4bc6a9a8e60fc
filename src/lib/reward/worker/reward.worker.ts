// The reward worker: owns the frozen encoder (with its embedding cache) and any number of named
// reward heads, so embedding, training and scoring never block the page. One encoder serves every
// model: an AI-label model and a human-label model embed the same texts, and the cache means each
// text is embedded once for both.
import type { OrtModule } from '../../engines/onnx/causal-lm';
import { loadModelFolder, type OnnxVariant } from '../../engines/onnx/model-files';
import { chooseProvider, loadOrt } from '../../engines/onnx/runtime';
import { rmPairwiseAccuracy } from '../../rlaif/metrics/alignment';
import { loadEncoderFolder, SentenceEncoder } from '../encoder';
import { combineRewardModel } from '../combined-onnx';
import { exportRewardModel, parseManifest, trainingMetadata } from '../export';
import { readHeadOnnx } from '../head-onnx';
import { RewardModel } from '../model';
import { embedPairs, fitHead } from '../train';
import { serve } from '../../worker/serve';
import {
  serializeRewardError,
  type RewardEvaluation,
  type RewardRequest,
  type RewardResponse,
  type StartedEncoder,
  type TrainedModel,
} from './protocol';

let ort: OrtModule | null = null;
let encoder: SentenceEncoder | null = null;
/** Where the encoder came from: a one-file export reads its files again (from the cache). */
let encoderSource: string | null = null;
let encoderVariant: OnnxVariant = 'fp32';
const models = new Map<string, RewardModel>();

const post = (message: RewardResponse) => self.postMessage(message);

let ortTurn: Promise<unknown> = Promise.resolve();
/**
 * Run onnxruntime work one job at a time. Messages are handled concurrently (a model can score
 * while another trains), but two runs on one session at once are not something to rely on.
 * Only the head's arithmetic between epochs runs outside: it touches no session.
 */
function exclusive<T>(job: () => Promise<T>): Promise<T> {
  const result = ortTurn.then(job);
  ortTurn = result.catch(() => undefined);
  return result;
}

function ready(): { ort: OrtModule; encoder: SentenceEncoder } {
  if (!ort || !encoder) throw new Error('The reward worker has no encoder: start it first.');
  return { ort, encoder };
}

function modelNamed(name: string): RewardModel {
  const model = models.get(name);
  if (!model) throw new Error(`No reward model named "${name}" in the worker: train or load one.`);
  return model;
}

/** Put a model under a name, releasing the one it replaces. */
async function keep(name: string, model: RewardModel): Promise<void> {
  const old = models.get(name);
  models.set(name, model);
  await old?.release();
}

async function releaseAll(): Promise<void> {
  const all = [...models.values()];
  models.clear();
  await Promise.all(all.map((model) => model.release()));
  await encoder?.release();
  encoder = null;
}

type Message<K extends RewardRequest['kind']> = Extract<RewardRequest, { kind: K }>;

async function start({ id, spec }: Message<'start'>, signal: AbortSignal): Promise<StartedEncoder> {
  await exclusive(releaseAll);
  ort = await loadOrt();
  const ep = await chooseProvider(spec.ep);
  const variant = spec.variant ?? 'fp32';
  const { files, pooling } = await loadEncoderFolder(spec.source, variant, {
    signal,
    onProgress: (progress) => post({ id, kind: 'progress', progress }),
    onWarning: (message) => post({ id, kind: 'warning', message }),
  });
  const { modelId, batchSize, maxLength } = spec;
  const options = { ort, ep, modelId, batchSize, maxLength, pooling };
  const opened = await SentenceEncoder.create(files, options);
  encoder = opened;
  encoderSource = spec.source;
  encoderVariant = variant;
  return {
    modelId: opened.modelId,
    fingerprint: opened.fingerprint,
    dim: opened.dim,
    maxLength: opened.maxLength,
    pooling: opened.pooling,
    normalize: opened.normalize,
    ep: opened.ep,
    variant,
  };
}

/** Embed once, fit the head (epochs streamed), export it, and keep it for scoring. */
async function train(message: Message<'train'>, signal: AbortSignal): Promise<TrainedModel> {
  const { id, pairs, options } = message;
  const { ort, encoder } = ready();
  const data = await exclusive(() =>
    embedPairs(encoder, pairs, {
      signal,
      onProgress: (done, total) => post({ id, kind: 'embed', done, total }),
    }),
  );
  const { labels, ...fit } = options;
  const result = await fitHead(data, {
    ...fit,
    signal,
    onEpoch: (stats) => post({ id, kind: 'epoch', stats }),
  });
  const metadata = trainingMetadata(result, labels);
  const exported = await exportRewardModel(result.head, encoder, metadata);
  // Scoring goes through the exported graph, so the worker scores what the user downloads.
  const model = await exclusive(() => RewardModel.create(ort, encoder, exported.head, encoder.ep));
  await keep(message.model, model);
  return {
    manifest: exported.manifestJson,
    head: exported.head,
    history: result.history,
    metadata,
    stoppedEarly: result.stoppedEarly,
  };
}

async function use(message: Message<'use'>) {
  const { ort, encoder } = ready();
  const model = await exclusive(() =>
    RewardModel.open(ort, encoder, message.manifest, message.head, encoder.ep),
  );
  await keep(message.model, model);
  return parseManifest(message.manifest);
}

async function evaluate(message: Message<'evaluate'>): Promise<RewardEvaluation> {
  const model = modelNamed(message.model);
  const items = message.pairs.flatMap(({ context, candidates }) =>
    candidates.map((response) => ({ context, response })),
  );
  const flat = await exclusive(() => model.scoreMany(items));
  const rewards = message.pairs.map((_, i): [number, number] => [
    flat[2 * i] ?? NaN,
    flat[2 * i + 1] ?? NaN,
  ]);
  const accuracy = rmPairwiseAccuracy(
    rewards,
    message.pairs.map((pair) => pair.humanChoice),
  );
  return { ...accuracy, rewards };
}

/** Encoder + head as one ONNX file; the encoder's files come from the browser's model cache. */
async function combine(message: Message<'combine'>, signal: AbortSignal): Promise<Uint8Array> {
  const { encoder } = ready();
  const files = await loadModelFolder(encoderSource ?? '', encoderVariant, { signal });
  if (files.externalData.length) {
    throw new Error(
      `${encoder.modelId} keeps its weights in an external data file: save the model as its two files.`,
    );
  }
  return combineRewardModel({
    encoder: files.onnx,
    tokenizer: JSON.stringify(files.tokenizer),
    tokenizerConfig: JSON.stringify(files.tokenizerConfig),
    manifestJson: message.manifest,
    head: readHeadOnnx(message.head).head,
  });
}

async function handle(message: RewardRequest, signal: AbortSignal): Promise<unknown> {
  switch (message.kind) {
    case 'start':
      return start(message, signal);
    case 'train':
      return train(message, signal);
    case 'use':
      return use(message);
    case 'score': {
      const model = modelNamed(message.model);
      return exclusive(() => model.scoreMany(message.items));
    }
    case 'evaluate':
      return evaluate(message);
    case 'embed': {
      const { encoder } = ready();
      const { id, texts } = message;
      return exclusive(() =>
        encoder.embed(texts, {
          signal,
          onProgress: (done, total) => post({ id, kind: 'embed', done, total }),
        }),
      );
    }
    case 'combine':
      return combine(message, signal);
    case 'drop': {
      const model = models.get(message.model);
      models.delete(message.model);
      await model?.release();
      return null;
    }
    case 'dispose':
      await exclusive(releaseAll);
      return null;
    case 'cancel':
      return null; // handled by serve()
  }
}

serve<RewardRequest, ReturnType<typeof serializeRewardError>>({
  handle,
  serialize: serializeRewardError,
  cancelledWhat: (request) => (request.kind === 'train' ? 'Reward model training' : undefined),
});
