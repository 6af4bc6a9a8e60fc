// Training the reward head: embed every text once up front, then minibatch AdamW on the
// Bradley-Terry loss, pure arithmetic on Float64Arrays. Seeded end to end (split, init, shuffle),
// so one seed gives the same weights every run. No DOM: it is meant to run in a Web Worker.
import { fnv1a, mulberry32 } from '../rlaif/random';
import type { TrainPair } from './data';
import type { EmbedOptions, Embedder } from './encoder';
import {
  cloneHead,
  initHead,
  pairFeatures,
  pairGradient,
  pairLoss,
  reward,
  zeroGrads,
  type Head,
} from './head';
import { AdamW } from './optim';

/** The pairs as rows of one embedding matrix: what the arithmetic needs and nothing else. */
export interface EmbeddedPairs {
  dim: number;
  /** One unit vector per distinct text, [texts, dim] row-major. */
  vectors: Float64Array;
  /** Row of each pair's context and responses in `vectors`. */
  context: Int32Array;
  a: Int32Array;
  b: Int32Array;
  /** Target P(a better) per pair. */
  p: Float64Array;
}

export async function embedPairs(
  encoder: Embedder,
  pairs: readonly TrainPair[],
  options: EmbedOptions = {},
): Promise<EmbeddedPairs> {
  for (const [i, pair] of pairs.entries()) {
    if (!(pair.p >= 0 && pair.p <= 1))
      throw new RangeError(`pair ${i}: p = ${pair.p} not in [0, 1]`);
  }
  const texts = [...new Set(pairs.flatMap((pair) => [pair.context, pair.a, pair.b]))];
  const row = new Map(texts.map((text, i) => [text, i]));
  const embeddings = await encoder.embed(texts, options);
  const dim = encoder.dim;
  const vectors = new Float64Array(texts.length * dim);
  embeddings.forEach((e, i) => vectors.set(e, i * dim));
  const rows = (pick: (pair: TrainPair) => string) =>
    Int32Array.from(pairs, (pair) => row.get(pick(pair)) ?? -1);
  return {
    dim,
    vectors,
    context: rows((pair) => pair.context),
    a: rows((pair) => pair.a),
    b: rows((pair) => pair.b),
    p: Float64Array.from(pairs, (pair) => pair.p),
  };
}

const rowOf = (data: EmbeddedPairs, r: number): Float64Array =>
  data.vectors.subarray(r * data.dim, (r + 1) * data.dim);

/** f(x, a) and f(x, b) of pair i. */
function featuresOf(data: EmbeddedPairs, i: number): [Float64Array, Float64Array] {
  const x = rowOf(data, data.context[i] ?? 0);
  return [
    pairFeatures(x, rowOf(data, data.a[i] ?? 0)),
    pairFeatures(x, rowOf(data, data.b[i] ?? 0)),
  ];
}

/** Fisher-Yates with a seeded generator. */
function shuffle(items: number[], random: () => number): number[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as number, items[i] as number];
  }
  return items;
}

/** A seeded train/validation split; at least one pair each way when valFraction > 0. */
export function splitIndices(
  n: number,
  valFraction: number,
  seed: number,
): { train: number[]; val: number[] } {
  const order = shuffle(
    Array.from({ length: n }, (_, i) => i),
    mulberry32(fnv1a(`split:${seed}`)),
  );
  const nVal = valFraction > 0 ? Math.min(n - 1, Math.max(1, Math.round(n * valFraction))) : 0;
  return { val: order.slice(0, nVal).sort((x, y) => x - y), train: order.slice(nVal) };
}

export interface Evaluation {
  /** Mean Bradley-Terry loss. */
  loss: number;
  /** Share of pairs where the higher reward goes to the target's argmax (p = 0.5 left out). */
  accuracy: number;
}

export function evaluate(head: Head, data: EmbeddedPairs, indices: readonly number[]): Evaluation {
  let loss = 0;
  let agree = 0;
  let decided = 0;
  for (const i of indices) {
    const [fa, fb] = featuresOf(data, i);
    const z = reward(head, fa) - reward(head, fb);
    const p = data.p[i] ?? 0.5;
    loss += pairLoss(z, p);
    if (p === 0.5) continue;
    decided += 1;
    // An exact tie in reward is a coin flip: worth half.
    agree += z === 0 ? 0.5 : z > 0 === p > 0.5 ? 1 : 0;
  }
  return { loss: loss / indices.length, accuracy: decided ? agree / decided : NaN };
}

export interface EpochStats {
  /** 1-based. */
  epoch: number;
  /** Mean loss over the epoch's minibatches (weights moving as it goes). */
  trainLoss: number;
  /** NaN without a validation split. */
  valLoss: number;
  valAccuracy: number;
  seconds: number;
}

