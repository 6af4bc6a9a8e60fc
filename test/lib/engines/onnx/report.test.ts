import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { planGraph } from '../../../../src/lib/engines/onnx/graph-io';
import {
  foldKvNames,
  modelReport,
  recordTiming,
  speedOf,
  TIMING_WINDOW,
  type ModelReportInput,
} from '../../../../src/lib/engines/onnx/report';

ort.env.wasm.numThreads = 1;

const kv = (kind: string, layers: number) =>
  Array.from({ length: layers }, (_, l) => [`${kind}.${l}.key`, `${kind}.${l}.value`]).flat();

const base: ModelReportInput = {
  variant: 'q4f16',
  ep: 'webgpu',
  files: [
    { path: 'onnx/model_q4f16.onnx', bytes: 180_000 },
    { path: 'onnx/model_q4f16.onnx_data', bytes: 390_000_000 },
  ],
  graph: {
    kvDtype: 'float16',
    logitsDtype: 'float16',
    inputs: ['input_ids', 'attention_mask', 'position_ids', ...kv('past_key_values', 18)],
    outputs: ['logits', ...kv('present', 18)],
    positionIds: 'from-1',
    numLogitsToKeep: false,
    useCacheBranch: false,
  },
  specialPrefix: { ids: [2], tokens: ['<bos>'] },
  reusePrefix: true,
  stats: { prefixHits: 0, reuseFallbacks: 0 },
  timings: [],
};

describe('modelReport', () => {
  it('states the variant, the files and their total, the dtypes, inputs and BOS', () => {
    const report = modelReport(base);
    expect(report.totalBytes).toBe(390_180_000);
    expect(report.files).toHaveLength(2);
    expect([report.kvDtype, report.logitsDtype]).toEqual(['float16', 'float16']);
    expect(report.inputs).toEqual([
      'input_ids',
      'attention_mask',
      'position_ids',
      'past_key_values.{0..17}.{key,value}',
    ]);
    expect(report.positionIds).toBe('from-1');
    expect(report.bos).toEqual({ used: true, tokens: ['<bos>'] });
    const none = modelReport({ ...base, specialPrefix: { ids: [], tokens: [] } });
    expect(none.bos.used).toBe(false);
  });

  it('says whether KV reuse is active, and why not', () => {
    const reuse = (over: Partial<ModelReportInput>) => modelReport({ ...base, ...over }).reuse;
    expect(reuse({})).toMatchObject({ state: 'waiting', active: true });
    expect(reuse({ stats: { prefixHits: 12, reuseFallbacks: 0 } })).toEqual({
      state: 'active',
      active: true,
      why: 'active: 12 prefix hit(s)',
    });
    const fallback = reuse({
      stats: { prefixHits: 0, reuseFallbacks: 5, fallbackReason: 'Prepend "▁" normalizer' },
    });
    expect(fallback.state).toBe('fallback');
    expect(fallback.active).toBe(false);
    expect(fallback.why).toMatch(/^not active yet: 5 prompt\(s\).*\(Prepend "▁" normalizer\)$/);
    expect(reuse({ stats: { prefixHits: 3, reuseFallbacks: 1 } }).state).toBe('partial');
    expect(
      reuse({ reusePrefix: false, stats: { prefixHits: 3, reuseFallbacks: 0 } }),
    ).toMatchObject({ state: 'off', active: false });
  });

  it('measures prefill tokens per second over the last scoring calls', () => {
    expect(speedOf([]).tokensPerSecond).toBeNull();
    // 300 + 100 tokens in 150 + 50 ms: 400 tokens / 0.2 s.
    const speed = speedOf([
      { tokens: 300, ms: 150 },
      { tokens: 100, ms: 50 },
    ]);
    expect(speed).toEqual({ tokensPerSecond: 2000, tokens: 400, ms: 200, calls: 2 });
    let window: { tokens: number; ms: number }[] = [];
    for (let i = 1; i <= TIMING_WINDOW + 3; i++)
      window = recordTiming(window, { tokens: i, ms: 1 });
    expect(window).toHaveLength(TIMING_WINDOW);
    expect(window[0]!.tokens).toBe(4); // the three oldest dropped
  });
});

describe('the report of a real session', () => {
  it('folds the embedded model’s session names and reads its dtypes', async () => {
    const bytes = readFileSync('models/tiny-llama/onnx/model.onnx');
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const { io } = planGraph(session, 2);
    await session.release();
    const report = modelReport({ ...base, graph: io });
    expect(report.inputs).toEqual([
      'input_ids',
      'attention_mask',
      'position_ids',
      'past_key_values.{0..1}.{key,value}',
    ]);
    expect(foldKvNames(io.outputs)).toEqual(['logits', 'present.{0..1}.{key,value}']);
    expect([report.kvDtype, report.logitsDtype, report.positionIds]).toEqual([
      'float32',
      'float32',
      'from-0',
    ]);
    expect([io.numLogitsToKeep, io.useCacheBranch]).toEqual([false, false]);
  });
});
