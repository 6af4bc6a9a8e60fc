// The reward model of distilled RLAIF: a frozen sentence encoder, a small trained head, and the
// ONNX export that carries it to the app's runtime and to users' tools.
export { EmbeddingCache } from './cache';
export { pairsFromAiLabels, pairsFromHumanChoices, type TrainPair } from './data';
export {
  loadEncoderFolder,
  loadSentenceEncoder,
  SentenceEncoder,
  type Embedder,
  type EmbedOptions,
  type EncoderOptions,
} from './encoder';
export { RewardFormatError, type RewardFormatErrorKind } from './errors';
export {
  exportRewardModel,
  HEAD_FILE,
  importRewardModel,
  MANIFEST_FILE,
  type EncoderInfo,
  type ExportedRewardModel,
  type RewardManifest,
  type TrainingMetadata,
} from './export';
export { initHead, pairLoss, reward, type Head } from './head';
export { headToOnnx, readHeadOnnx } from './head-onnx';
export { RewardModel, type PairScore, type RewardEncoder } from './model';
export {
  DEFAULT_POOLING,
  loadPoolingSpec,
  type Normalization,
  type Pooling,
  type PoolingSpec,
} from './pooling';
export {
  embedPairs,
  evaluate,
  fitHead,
  trainRewardHead,
  type EpochStats,
  type TrainOptions,
  type TrainResult,
} from './train';
