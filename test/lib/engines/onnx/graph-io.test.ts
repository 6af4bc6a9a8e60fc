import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  emptyPastDims,
  GraphFormatError,
  hasOpType,
  kvDtypeFromConfig,
  maxTokensPerCall,
  planGraph,
  UnfillableInputError,
} from '../../../../src/lib/engines/onnx/graph-io';
import { graphBytes } from '../../../support/llama-forms';

/** A session's names and metadata; `type` is any string, as a runtime may report (bfloat16). */
type SessionLike = Parameters<typeof planGraph>[0];

// Reading a graph's interface from session metadata, with config.json as the fallback. Real
// sessions are checked in published-forms.test.ts; these are the cases no generated graph has.
type Meta = { name: string; isTensor: true; type: string; shape: (number | string)[] };
const past = (type: string, layers = 2): Meta[] =>
  Array.from({ length: layers }, (_, l) =>
    ['key', 'value'].map((kv) => ({
      name: `past_key_values.${l}.${kv}`,
      isTensor: true as const,
      type,
      shape: ['batch_size', 3, 'past_sequence_length', 64],
    })),
  ).flat();

function session(inputs: Meta[], logits?: string, extraInputs: string[] = []): SessionLike {
  const inputMetadata = [
    { name: 'input_ids', isTensor: true as const, type: 'int64', shape: ['b', 's'] },
    { name: 'attention_mask', isTensor: true as const, type: 'int64', shape: ['b', 't'] },
    ...inputs,
  ];
  return {
    inputNames: [...inputMetadata.map((m) => m.name), ...extraInputs],
    outputNames: ['logits'],
    inputMetadata,
    outputMetadata: logits
      ? [{ name: 'logits', isTensor: true as const, type: logits, shape: ['b', 's', 100] }]
      : [],
  } as unknown as SessionLike;
}

describe('kvDtypeFromConfig', () => {
  const config = (dtype: unknown) => ({ 'transformers.js_config': { kv_cache_dtype: dtype } });
  it.each([
    [undefined, 'fp32', 'float32'],
    ['float16', 'q4', 'float16'],
    [{ q4f16: 'float16', fp16: 'float16' }, 'q4f16', 'float16'],
    [{ q4f16: 'float16', fp16: 'float16' }, 'fp16', 'float16'],
    [{ q4f16: 'float16', fp16: 'float16' }, 'q4', 'float32'],
    [{ q4f16: 'float16', fp16: 'float16' }, 'fp32', 'float32'],
  ])('%j for %s is %s', (dtype, variant, expected) => {
    expect(kvDtypeFromConfig(config(dtype), variant)).toBe(expected);
  });
});

describe('planGraph', () => {
  it('takes the dtypes from the session even when the config says otherwise', () => {
    const plan = planGraph(session(past('float16'), 'float16'), 2, { kvDtype: 'float32' });
    expect(plan.io).toMatchObject({
      kvDtype: 'float16',
      logitsDtype: 'float16',
      positionIds: 'none',
    });
    expect(plan.pastDims.get('past_key_values.1.value')).toEqual([-1, 3, -1, 64]);
  });

  it('falls back to the config where the session has no metadata', () => {
    const bare = {
      ...session(past('float16')),
      inputMetadata: undefined,
      outputMetadata: undefined,
    };
    expect(planGraph(bare, 2, { kvDtype: 'float16' }).io).toMatchObject({
      kvDtype: 'float16',
      logitsDtype: 'float16',
    });
    expect(planGraph(bare, 2).io.kvDtype).toBe('float32');
  });

  it('refuses a cache dtype it cannot build, naming it', () => {
    expect(() => planGraph(session(past('bfloat16'), 'float32'), 2)).toThrow(GraphFormatError);
    expect(() => planGraph(session(past('bfloat16'), 'float32'), 2)).toThrow(
      /KV cache is bfloat16; the engine reads float32 or float16/,
    );
    expect(() => planGraph(session(past('float32'), 'int8'), 2)).toThrow(/logits output is int8/);
  });

  it('names the past inputs a graph lacks for the layers config.json declares', () => {
    expect(() => planGraph(session(past('float32', 1), 'float32'), 2)).toThrow(
      /missing past_key_values\.1\.key, past_key_values\.1\.value/,
    );
  });

  it('names every input it cannot fill', () => {
    const plan = () =>
      planGraph(session(past('float32'), 'float32', ['pixel_values', 'conv_state']), 2);
    expect(plan).toThrow(UnfillableInputError);
    expect(plan).toThrow(/cannot fill: pixel_values, conv_state\./);
  });

  it('reads the gemma3 convention from model_type, and optional inputs by name', () => {
    const io = (modelType: string) =>
      planGraph(session(past('float32'), 'float32', ['position_ids', 'num_logits_to_keep']), 2, {
        modelType,
      }).io;
    expect(io('gemma3_text')).toMatchObject({
      positionIds: 'from-1',
      numLogitsToKeep: true,
      useCacheBranch: false,
    });
    expect(io('gemma3').positionIds).toBe('from-1');
    expect(io('qwen2').positionIds).toBe('from-0');
  });
});

describe('emptyPastDims', () => {
  it('keeps the graph’s fixed sizes and fills symbolic ones from config.json', () => {
    expect(emptyPastDims([-1, 3, -1, 64], 2, 9, 9)).toEqual([2, 3, 0, 64]);
    expect(emptyPastDims([-1, -1, -1, -1], 1, 5, 32)).toEqual([1, 5, 0, 32]);
    expect(emptyPastDims(undefined, 4, 5, 32)).toEqual([4, 5, 0, 32]);
  });
});

describe('maxTokensPerCall', () => {
  const config = JSON.parse(readFileSync('models/tiny-llama/config.json', 'utf8')) as Record<
    string,
    unknown
  >;
  const plain = new Uint8Array(readFileSync('models/tiny-llama/onnx/model.onnx'));
  const gqa = graphBytes(config, { groupQueryAttention: true });

  it('finds GroupQueryAttention nodes in a graph’s bytes', () => {
    expect(hasOpType(gqa, 'GroupQueryAttention')).toBe(true);
    expect(hasOpType(plain, 'GroupQueryAttention')).toBe(false);
    expect(hasOpType(plain, 'MatMul')).toBe(true);
  });

  it('limits GroupQueryAttention graphs on WebGPU only', () => {
    expect(maxTokensPerCall(gqa, 'webgpu')).toBe(16);
    expect(maxTokensPerCall(gqa, 'wasm')).toBe(Infinity);
    expect(maxTokensPerCall(plain, 'webgpu')).toBe(Infinity);
  });
});
