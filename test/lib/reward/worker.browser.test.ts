import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../../src/lib/engines/onnx/model-files';
import { loadOrt } from '../../../src/lib/engines/onnx/runtime';
import {
  embedPairs,
  exportRewardModel,
  fitHead,
  loadSentenceEncoder,
  RewardFormatError,
  RewardModel,
  type EpochStats,
  type TrainPair,
} from '../../../src/lib/reward';
import {
  createRewardWorker,
  RewardWorker,
  RewardWorkerCrashedError,
  type EvalPair,
  type TrainedModel,
  type WorkerTrainOptions,
} from '../../../src/lib/reward/worker/client';
import { CancelledError } from '../../../src/lib/rlaif/engine';
import { mulberry32 } from '../../../src/lib/rlaif/random';

// Reward models in a real Web Worker on the tiny encoder: training on its planted signal, the
// same weights as training in the page, cancellation, export/import across workers, crashes.
const ENCODER = '/models/tiny-encoder/';
const OPTIONS: WorkerTrainOptions = { labels: 'ai', seed: 42, epochs: 12, lr: 0.01, batchSize: 16 };

// The same task as test/lib/reward/support.ts (which reads config.json with node:fs, so it
// cannot load here): a positive signal word against a negative one, held-out templates.
const CONTEXTS = [
  'How do I ask my roommate to stop eating my food?',
  'Summarize the post about bread that never rises.',
  'What is the capital of France?',
  'I got two job offers and I cannot decide.',
  'How many legs does a spider have?',
  'Explain why the sky is blue.',
];
const TRAIN_TEMPLATES = [
  'The answer is {}.',
  'This reply was {} and short.',
  'A {} response about the question.',
  'It gives a {} summary of the post.',
  'Here is a {} explanation.',
  'The assistant was {} here.',
];
const TEST_TEMPLATES = [
  'Response 2 is {} because it talks about the weather.',
  'My reply: {}.',
  'The summary is {} and mentions the bread.',
];
let signal: { positive: string[]; negative: string[] };

