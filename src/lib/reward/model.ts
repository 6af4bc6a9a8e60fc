// The reward model at inference: the frozen encoder, then the exported head graph run by
// onnxruntime-web (the app's runtime, WebGPU or WASM). Scoring goes through the same ONNX file a
// user downloads, so what the app shows is what that file computes.
import type * as Ort from 'onnxruntime-web';
import type { ExecutionProvider, OrtModule } from '../engines/onnx/causal-lm';
import type { SoftLabel } from '../rlaif/types';
import type { Embedder } from './encoder';
import { RewardFormatError } from './errors';
import { importRewardModel, type EncoderInfo } from './export';
import { featureDim, pairFeatures, sigmoid } from './head';
import { HEAD_INPUT, HEAD_OUTPUT, readHeadOnnx } from './head-onnx';

export type RewardEncoder = Embedder & EncoderInfo;

export interface PairScore {
  /** [r(x, a), r(x, b)]. */
  rewards: [number, number];
  /** softmax(r_a, r_b): the Bradley-Terry probability that each is better. */
  preference: SoftLabel;
}

export class RewardModel {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly encoder: RewardEncoder,
    readonly ep: ExecutionProvider,
  ) {}

  /** A model from a head file's bytes (checked against the encoder's embedding size). */
  static async create(
    ort: OrtModule,
    encoder: RewardEncoder,
    head: Uint8Array,
    ep: ExecutionProvider = 'wasm',
  ): Promise<RewardModel> {
    const graph = readHeadOnnx(head);
    if (graph.inputDim !== featureDim(encoder.dim)) {
      throw new RewardFormatError(
        'dims',
        `The head reads ${graph.inputDim} features; this encoder gives 3 x ${encoder.dim}.`,
      );
    }
    const session = await ort.InferenceSession.create(head, { executionProviders: [ep] });
    return new RewardModel(ort, session, encoder, ep);
  }

  /** A model from an export (manifest text + head.onnx), refusing a mismatched encoder. */
  static async open(
    ort: OrtModule,
    encoder: RewardEncoder,
    manifestJson: string,
    head: Uint8Array,
    ep: ExecutionProvider = 'wasm',
  ): Promise<RewardModel> {
    const imported = await importRewardModel(manifestJson, head, encoder);
    return RewardModel.create(ort, encoder, imported.head, ep);
  }

  /** The head on ready-made features [n, 3d] (float32, row-major): n rewards. */
  async runHead(features: Float32Array): Promise<Float32Array> {
    const width = featureDim(this.encoder.dim);
    const n = features.length / width;
    if (!Number.isInteger(n)) throw new RangeError(`features length ${features.length} % ${width}`);
    if (n === 0) return new Float32Array(0);
    const input = new this.ort.Tensor('float32', features, [n, width]);
    const out = await this.session.run({ [HEAD_INPUT]: input });
    return (await (out[HEAD_OUTPUT] as Ort.Tensor).getData()) as Float32Array;
  }

  /** r(x, y) for many (context, response) pairs in one encoder pass and one head call. */
  async scoreMany(items: readonly { context: string; response: string }[]): Promise<number[]> {
    const width = featureDim(this.encoder.dim);
    const texts = items.flatMap((item) => [item.context, item.response]);
    const vectors = await this.encoder.embed(texts);
    const features = new Float32Array(items.length * width);
    const row = new Float64Array(width);
    items.forEach((_, i) => {
      pairFeatures(vectors[2 * i] as Float32Array, vectors[2 * i + 1] as Float32Array, row);
      features.set(row, i * width);
    });
    return [...(await this.runHead(features))];
  }

  async score(context: string, response: string): Promise<number> {
    const [r = NaN] = await this.scoreMany([{ context, response }]);
    return r;
  }

  async scorePair(context: string, a: string, b: string): Promise<PairScore> {
    const [ra = NaN, rb = NaN] = await this.scoreMany([
      { context, response: a },
      { context, response: b },
    ]);
    const pa = sigmoid(ra - rb);
    return { rewards: [ra, rb], preference: [pa, 1 - pa] };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
