// Features phi(x, y) of a candidate, shared across contexts so a linear policy can generalise:
// the response's length (the classic reward hack, so the learner can be seen exploiting it),
// its mean per-token log-prob under pi_SFT, and, when a sentence encoder is available, the
// response embedding e(y) and its elementwise product with the context's, e(x) * e(y).
import type { Candidate, CandidateSet } from './candidates';
import { PolicyError } from './errors';
import { sftLogProbs } from './objective';
import type { TrainContext } from './reinforce';

/** Embeddings of a context and of each of its candidates, from the reward worker's encoder. */
export interface SetEmbeddings {
  context: readonly number[];
  candidates: readonly (readonly number[])[];
}

export function featureNames(embeddingDim: number): string[] {
  const names = ['length (tokens)', 'SFT log-prob per token'];
  for (let k = 0; k < embeddingDim; k++) names.push(`e(y)[${k}]`);
  for (let k = 0; k < embeddingDim; k++) names.push(`e(x)*e(y)[${k}]`);
  return names;
}

/** phi before standardising. */
export function rawFeatures(
  candidate: Pick<Candidate, 'tokens' | 'logprob'>,
  embedding?: { context: readonly number[]; response: readonly number[] },
): number[] {
  const perToken = candidate.logprob / Math.max(candidate.tokens, 1);
  const phi = [candidate.tokens, perToken];
  if (embedding) {
    phi.push(...embedding.response);
    phi.push(...embedding.response.map((v, k) => v * embedding.context[k]!));
  }
  return phi;
}

/** z-scores with the training candidates' mean and std, applied alike to held-out ones. */
export class Standardizer {
  private constructor(
    readonly mean: number[],
    readonly std: number[],
  ) {}

  static fit(rows: readonly (readonly number[])[]): Standardizer {
    if (!rows.length) throw new PolicyError('empty', 'No candidates to fit features on.');
    const dim = rows[0]!.length;
    const mean = new Array<number>(dim).fill(0);
    const sq = new Array<number>(dim).fill(0);
    for (const row of rows) for (let d = 0; d < dim; d++) mean[d]! += row[d]! / rows.length;
    for (const row of rows) for (let d = 0; d < dim; d++) sq[d]! += (row[d]! - mean[d]!) ** 2;
    // A constant feature keeps std 1: it then carries no signal, and no division by 0.
    const std = sq.map((s) => Math.sqrt(s / rows.length) || 1);
    return new Standardizer(mean, std);
  }

  apply(row: readonly number[]): number[] {
    return row.map((v, d) => (v - this.mean[d]!) / this.std[d]!);
  }
}

/** A candidate set with its rewards (and embeddings) as the learner's raw input. */
export interface LearnerInput {
  set: CandidateSet;
  rewards: readonly number[];
  embeddings?: SetEmbeddings;
}

function rawRows(input: LearnerInput): number[][] {
  return input.set.candidates.map((c, i) =>
    rawFeatures(
      c,
      input.embeddings && {
        context: input.embeddings.context,
        response: input.embeddings.candidates[i]!,
      },
    ),
  );
}

/** Train and held-out contexts for REINFORCE, standardised with the training candidates. */
export function learnerContexts(
  train: readonly LearnerInput[],
  heldOut: readonly LearnerInput[],
): { train: TrainContext[]; heldOut: TrainContext[]; scaler: Standardizer } {
  const scaler = Standardizer.fit(train.flatMap(rawRows));
  // z-scores / sqrt(dim) have norm about 1 however many features there are, so one learning
  // rate moves the logits about as much with 2 features as with 2 + 2 x 384 encoder features.
  const shrink = 1 / Math.sqrt(scaler.mean.length || 1);
  const toContext = (input: LearnerInput): TrainContext => ({
    logSft: sftLogProbs(input.set.candidates),
    rewards: input.rewards,
    features: rawRows(input).map((row) => scaler.apply(row).map((v) => v * shrink)),
  });
  return { train: train.map(toContext), heldOut: heldOut.map(toContext), scaler };
}

/** Effective sample size of pi_SFT_hat, 1 / sum w_i^2: N for equal weights, 1 when one dominates. */
export function effectiveSampleSize(logSft: readonly number[]): number {
  return 1 / logSft.reduce((s, lp) => s + Math.exp(2 * lp), 0);
}
