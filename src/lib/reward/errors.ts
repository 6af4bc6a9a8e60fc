// Why an exported reward model could not be opened, in words a user can act on.

export type RewardFormatErrorKind =
  /** The manifest is not JSON, or not a reward-model manifest this version reads. */
  | 'bad-manifest'
  /** The head file is not an ONNX model at all. */
  | 'not-onnx'
  /** An ONNX model, but not a reward head (other input/output names, other operators, weights). */
  | 'not-reward-head'
  /** Sizes disagree: head vs manifest, or head vs the encoder's embedding size. */
  | 'dims'
  /** The head was trained on another encoder's embeddings. */
  | 'encoder-mismatch'
  /** The head file is not the one the manifest was written with. */
  | 'checksum';

export class RewardFormatError extends Error {
  constructor(
    readonly kind: RewardFormatErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'RewardFormatError';
  }
}
