// The committed tiny-llama rebuilt in the forms published Hugging Face exports have (test code,
// nothing committed): a float16 interface, chunked external data with an object-form config,
// num_logits_to_keep and use_cache_branch inputs, GroupQueryAttention. Same weights as models/tiny-llama, so the float64
// reference of the committed folder is every variant's oracle. Runs in Node and in Chromium.
import {
  IR_VERSION,
  llamaGraph,
  OPSET,
  type GraphForm,
  type LlamaConfig,
} from '../../scripts/models/llama.ts';

/** scripts/models/build.ts's seed for tiny-llama (a Node test checks they agree). */
export const TINY_SEED = 20240613;

/** The generator's config back from config.json. */
export function llamaConfigOf(config: Record<string, unknown>): LlamaConfig {
  const n = (key: string) => {
    const value = config[key];
    if (typeof value !== 'number') throw new Error(`config.json: ${key} is not a number`);
    return value;
  };
  return {
    vocabSize: n('vocab_size'),
    hiddenSize: n('hidden_size'),
    intermediateSize: n('intermediate_size'),
    numLayers: n('num_hidden_layers'),
    numHeads: n('num_attention_heads'),
    numKvHeads: n('num_key_value_heads'),
    headDim: n('head_dim'),
    rmsNormEps: n('rms_norm_eps'),
    ropeTheta: n('rope_theta'),
    maxPositions: n('max_position_embeddings'),
  };
}

/** The committed folder's files a variant folder shares (config.json is rewritten per folder). */
export type BaseFiles = Map<string, Uint8Array>;

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2));

function withConfig(base: BaseFiles, edit: (config: Record<string, unknown>) => void) {
  const config = JSON.parse(new TextDecoder().decode(base.get('config.json'))) as Record<
    string,
    unknown
  >;
  edit(config);
  const files = new Map(base);
  files.set('config.json', json(config));
  return { files, config };
}

export function graphBytes(config: Record<string, unknown>, form: GraphForm = {}): Uint8Array {
  return llamaGraph(llamaConfigOf(config), TINY_SEED, form).encode('tiny-llama', OPSET, IR_VERSION);
}

/**
 * Like Llama 3.2's and SmolLM2's repos: model.onnx with its weights in 2 data chunks
 * (`use_external_data_format: {"model.onnx": 2}`), and model_fp16.onnx with float16 caches and
 * logits (`kv_cache_dtype: {"fp16": "float16", "q4f16": "float16"}`), whose weights are inline.
 */
export function publishedFolder(base: BaseFiles): Map<string, Uint8Array> {
  const { files, config } = withConfig(base, (c) => {
    c['transformers.js_config'] = {
      kv_cache_dtype: { fp16: 'float16', q4f16: 'float16' },
      use_external_data_format: { 'model.onnx': 2 },
    };
  });
  const external = llamaGraph(llamaConfigOf(config), TINY_SEED).encodeExternal(
    'model.onnx',
    2,
    'tiny-llama',
    OPSET,
    IR_VERSION,
  );
  files.set('onnx/model.onnx', external.graph);
  for (const [name, bytes] of external.data) files.set(`onnx/${name}`, bytes);
  files.set('onnx/model_fp16.onnx', graphBytes(config, { interface: 'float16' }));
  return files;
}

/**
 * Like Gemma exports: a graph with num_logits_to_keep and use_cache_branch inputs, under a config
 * whose model_type is `modelType` (gemma3_text numbers positions from 1).
 */
export function gemmaLikeFolder(base: BaseFiles, modelType: string): Map<string, Uint8Array> {
  const { files, config } = withConfig(base, (c) => {
    c.model_type = modelType;
  });
  files.set('onnx/model.onnx', graphBytes(config, { numLogitsToKeep: true, useCacheBranch: true }));
  return files;
}

/** Like SmolLM2's current exports: attention as com.microsoft GroupQueryAttention nodes. */
export function gqaFolder(base: BaseFiles): Map<string, Uint8Array> {
  const files = new Map(base);
  const config = JSON.parse(new TextDecoder().decode(base.get('config.json'))) as Record<
    string,
    unknown
  >;
  files.set('onnx/model.onnx', graphBytes(config, { groupQueryAttention: true }));
  return files;
}

/** fetch() over an in-memory folder at `base`; records every URL asked for, 404s the rest. */
export function memoryFetch(
  base: string,
  files: Map<string, Uint8Array>,
  requested: string[] = [],
): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    requested.push(url);
    const bytes = url.startsWith(base) ? files.get(url.slice(base.length)) : undefined;
    if (!bytes) return new Response('not found', { status: 404 });
    return new Response(bytes.slice(), {
      headers: { 'Content-Length': String(bytes.length) },
    });
  }) as typeof fetch;
}