function signalPairs(templates: string[], count: number, seed: number): TrainPair[] {
  const random = mulberry32(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  return Array.from({ length: count }, () => {
    const context = pick(CONTEXTS);
    const good = pick(templates).replace('{}', pick(signal.positive));
    const bad = pick(templates).replace('{}', pick(signal.negative));
    return random() < 0.5
      ? { context, a: good, b: bad, p: 0.9 }
      : { context, a: bad, b: good, p: 0.1 };
  });
}

const asEval = (pairs: TrainPair[]): EvalPair[] =>
  pairs.map(({ context, a, b, p }) => ({
    context,
    candidates: [a, b],
    humanChoice: p > 0.5 ? 0 : 1,
  }));

const items = [
  { context: 'What is the capital of France?', response: 'A helpful and accurate answer.' },
  { context: 'Explain why the sky is blue.', response: 'A vague and wrong reply.' },
  { context: 'A post about rain.', response: 'Something else entirely.' },
];

const maxDiff = (a: readonly number[], b: readonly number[]) =>
  Math.max(...a.map((x, i) => Math.abs(x - (b[i] ?? NaN))));

let worker: RewardWorker;
let trainPairs: TrainPair[];
let trained: TrainedModel;
const loadProgress: number[] = [];

beforeAll(async () => {
  const config = (await (await fetch(`${ENCODER}config.json`)).json()) as {
    rlaif_lab: { signal: typeof signal };
  };
  signal = config.rlaif_lab.signal;
  trainPairs = signalPairs(TRAIN_TEMPLATES, 240, 1);
  worker = await RewardWorker.start(createRewardWorker(), {
    encoder: ENCODER,
    ep: 'wasm',
    onProgress: (p) => loadProgress.push(p.loaded),
  });
});
afterAll(() => worker?.dispose());

describe('RewardWorker', () => {
  it('starts with progress, trains with streamed epochs and learns the planted signal', async () => {
    expect(loadProgress.length).toBeGreaterThan(0);
    expect(worker.encoder).toMatchObject({ modelId: ENCODER, dim: 64, ep: 'wasm' });
    const embedded: [number, number][] = [];
    const epochs: EpochStats[] = [];
    const started = performance.now();
    trained = await worker.train(trainPairs, OPTIONS, {
      onEmbedProgress: (done, total) => embedded.push([done, total]),
      onEpoch: (stats) => epochs.push(stats),
    });
    const trainMs = performance.now() - started;
    expect(embedded.at(-1)?.[0]).toBe(embedded.at(-1)?.[1]);
    expect(epochs.map((s) => s.epoch)).toEqual(trained.history.map((s) => s.epoch));
    expect(epochs).toEqual(trained.history);
    expect(trained.metadata).toMatchObject({ labels: 'ai', pairs: 240, seed: 42 });
    expect(JSON.parse(trained.manifest).encoder.modelId).toBe(ENCODER);

    const evaluation = await worker.evaluate(asEval(signalPairs(TEST_TEMPLATES, 200, 2)));
    console.info(
      `worker training: ${trained.history.length} epochs in ${trainMs.toFixed(0)} ms, held-out ` +
        `accuracy ${evaluation.accuracy.estimate.toFixed(3)} ` +
        `[${evaluation.accuracy.low.toFixed(3)}, ${evaluation.accuracy.high.toFixed(3)}]`,
    );
    expect(evaluation.n).toBe(200);
    expect(evaluation.rewards).toHaveLength(200);
    expect(evaluation.accuracy.estimate).toBeGreaterThanOrEqual(0.9);
    expect(evaluation.accuracy.low).toBeLessThan(evaluation.accuracy.estimate);
  });

  it('gives the same model as fitHead in the page for the same seed', async () => {
    const ort = await loadOrt();
    const encoder = await loadSentenceEncoder(ENCODER, { ort, ep: 'wasm', cache: null });
    const { seed, epochs, lr, batchSize } = OPTIONS;
    const result = await fitHead(await embedPairs(encoder, trainPairs), {
      seed,
      epochs,
      lr,
      batchSize,
    });
    expect(result.history.map((s) => s.valLoss)).toEqual(trained.history.map((s) => s.valLoss));
    const exported = await exportRewardModel(result.head, encoder);
    expect(exported.head).toEqual(trained.head);
    const inPage = await RewardModel.create(ort, encoder, exported.head, 'wasm');
    const diff = maxDiff(await worker.score(items), await inPage.scoreMany(items));
    console.info(`worker vs page rewards: max |diff| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-6);
    await inPage.release();
    await encoder.release();
  });

  it('cancels mid-training with CancelledError and stays usable', async () => {
    const before = await worker.score(items);
    const controller = new AbortController();
    const seen: number[] = [];
    const run = worker.train(
      trainPairs,
      { ...OPTIONS, epochs: 10_000, patience: 10_000 },
      {
        model: 'long',
        signal: controller.signal,
        onEpoch: ({ epoch }) => {
          seen.push(epoch);
          if (epoch === 2) controller.abort();
        },
      },
    );
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    // The cancel message reached the worker within a few epochs, not after 10 000.
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.length).toBeLessThan(50);
    await expect(worker.score(items, 'long')).rejects.toThrow(/No reward model named "long"/);
    expect(await worker.score(items)).toEqual(before);
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      worker.train(trainPairs, OPTIONS, { signal: aborted.signal }),
    ).rejects.toBeInstanceOf(CancelledError);
  });

  it('keeps two models side by side under different names', async () => {
    const hard = trainPairs.map((pair) => ({ ...pair, p: pair.p > 0.5 ? 1 : 0 }));
    const human = await worker.train(
      hard,
      { ...OPTIONS, labels: 'human', seed: 7 },
      { model: 'human' },
    );
    expect(human.metadata.labels).toBe('human');
    const [ai, fromHumans] = await Promise.all([worker.score(items), worker.score(items, 'human')]);
    expect(maxDiff(ai, fromHumans)).toBeGreaterThan(1e-3);
    await worker.drop('human');
    await expect(worker.score(items, 'human')).rejects.toThrow(/No reward model named/);
  });

  it('exports, then scores identically in a second worker', async () => {
    const second = await RewardWorker.start(createRewardWorker(), { encoder: ENCODER, ep: 'wasm' });
    try {
      const manifest = await second.useModel(trained.manifest, trained.head, 'ai');
      expect(manifest.training?.labels).toBe('ai');
      // Same head, same encoder; only float32 noise from batching differs (the first worker
      // embedded two of these contexts during training, padded alongside other texts).
      const diff = maxDiff(await second.score(items, 'ai'), await worker.score(items));
      console.info(`imported vs trained rewards: max |diff| ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-6);
      const tampered = trained.head.slice();
      const last = tampered.length - 1;
      tampered[last] = (tampered[last] ?? 0) ^ 1;
      const error = await second.useModel(trained.manifest, tampered).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RewardFormatError);
      expect((error as RewardFormatError).kind).toBe('checksum');
    } finally {
      await second.dispose();
    }
  });

  it('scores a new response quickly', async () => {
    const started = performance.now();
    const { rewards, preference } = await worker.scorePair(
      'Is the museum open on Sundays?',
      'A polite and correctly checked answer.',
      'It misses the question and is vague.',
    );
    const ms = performance.now() - started;
    console.info(`scorePair on new texts: ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(2000);
    expect(rewards[0]).toBeGreaterThan(rewards[1]);
    expect(preference[0] + preference[1]).toBeCloseTo(1, 12);
  });

  it('reports a missing encoder as a ModelLoadError with its kind', async () => {
    const error = await RewardWorker.start(createRewardWorker(), {
      encoder: '/models/missing/',
      ep: 'wasm',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).kind).toBe('not-found');
  });

  it('rejects pending calls with a clear error when the worker crashes', async () => {
    const broken = new Worker(
      URL.createObjectURL(new Blob(['throw new Error("boom")'], { type: 'text/javascript' })),
    );
    const error = await RewardWorker.start(broken, { encoder: ENCODER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RewardWorkerCrashedError);
    expect((error as Error).message).toMatch(/reward model worker stopped/);
  });
});
