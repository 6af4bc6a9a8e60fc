// The reward bench page: on one execution provider (the URL's plan), times live scoring (a new
// response per keystroke, and cached text), the one-time embedding of a training set, and the
// head's training, and leaves a RewardPageResult on window for bench/drivers/reward.ts.
import type { OrtModule } from '../../src/lib/engines/onnx/causal-lm';
import { loadOrt } from '../../src/lib/engines/onnx/runtime';
import {
  embedPairs,
  fitHead,
  headToOnnx,
  initHead,
  loadSentenceEncoder,
  RewardModel,
  type SentenceEncoder,
  type TrainPair,
} from '../../src/lib/reward';
import type { EmbeddedPairs } from '../../src/lib/reward/train';
import { environment, errorMessage, loadProbes, progress, timed, type ProbePair } from './common';
import { keystrokes, spread, trainingPairs } from './reward-data';
import { latencyStats, paddedPositions, trainTiming } from './reward-stats';
import {
  rewardPlanFromQuery,
  type EmbedTiming,
  type EmbeddedForNode,
  type LiveScoring,
  type RewardEnvironment,
  type RewardPageResult,
  type RewardPlan,
  type RewardWindow,
  type TrainTiming,
} from './reward-types';

const ENCODER_FOLDER = '/models/tiny-encoder/';
/** A head of the size training gives (fitHead's default hidden width), fixed weights. */
const HEAD_HIDDEN = 32;
const HEAD_SEED = 7;

interface Loaded {
  ort: OrtModule;
  encoder: SentenceEncoder;
  model: RewardModel;
  loadMs: RewardPageResult['loadMs'];
}

async function load({ ep, threads }: RewardPlan): Promise<Loaded> {
  const ort = await loadOrt();
  // Read when the first session starts onnxruntime-web's WASM, so it can still change here.
  if (threads > 0) ort.env.wasm.numThreads = threads;
  const enc = await timed(() => loadSentenceEncoder(ENCODER_FOLDER, { ort, ep, cache: null }));
  const bytes = headToOnnx(initHead(enc.value.dim, HEAD_HIDDEN, HEAD_SEED));
  const head = await timed(() => RewardModel.create(ort, enc.value, bytes, ep));
  progress(`${ep}: encoder ${enc.ms.toFixed(0)} ms, head ${head.ms.toFixed(0)} ms`);
  return { ort, encoder: enc.value, model: head.value, loadMs: { encoder: enc.ms, head: head.ms } };
}

/** ms per score() call, one call per text, in order. */
async function scoreEach(model: RewardModel, context: string, responses: string[], what: string) {
  const ms: number[] = [];
  for (const response of responses) {
    const call = await timed(() => model.score(context, response));
    if (!Number.isFinite(call.value)) throw new Error(`${what}: reward ${call.value}`);
    ms.push(call.ms);
  }
  progress(`${what}: ${ms.map((x) => x.toFixed(1)).join(' ')} ms`);
  return ms;
}

/**
 * A user typing in a scoring box: the context was embedded once (the first call), then every
 * keystroke makes a response the encoder has not seen. Warm-up edits type another response.
 */
async function liveScoring(plan: RewardPlan, loaded: Loaded, probes: ProbePair[]) {
  const { model, encoder } = loaded;
  const [probe, other] = [probes[0]!, probes[1]!];
  const context = probe.context;
  const typed = keystrokes(probe.candidates[0], plan.keystrokes);
  await model.score(context, 'first');
  await scoreEach(
    model,
    context,
    keystrokes(other.candidates[0], plan.warmupKeystrokes),
    'warm-up',
  );
  const cold = await scoreEach(model, context, typed, `${plan.ep} new response`);
  const last = typed.at(-1)!;
  const cached = await scoreEach(
    model,
    context,
    Array.from({ length: plan.cachedCalls }, () => last),
    `${plan.ep} cached`,
  );
  const tokens = typed.map((t) => encoder.tokenize(t).length);
  const live: LiveScoring = {
    cold: latencyStats(cold),
    cached: latencyStats(cached),
    contextTokens: encoder.tokenize(context).length,
    responseTokens: { min: Math.min(...tokens), max: Math.max(...tokens) },
  };
  return live;
}

/** Tokens and padded positions of the pairs' texts, as the encoder would batch them. */
function positions(encoder: SentenceEncoder, pairs: readonly TrainPair[]) {
  const lengths = pairs
    .flatMap((p) => [p.context, p.a, p.b])
    .map((t) => encoder.tokenize(t).length);
  return {
    tokens: lengths.reduce((sum, n) => sum + n, 0),
    padded: paddedPositions(lengths, encoder.batchSize),
  };
}

