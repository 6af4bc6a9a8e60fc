// Adam with decoupled weight decay (AdamW, Loshchilov & Hutter), over flat Float64Array tensors.
//
//   theta <- theta - lr * wd * theta                     (decay, only on tensors marked decay)
//   m <- b1 m + (1 - b1) g ;  v <- b2 v + (1 - b2) g^2
//   theta <- theta - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
//
// Decoupled: the decay is not part of the gradient, so Adam's per-weight scaling does not weaken
// it for weights with large gradients. Biases are left undecayed, as usual.

export interface ParamTensor {
  name: string;
  value: Float64Array;
  grad: Float64Array;
  decay: boolean;
}

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class AdamW {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Steps taken so far (the t of the bias correction). */
  t = 0;
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];

  constructor(
    readonly params: readonly ParamTensor[],
    options: AdamOptions = {},
  ) {
    this.lr = options.lr ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.m = params.map((p) => new Float64Array(p.value.length));
    this.v = params.map((p) => new Float64Array(p.value.length));
  }

  /** One update from the gradients currently in the tensors. */
  step(): void {
    this.t += 1;
    const { lr, beta1, beta2, eps, weightDecay } = this;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    this.params.forEach((param, k) => {
      const m = this.m[k] as Float64Array;
      const v = this.v[k] as Float64Array;
      const { value, grad } = param;
      const decay = param.decay ? lr * weightDecay : 0;
      for (let i = 0; i < value.length; i++) {
        const g = grad[i] ?? 0;
        const mi = beta1 * (m[i] ?? 0) + (1 - beta1) * g;
        const vi = beta2 * (v[i] ?? 0) + (1 - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        const theta = (value[i] ?? 0) * (1 - decay);
        value[i] = theta - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
      }
    });
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }
}
