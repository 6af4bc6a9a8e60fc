import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxEngine } from '../../../../src/lib/engines/onnx/engine';
import { loadModelFolder } from '../../../../src/lib/engines/onnx/model-files';
import { loadOrt } from '../../../../src/lib/engines/onnx/runtime';
import {
  createEngineWorker,
  WorkerCrashedError,
  WorkerEngine,
} from '../../../../src/lib/engines/worker/client';
import { CancelledError } from '../../../../src/lib/rlaif/engine';
import { createLabeler, DEFAULT_LABELING } from '../../../../src/lib/rlaif/labeler';

// The engine in a real Web Worker: same labels as in the page, streaming, cancellation, crashes.
const pairs = [
  {
    id: 'a',
    context: 'My cat knocks my coffee over every Monday.',
    candidates: ['A cat spills coffee.', 'A dog barks.'] as [string, string],
  },
  {
    id: 'b',
    context: 'I moved to a new city for work.',
    candidates: ['They moved for a job.', 'They bought a boat.'] as [string, string],
  },
];
let worker: WorkerEngine;
const progress: number[] = [];

beforeAll(async () => {
  worker = await WorkerEngine.load(
    createEngineWorker(),
    { source: '/models/tiny-llama/', variant: 'fp32', ep: 'wasm', shaderF16: false },
    { onProgress: (p) => progress.push(p.loaded) },
  );
});
afterAll(() => worker?.dispose());

describe('WorkerEngine', () => {
  it('loads with progress and labels exactly like the engine in the page', async () => {
    expect(progress.length).toBeGreaterThan(0);
    expect(worker.executionProvider).toBe('wasm');
    const ort = await loadOrt();
    const files = await loadModelFolder('/models/tiny-llama/', 'fp32', { cache: null });
    const direct = await OnnxEngine.create({ ort, ep: 'wasm', modelId: 'tiny', files });
    const viaWorker = createLabeler(worker, DEFAULT_LABELING, []);
    const inPage = createLabeler(direct, DEFAULT_LABELING, []);
    for (const pair of pairs) {
      const a = await viaWorker.label(pair);
      const b = await inPage.label(pair);
      expect(Math.abs(a.label[0] - b.label[0])).toBeLessThan(1e-6);
    }
    expect(worker.stats?.prefixHits).toBeGreaterThan(0);
    await direct.dispose();
  });

  it('streams generated text and stops when cancelled', async () => {
    const pieces: string[] = [];
    const result = await worker.generate({
      prefix: ['Human: hi\n'],
      continuation: 'Assistant:',
      maxTokens: 10,
      temperature: 0,
      onToken: (t) => pieces.push(t),
    });
    expect(pieces.join('')).toBe(result.text);
    const controller = new AbortController();
    const run = worker.generate({
      prefix: ['Human: hi\n'],
      continuation: 'Assistant:',
      maxTokens: 400,
      temperature: 0,
      signal: controller.signal,
      onToken: () => controller.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    // The worker is still usable afterwards.
    const [scores] = await worker.scoreNextToken({
      prefix: ['A\n'],
      continuations: ['B='],
      tokenIds: [52],
    });
    expect(scores!.logprobs[0]).toBeLessThan(0);
  });

  it('reports a load error with its kind', async () => {
    const spec = {
      source: '/models/missing/',
      variant: 'fp32' as const,
      ep: 'wasm' as const,
      shaderF16: false,
    };
    await expect(WorkerEngine.load(createEngineWorker(), spec)).rejects.toMatchObject({
      kind: 'not-found',
    });
  });

  it('rejects pending calls with a clear error when the worker crashes', async () => {
    const broken = new Worker(
      URL.createObjectURL(new Blob(['throw new Error("boom")'], { type: 'text/javascript' })),
    );
    const spec = {
      source: '/models/tiny-llama/',
      variant: 'fp32' as const,
      ep: 'wasm' as const,
      shaderF16: false,
    };
    const error = await WorkerEngine.load(broken, spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect((error as Error).message).toMatch(/Labels made so far are kept/);
  });
});