/** The one-time embedding of the training set, or of an even sample of it scaled up by positions. */
async function embedAll(plan: RewardPlan, encoder: SentenceEncoder, pairs: TrainPair[]) {
  const subset = spread(pairs, plan.embedPairs);
  let reported = 0;
  const onProgress = (done: number, total: number) => {
    if (done - reported < 300 && done < total) return;
    reported = done;
    progress(`${plan.ep} embedding: ${done}/${total} texts`);
  };
  const { value: data, ms } = await timed(() => embedPairs(encoder, subset, { onProgress }));
  const sample = positions(encoder, subset);
  const estimated = subset.length < pairs.length;
  const embed: EmbedTiming = {
    pairs: subset.length,
    texts: 3 * subset.length,
    tokens: sample.tokens,
    paddedTokens: sample.padded,
    ms,
    textsPerSecond: (3 * subset.length) / (ms / 1000),
    allPairsMs: estimated ? (ms * positions(encoder, pairs).padded) / sample.padded : ms,
    estimated,
  };
  progress(`${plan.ep} embedded ${subset.length} pairs in ${ms.toFixed(0)} ms`);
  return { embed, data: estimated ? null : data };
}

/** fitHead with its defaults (hidden, batch size, split), a fixed number of epochs. */
async function train(plan: RewardPlan, data: EmbeddedPairs): Promise<TrainTiming> {
  const result = await fitHead(data, { epochs: plan.trainEpochs, patience: plan.trainEpochs + 1 });
  const { options, split, history } = result;
  progress(`train: ${history.map((h) => (h.seconds * 1000).toFixed(0)).join(' ')} ms/epoch`);
  return trainTiming('browser', history, {
    pairs: data.p.length,
    trainPairs: split.train.length,
    valPairs: split.val.length,
    hidden: options.hidden,
    batchSize: options.batchSize,
  });
}

function forNode(data: EmbeddedPairs): EmbeddedForNode {
  const { dim, vectors, context, a, b, p } = data;
  return {
    dim,
    vectors: [...vectors],
    context: [...context],
    a: [...a],
    b: [...b],
    p: [...p],
  };
}

async function pageEnvironment(loaded: Loaded): Promise<RewardEnvironment> {
  const { ort, encoder } = loaded;
  const onnx = {
    version: ort.env.versions.web ?? null,
    numThreads: ort.env.wasm.numThreads ?? null,
  };
  const env = await environment({ onnx }, encoder.maxLength, []);
  return {
    userAgent: env.userAgent,
    hardwareConcurrency: env.hardwareConcurrency,
    crossOriginIsolated: env.crossOriginIsolated,
    runtimes: env.runtimes,
    adapter: env.adapter,
    maxPositions: env.maxPositions,
  };
}

/** Run a step; a failure is recorded and the page goes on to the next one. */
async function attempt<T>(what: string, failures: string[], step: () => Promise<T>) {
  try {
    return await step();
  } catch (error) {
    progress(`FAILED ${what}: ${errorMessage(error)}`);
    failures.push(`${what}: ${errorMessage(error)}`);
    return null;
  }
}

async function runPage(plan: RewardPlan, target: RewardWindow): Promise<RewardPageResult> {
  const probes = await loadProbes();
  const loaded = await load(plan);
  const failures: string[] = [];
  const env = await pageEnvironment(loaded);
  const live = await attempt('live scoring', failures, () => liveScoring(plan, loaded, probes));
  const pairs = trainingPairs(probes, plan.pairs);
  const embedded = await attempt('embedding', failures, () =>
    embedAll(plan, loaded.encoder, pairs),
  );
  const data = embedded?.data ?? null;
  let trained: TrainTiming | null = null;
  if (data && plan.trainEpochs > 0) {
    trained = await attempt('training', failures, () => train(plan, data));
    target.__rewardEmbedded = forNode(data);
  }
  await loaded.model.release();
  await loaded.encoder.release();
  return {
    plan,
    environment: env,
    loadMs: loaded.loadMs,
    live,
    embed: embedded?.embed ?? null,
    train: trained,
    failures,
  };
}

const out = document.getElementById('out');
const target = window as Window & RewardWindow;
const plan = rewardPlanFromQuery(location.search);
progress(`plan ${JSON.stringify(plan)}`);
runPage(plan, target).then(
  (result) => {
    if (out) out.textContent = JSON.stringify(result, null, 2);
    target.__rewardResult = result;
  },
  (error: unknown) => {
    if (out) out.textContent = errorMessage(error);
    target.__rewardError = errorMessage(error);
  },
);
