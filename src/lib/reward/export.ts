// Saving and opening a trained reward model. The format is a folder of two files:
//
//   reward-model.json   the manifest: which encoder (id + fingerprint of its graph and tokenizer),
//                       how embeddings are pooled, the feature layout, sizes, training metadata,
//                       and the head file's SHA-256
//   head.onnx           the trained head, a standard ONNX graph features [batch, 3d] -> reward
//
// The encoder is referenced, not copied: it is frozen, usually on the Hub or in the app's
// models/ folder, and can be larger than everything else put together. Its fingerprint makes
// a head refuse to open on any other encoder, since its weights mean nothing there.
import { sha256Hex } from './encoder';
import { RewardFormatError } from './errors';
import { featureDim, type Head } from './head';
import { HEAD_INPUT, HEAD_OUTPUT, headToOnnx, readHeadOnnx, type HeadGraph } from './head-onnx';
import { DEFAULT_POOLING, type Normalization, type Pooling } from './pooling';
import type { TrainResult } from './train';

export const MANIFEST_FORMAT = 'rlaif-lab/reward-model';
export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE = 'reward-model.json';
export const HEAD_FILE = 'head.onnx';
/** The feature layout the head was trained on, spelled out for people and checked on import. */
export const FEATURES = 'concat(e(x), e(y), e(x) * e(y))';

/** What a reward model needs to know about its encoder (SentenceEncoder has all of it). */
export interface EncoderInfo {
  modelId: string;
  fingerprint: string;
  dim: number;
  maxLength: number;
  /** Mean when absent (every encoder before pooling was recorded pooled that way). */
  pooling?: Pooling;
  /** 'l2' when absent. */
  normalize?: Normalization;
}

export interface TrainingMetadata {
  /** 'ai' for distilled RLAIF soft labels, 'human' for human choices. */
  labels: 'ai' | 'human';
  pairs: number;
  seed: number;
  epochs: number;
  bestEpoch: number;
  /** null when there was no validation split (JSON has no NaN). */
  valLoss: number | null;
  valAccuracy: number | null;
  hyperparameters: Record<string, number>;
  createdAt: string;
}

/** The manifest's training record from a finished run. */
export function trainingMetadata(
  result: TrainResult,
  labels: TrainingMetadata['labels'],
  createdAt = new Date().toISOString(),
): TrainingMetadata {
  const best = result.history.find((s) => s.epoch === result.bestEpoch);
  const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);
  const { seed, ...hyperparameters } = result.options;
  return {
    labels,
    pairs: result.split.train.length + result.split.val.length,
    seed,
    epochs: result.history.length,
    bestEpoch: result.bestEpoch,
    valLoss: finite(best?.valLoss),
    valAccuracy: finite(best?.valAccuracy),
    hyperparameters,
    createdAt,
  };
}

export interface RewardManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  encoder: Required<EncoderInfo>;
  features: typeof FEATURES;
  head: {
    file: string;
    sha256: string;
    input: typeof HEAD_INPUT;
    output: typeof HEAD_OUTPUT;
    inputDim: number;
    hidden: number;
    activation: 'tanh';
  };
  training?: TrainingMetadata;
}

export interface ExportedRewardModel {
  manifest: RewardManifest;
  /** The manifest as the text of reward-model.json. */
  manifestJson: string;
  /** The bytes of head.onnx. */
  head: Uint8Array;
}

/** The head graph plus its manifest. */
export async function exportRewardModel(
  head: Head,
  encoder: EncoderInfo,
  training?: TrainingMetadata,
): Promise<ExportedRewardModel> {
  if (head.embedDim !== encoder.dim) {
    throw new RewardFormatError(
      'dims',
      `The head reads ${head.embedDim}-d embeddings but the encoder makes ${encoder.dim}-d ones.`,
    );
  }
  const bytes = headToOnnx(head, {
    'rlaif_lab.features': FEATURES,
    'rlaif_lab.encoder': encoder.modelId,
    'rlaif_lab.encoder_fingerprint': encoder.fingerprint,
  });
  const { modelId, fingerprint, dim, maxLength } = encoder;
  const { pooling, normalize } = poolingOf(encoder);
  const manifest: RewardManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    encoder: { modelId, fingerprint, dim, maxLength, pooling, normalize },
    features: FEATURES,
    head: {
      file: HEAD_FILE,
      sha256: await sha256Hex(bytes),
      input: HEAD_INPUT,
      output: HEAD_OUTPUT,
      inputDim: featureDim(head.embedDim),
      hidden: head.hidden,
      activation: 'tanh',
    },
    ...(training ? { training } : {}),
  };
  return { manifest, manifestJson: JSON.stringify(manifest, null, 2), head: bytes };
}

