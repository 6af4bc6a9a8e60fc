// The trainable part of the reward model: a one-hidden-layer MLP over pair features, with the
// Bradley-Terry loss and its gradient written out by hand.
//
//   f(x, y) = [e(x), e(y), e(x) * e(y)]            (3d: context, response, their interaction)
//   r(x, y) = w2 . tanh(W1^T f + b1)               (3d -> h -> 1)
//   z       = r(x, a) - r(x, b)
//   L       = p softplus(-z) + (1 - p) softplus(z)  (cross-entropy of softmax(r_a, r_b) vs [p, 1-p])
//   dL/dz   = sigmoid(z) - p
//
// Hard (human) labels are the same loss with p in {0, 1}: -log sigmoid(r_w - r_l). There is no
// output bias: the loss only ever sees reward differences, so a constant offset is unidentifiable.
import { mulberry32 } from '../rlaif/random';

export interface Head {
  /** d, the sentence embedding size; the head reads 3d features. */
  embedDim: number;
  /** h, the hidden width. */
  hidden: number;
  /** [3d, h], row-major: the layout of ONNX MatMul(features [batch, 3d], W1). */
  W1: Float64Array;
  b1: Float64Array;
  /** [h]: the output weights. */
  w2: Float64Array;
}

/** Gradients share the head's layout. */
export type HeadGrads = Pick<Head, 'W1' | 'b1' | 'w2'>;

export const featureDim = (embedDim: number): number => 3 * embedDim;

/** Xavier (Glorot) uniform init from a seed: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)). */
export function initHead(embedDim: number, hidden: number, seed: number): Head {
  const random = mulberry32(seed);
  const xavier = (fanIn: number, fanOut: number, n: number): Float64Array => {
    const a = Math.sqrt(6 / (fanIn + fanOut));
    return Float64Array.from({ length: n }, () => (2 * random() - 1) * a);
  };
  const input = featureDim(embedDim);
  return {
    embedDim,
    hidden,
    W1: xavier(input, hidden, input * hidden),
    b1: new Float64Array(hidden),
    w2: xavier(hidden, 1, hidden),
  };
}

export function zeroGrads(head: Head): HeadGrads {
  return {
    W1: new Float64Array(head.W1.length),
    b1: new Float64Array(head.b1.length),
    w2: new Float64Array(head.w2.length),
  };
}

export function cloneHead(head: Head): Head {
  return { ...head, W1: head.W1.slice(), b1: head.b1.slice(), w2: head.w2.slice() };
}

/** f(x, y) = [e(x), e(y), e(x) * e(y)] written into `out`. */
export function pairFeatures(
  ex: ArrayLike<number>,
  ey: ArrayLike<number>,
  out: Float64Array = new Float64Array(3 * ex.length),
): Float64Array {
  const d = ex.length;
  if (ey.length !== d) throw new RangeError(`embedding sizes differ: ${d} vs ${ey.length}`);
  for (let i = 0; i < d; i++) {
    const x = ex[i] ?? 0;
    const y = ey[i] ?? 0;
    out[i] = x;
    out[d + i] = y;
    out[2 * d + i] = x * y;
  }
  return out;
}

/** r = w2 . tanh(W1^T f + b1); the activations go into `act` for the backward pass. */
export function reward(head: Head, f: Float64Array, act = new Float64Array(head.hidden)): number {
  // Indices below are in range by construction; `!` keeps the hot loops free of undefined checks.
  const { hidden: h, W1, b1, w2 } = head;
  act.set(b1);
  for (let i = 0; i < f.length; i++) {
    const fi = f[i]!;
    if (fi === 0) continue;
    const row = i * h;
    for (let j = 0; j < h; j++) act[j]! += fi * W1[row + j]!;
  }
  let r = 0;
  for (let j = 0; j < h; j++) {
    const t = Math.tanh(act[j]!);
    act[j] = t;
    r += w2[j]! * t;
  }
  return r;
}

/** log(1 + e^x) without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Cross-entropy of softmax(r_a, r_b) = [sigmoid(z), sigmoid(-z)] against [p, 1 - p]. */
export function pairLoss(z: number, p: number): number {
  return p * softplus(-z) + (1 - p) * softplus(z);
}

/** Add dr * dr/dθ into `grads`, given the features and tanh activations of one forward pass. */
function backward(
  head: Head,
  grads: HeadGrads,
  f: Float64Array,
  act: Float64Array,
  dr: number,
): void {
  const { hidden: h, w2 } = head;
  const { W1: gW1, b1: gb1, w2: gw2 } = grads;
  const da = new Float64Array(h);
  for (let j = 0; j < h; j++) {
    const t = act[j]!;
    gw2[j]! += dr * t; // dr/dw2 = tanh(a)
    da[j] = dr * w2[j]! * (1 - t * t); // d tanh(a)/da = 1 - tanh(a)^2
    gb1[j]! += da[j]!;
  }
  for (let i = 0; i < f.length; i++) {
    const fi = f[i]!;
    if (fi === 0) continue;
    const row = i * h;
    for (let j = 0; j < h; j++) gW1[row + j]! += fi * da[j]!; // dr/dW1[i][j] = f_i da_j
  }
}

/**
 * One pair's loss, and `scale` times its gradient added into `grads` (scale = 1 / batch size gives
 * the gradient of the batch mean). `p` is the target probability that `a` is the better response.
 */
export function pairGradient(
  head: Head,
  grads: HeadGrads,
  fa: Float64Array,
  fb: Float64Array,
  p: number,
  scale = 1,
): number {
  const actA = new Float64Array(head.hidden);
  const actB = new Float64Array(head.hidden);
  const z = reward(head, fa, actA) - reward(head, fb, actB);
  const dz = scale * (sigmoid(z) - p);
  backward(head, grads, fa, actA, dz); // dz/dr_a = +1
  backward(head, grads, fb, actB, -dz); // dz/dr_b = -1
  return pairLoss(z, p);
}