export interface TrainOptions {
  seed?: number;
  hidden?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  /** Share of pairs held out for validation and early stopping; 0 trains on all. */
  valFraction?: number;
  /** Epochs without a better validation loss before stopping. */
  patience?: number;
  signal?: AbortSignal;
  onEpoch?: (stats: EpochStats) => void;
}

export interface TrainResult {
  /** The weights of the epoch with the lowest validation loss (the last without validation). */
  head: Head;
  history: EpochStats[];
  bestEpoch: number;
  stoppedEarly: boolean;
  split: { train: number[]; val: number[] };
  options: Required<Omit<TrainOptions, 'signal' | 'onEpoch'>>;
}

const DEFAULTS = {
  seed: 0,
  hidden: 32,
  epochs: 100,
  batchSize: 32,
  lr: 3e-3,
  weightDecay: 1e-2,
  valFraction: 0.2,
  patience: 8,
};

function aborted(): DOMException {
  return new DOMException('Reward model training was cancelled.', 'AbortError');
}

/**
 * Give the event loop a turn about every 30 ms, so a worker can receive a cancel message
 * (AbortSignal only fires from a task, never in the middle of synchronous arithmetic).
 */
function yielder(): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < 30) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    last = performance.now();
  };
}

/** Train a fresh head on embedded pairs. */
export async function fitHead(
  data: EmbeddedPairs,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const opts = resolveOptions(options);
  const n = data.p.length;
  if (n < 2) throw new RangeError(`need at least 2 pairs to train, got ${n}`);
  const split = splitIndices(n, opts.valFraction, opts.seed);
  let head = initHead(data.dim, opts.hidden, opts.seed);
  const grads = zeroGrads(head);
  const optimizer = new AdamW(
    [
      { name: 'W1', value: head.W1, grad: grads.W1, decay: true },
      { name: 'b1', value: head.b1, grad: grads.b1, decay: false },
      { name: 'w2', value: head.w2, grad: grads.w2, decay: true },
    ],
    { lr: opts.lr, weightDecay: opts.weightDecay },
  );
  const random = mulberry32(fnv1a(`shuffle:${opts.seed}`));
  const pause = yielder();
  const history: EpochStats[] = [];
  let best = { loss: Infinity, head: cloneHead(head), epoch: 0 };
  let stale = 0;
  let stoppedEarly = false;

  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const started = performance.now();
    const order = shuffle([...split.train], random);
    let lossSum = 0;
    for (let start = 0; start < order.length; start += opts.batchSize) {
      if (options.signal?.aborted) throw aborted();
      const batch = order.slice(start, start + opts.batchSize);
      optimizer.zeroGrad();
      for (const i of batch) {
        const [fa, fb] = featuresOf(data, i);
        lossSum += pairGradient(head, grads, fa, fb, data.p[i] ?? 0.5, 1 / batch.length);
      }
      optimizer.step();
      await pause();
    }
    const val = split.val.length ? evaluate(head, data, split.val) : { loss: NaN, accuracy: NaN };
    const stats: EpochStats = {
      epoch,
      trainLoss: lossSum / order.length,
      valLoss: val.loss,
      valAccuracy: val.accuracy,
      seconds: (performance.now() - started) / 1000,
    };
    history.push(stats);
    options.onEpoch?.(stats);
    if (!split.val.length) {
      best = { loss: NaN, head, epoch };
      continue;
    }
    if (val.loss < best.loss) {
      best = { loss: val.loss, head: cloneHead(head), epoch };
      stale = 0;
    } else if (++stale >= opts.patience) {
      stoppedEarly = true;
      break;
    }
  }
  if (options.signal?.aborted) throw aborted();
  head = split.val.length ? best.head : cloneHead(head);
  return { head, history, bestEpoch: best.epoch, stoppedEarly, split, options: opts };
}

/** Embed the pairs' texts (cached by the encoder), then fit a head on them. */
export async function trainRewardHead(
  encoder: Embedder,
  pairs: readonly TrainPair[],
  options: TrainOptions = {},
): Promise<TrainResult> {
  const data = await embedPairs(encoder, pairs, { signal: options.signal });
  return fitHead(data, options);
}

function resolveOptions(options: TrainOptions): TrainResult['options'] {
  const pick = <K extends keyof typeof DEFAULTS>(key: K): number => options[key] ?? DEFAULTS[key];
  return {
    seed: pick('seed'),
    hidden: pick('hidden'),
    epochs: pick('epochs'),
    batchSize: pick('batchSize'),
    lr: pick('lr'),
    weightDecay: pick('weightDecay'),
    valFraction: pick('valFraction'),
    patience: pick('patience'),
  };
}
