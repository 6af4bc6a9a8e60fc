// Llama attention as onnxruntime's com.microsoft GroupQueryAttention contrib op, as SmolLM2's
// current exports and the -ONNX-GQA repos write it: one node per layer takes the projections,
// applies rotary from half-width cos/sin tables, and grows the cache. Positions come from
// seqlens_k (each row's real tokens - 1), so the graph ignores position_ids.
import type { LlamaConfig } from './llama.ts';
import type { GraphBuilder } from './onnx-graph.ts';

const INT32 = 6;

/** q [batch, seq, heads * dim], k and v [batch, seq, kvHeads * dim] -> [batch, seq, heads * dim]. */
export function groupQueryAttention(
  g: GraphBuilder,
  cfg: LlamaConfig,
  layer: number,
  q: string,
  k: string,
  v: string,
): string {
  const { seqlensK, totalLength, cos, sin } = sharedInputs(g, cfg);
  const past = (kv: string) => `past_key_values.${layer}.${kv}`;
  const [out] = g.msOp(
    'GroupQueryAttention',
    [q, k, v, past('key'), past('value'), seqlensK, totalLength, cos, sin],
    { num_heads: cfg.numHeads, kv_num_heads: cfg.numKvHeads, do_rotary: 1, rotary_interleaved: 0 },
    [`/model/layers.${layer}/attn/output_0`, `present.${layer}.key`, `present.${layer}.value`],
  );
  return out!;
}

/** The int32 lengths and [positions, head_dim / 2] tables every layer's node shares, built once. */
function sharedInputs(g: GraphBuilder, cfg: LlamaConfig) {
  const names = {
    seqlensK: '/model/gqa/seqlens_k',
    totalLength: '/model/gqa/total_seq_len',
    cos: 'model.rotary_emb.cos_cache',
    sin: 'model.rotary_emb.sin_cache',
  };
  if (g.has(names.cos)) return names;
  const scope = g.scope;
  g.scope = '/model/gqa/';
  const one = int64(g, [1], []);
  const real = g.op('ReduceSum', ['attention_mask', int64(g, [1], [1])], { keepdims: 0 });
  g.op('Cast', [g.op('Sub', [real, one])], { to: INT32 }, names.seqlensK);
  const total = g.op('Gather', [g.op('Shape', ['attention_mask']), one], { axis: 0 });
  g.op('Cast', [total], { to: INT32 }, names.totalLength);
  const half = cfg.headDim / 2;
  const table = (f: (angle: number) => number) => {
    const values = new Float32Array(cfg.maxPositions * half);
    for (let pos = 0; pos < cfg.maxPositions; pos++) {
      for (let i = 0; i < half; i++)
        values[pos * half + i] = f(pos / Math.pow(cfg.ropeTheta, (2 * i) / cfg.headDim));
    }
    return values;
  };
  g.floats(names.cos, table(Math.cos), [cfg.maxPositions, half]);
  g.floats(names.sin, table(Math.sin), [cfg.maxPositions, half]);
  g.scope = scope;
  return names;
}

/** An int64 constant, named by value as llama.ts names its own, so both share one. */
function int64(g: GraphBuilder, values: number[], dims: number[]): string {
  const name = dims.length ? `/const/int64[${values.join(',')}]` : `/const/int64(${values[0]})`;
  return g.has(name) ? name : g.int64s(name, values, dims);
}