/** An encoder's pooling, with the defaults of encoders that do not say. */
export function poolingOf(
  encoder: EncoderInfo,
): Required<Pick<EncoderInfo, 'pooling' | 'normalize'>> {
  return {
    pooling: encoder.pooling ?? DEFAULT_POOLING.pooling,
    normalize: encoder.normalize ?? DEFAULT_POOLING.normalize,
  };
}

function badManifest(why: string): RewardFormatError {
  return new RewardFormatError('bad-manifest', `${MANIFEST_FILE} is not usable: ${why}.`);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parse and check the manifest's shape (not yet against the head or the encoder). */
export function parseManifest(text: string): RewardManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badManifest('it is not JSON');
  }
  if (!isRecord(value) || value.format !== MANIFEST_FORMAT) {
    throw badManifest(
      `it is not an RLAIF Lab reward model (format should be "${MANIFEST_FORMAT}")`,
    );
  }
  if (value.version !== MANIFEST_VERSION) {
    throw badManifest(`version ${String(value.version)}; this app reads ${MANIFEST_VERSION}`);
  }
  const { encoder, head } = value;
  if (value.features !== FEATURES) throw badManifest(`unknown features ${String(value.features)}`);
  const positive = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (
    !isRecord(encoder) ||
    typeof encoder.modelId !== 'string' ||
    typeof encoder.fingerprint !== 'string' ||
    !positive(encoder.dim) ||
    !positive(encoder.maxLength) ||
    (encoder.pooling !== 'mean' && encoder.pooling !== 'cls') ||
    (encoder.normalize !== 'l2' && encoder.normalize !== 'none')
  ) {
    throw badManifest('the encoder entry is missing or incomplete');
  }
  if (
    !isRecord(head) ||
    typeof head.file !== 'string' ||
    typeof head.sha256 !== 'string' ||
    head.input !== HEAD_INPUT ||
    head.output !== HEAD_OUTPUT ||
    !positive(head.inputDim) ||
    !positive(head.hidden) ||
    head.activation !== 'tanh'
  ) {
    throw badManifest('the head entry is missing or incomplete');
  }
  return value as unknown as RewardManifest;
}

export interface ImportedRewardModel {
  manifest: RewardManifest;
  graph: HeadGraph;
  /** The head file's bytes, checked: what onnxruntime opens. */
  head: Uint8Array;
}

/**
 * Open an exported model: the manifest's text, the head file's bytes, and (when given) the
 * encoder it will run on. Every disagreement is a RewardFormatError saying which.
 */
export async function importRewardModel(
  manifestJson: string,
  head: Uint8Array,
  encoder?: EncoderInfo,
): Promise<ImportedRewardModel> {
  const manifest = parseManifest(manifestJson);
  const graph = readHeadOnnx(head);
  const want = featureDim(manifest.encoder.dim);
  if (manifest.head.inputDim !== want) {
    throw new RewardFormatError(
      'dims',
      `The manifest's head reads ${manifest.head.inputDim} features, but 3 x ${manifest.encoder.dim} = ${want}.`,
    );
  }
  if (graph.inputDim !== want || graph.head.hidden !== manifest.head.hidden) {
    throw new RewardFormatError(
      'dims',
      `head.onnx is [${graph.inputDim} -> ${graph.head.hidden}], the manifest says ` +
        `[${want} -> ${manifest.head.hidden}].`,
    );
  }
  if ((await sha256Hex(head)) !== manifest.head.sha256) {
    throw new RewardFormatError(
      'checksum',
      `${manifest.head.file} is not the file this manifest was saved with (SHA-256 differs).`,
    );
  }
  if (encoder) checkEncoder(manifest, encoder);
  return { manifest, graph, head };
}

/** The head only makes sense on the embeddings it was trained on. */
export function checkEncoder(manifest: RewardManifest, encoder: EncoderInfo): void {
  if (encoder.dim !== manifest.encoder.dim) {
    throw new RewardFormatError(
      'dims',
      `The encoder makes ${encoder.dim}-d embeddings; this reward model needs ${manifest.encoder.dim}-d ` +
        `ones from ${manifest.encoder.modelId}.`,
    );
  }
  if (encoder.fingerprint !== manifest.encoder.fingerprint) {
    throw new RewardFormatError(
      'encoder-mismatch',
      `This reward model was trained on ${manifest.encoder.modelId}, and the loaded encoder ` +
        `(${encoder.modelId}) is a different model: load that encoder to use it.`,
    );
  }
  const { pooling, normalize } = poolingOf(encoder);
  if (pooling !== manifest.encoder.pooling || normalize !== manifest.encoder.normalize) {
    throw new RewardFormatError(
      'encoder-mismatch',
      `This reward model was trained on ${manifest.encoder.pooling} pooling (normalize: ` +
        `${manifest.encoder.normalize}); the loaded encoder pools with ${pooling} (normalize: ` +
        `${normalize}). Load ${manifest.encoder.modelId} as that folder configures it.`,
    );
  }
}
