// Turning one position's logits into what the core asks for: exact log-probs (accumulated in
// float64 over the full vocabulary), the top-k tokens, or a sampled next token.
import type { TokenLogprob } from '../rlaif/engine';

/** log-softmax of a logits row, in float64 so that small probabilities keep their digits. */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const logZ = max + Math.log(sum);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i]! - logZ;
  return out;
}

/** The k largest entries, largest first (ties by lower id). */
export function topK(logprobs: ArrayLike<number>, k: number): TokenLogprob[] {
  if (k <= 0) return [];
  if (k > 64) {
    // A large k (nucleus sampling over the whole vocabulary) sorts once instead.
    const ids = Array.from({ length: logprobs.length }, (_, id) => id);
    ids.sort((a, b) => logprobs[b]! - logprobs[a]! || a - b);
    return ids.slice(0, k).map((id) => ({ id, logprob: logprobs[id]! }));
  }
  const best: TokenLogprob[] = [];
  for (let id = 0; id < logprobs.length; id++) {
    const logprob = logprobs[id]!;
    if (best.length === k && logprob <= best[k - 1]!.logprob) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.logprob < logprob) at--;
    best.splice(at, 0, { id, logprob });
    if (best.length > k) best.pop();
  }
  return best;
}

export interface SamplingOptions {
  /** 0 (or less) is greedy decoding. */
  temperature: number;
  topK?: number;
  topP?: number;
}

/** A sampled token and its log-probability under the distribution it was drawn from. */
export interface SampledToken {
  id: number;
  /**
   * log q(id): q is the tempered, top-k/top-p truncated and renormalised softmax the token was
   * drawn from; 0 for greedy decoding, which is deterministic.
   */
  logprob: number;
}

/** Pick the next token: argmax when greedy, else sample from the tempered, truncated softmax. */
export function sampleToken(
  logits: ArrayLike<number>,
  options: SamplingOptions,
  random: () => number,
): number {
  return sampleTokenWithLogprob(logits, options, random).id;
}

/** sampleToken, also returning log q(token) under the sampling distribution (same draws). */
export function sampleTokenWithLogprob(
  logits: ArrayLike<number>,
  options: SamplingOptions,
  random: () => number,
): SampledToken {
  if (options.temperature <= 0) return { id: topK(logits, 1)[0]!.id, logprob: 0 };
  const logprobs = logSoftmax(Array.from(logits, (l) => l / options.temperature));
  const truncated = (options.topK ?? 0) > 0 || (options.topP ?? 1) < 1;
  if (!truncated)
    return draw(
      Array.from(logprobs, (logprob, id) => ({ id, logprob })),
      random,
    );
  // Candidates by probability; top-k then top-p (nucleus) keep the head of that list.
  let pool = topK(logprobs, options.topK && options.topK > 0 ? options.topK : logits.length);
  if (options.topP !== undefined && options.topP < 1) {
    let mass = 0;
    const kept = pool.findIndex((t) => (mass += Math.exp(t.logprob)) >= options.topP!);
    pool = pool.slice(0, kept < 0 ? pool.length : kept + 1);
  }
  return draw(pool, random);
}

/** Draw one token in proportion to exp(logprob), renormalised over the pool. */
function draw(pool: TokenLogprob[], random: () => number): SampledToken {
  const total = pool.reduce((s, t) => s + Math.exp(t.logprob), 0);
  // log q(t) = logprob(t) - log(total): the pool's own renormalisation (0 when nothing was cut).
  const logTotal = Math.log(total);
  let r = random() * total;
  for (const t of pool) {
    r -= Math.exp(t.logprob);
    if (r <= 0) return { id: t.id, logprob: t.logprob - logTotal };
  }
  const last = pool[pool.length - 1]!;
  return { id: last.id, logprob: last.logprob - logTotal };
}
