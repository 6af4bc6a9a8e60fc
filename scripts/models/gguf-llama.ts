// Exports a Hugging Face Llama folder (config.json, tokenizer.json, tokenizer_config.json and a
// float32 onnx/model.onnx with the state_dict names, as scripts/models/llama.ts writes) to GGUF
// in llama.cpp's Llama layout, so a real llama-server can run the same weights as the ONNX engine.
// Usage: npm run models:gguf -- <out.gguf> [modelFolder]
//   without a folder: the generator's tiny-llama (scripts/models/build.ts, the committed weights).
//   The file (~570 kB, float32) is not committed: tests write it to a temporary folder.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import onnxProto from 'onnx-proto';
import { encodeGguf, type GgufTensor, type GgufValue } from './gguf.ts';

const { onnx } = onnxProto;

/** The files of the folder this export reads, by path relative to the folder. */
export const GGUF_SOURCE_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/model.onnx',
] as const;

interface HfConfig {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads?: number;
  head_dim?: number;
  rms_norm_eps: number;
  rope_theta?: number;
  max_position_embeddings: number;
  vocab_size: number;
  tie_word_embeddings?: boolean;
  model_type?: string;
}

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
}

interface HfTokenizerJson {
  added_tokens?: AddedToken[];
  pre_tokenizer?: { type?: string; use_regex?: boolean } | null;
  model: { type: string; vocab: Record<string, number>; merges: Array<string | [string, string]> };
}

interface HfTokenizerConfig {
  bos_token?: string | null;
  eos_token?: string | null;
  pad_token?: string | null;
  add_bos_token?: boolean;
  add_eos_token?: boolean;
  chat_template?: string;
}

/** llama.cpp's token types (llama_token_type): normal text, or a control token such as "<|im_end|>". */
const TOKEN_TYPE = { normal: 1, control: 3, userDefined: 4 } as const;

/** The .gguf bytes of a Llama folder given as its files. */
export function llamaGguf(files: ReadonlyMap<string, Uint8Array>, name = 'tiny-llama'): Uint8Array {
  const json = <T>(path: string): T => {
    const bytes = files.get(path);
    if (!bytes) throw new Error(`GGUF export needs ${path} in the model folder`);
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  };
  const cfg = json<HfConfig>('config.json');
  if (cfg.model_type !== undefined && cfg.model_type !== 'llama')
    throw new Error(`GGUF export handles model_type "llama" only, not "${cfg.model_type}"`);
  const onnxBytes = files.get('onnx/model.onnx');
  if (!onnxBytes) throw new Error('GGUF export needs onnx/model.onnx in the model folder');
  const metadata = [
    ...hyperparameters(cfg, name),
    ...tokenizerMetadata(json('tokenizer.json'), json('tokenizer_config.json'), cfg.vocab_size),
  ];
  return encodeGguf(metadata, llamaTensors(cfg, initializers(onnxBytes)));
}

function hyperparameters(cfg: HfConfig, name: string): Array<[string, GgufValue]> {
  const u32 = (value: number): GgufValue => ({ type: 'uint32', value });
  const f32 = (value: number): GgufValue => ({ type: 'float32', value });
  const headDim = cfg.head_dim ?? cfg.hidden_size / cfg.num_attention_heads;
  return [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: name }],
    ['general.file_type', u32(0)], // all F32
    ['llama.vocab_size', u32(cfg.vocab_size)],
    ['llama.context_length', u32(cfg.max_position_embeddings)],
    ['llama.embedding_length', u32(cfg.hidden_size)],
    ['llama.block_count', u32(cfg.num_hidden_layers)],
    ['llama.feed_forward_length', u32(cfg.intermediate_size)],
    ['llama.attention.head_count', u32(cfg.num_attention_heads)],
    ['llama.attention.head_count_kv', u32(cfg.num_key_value_heads ?? cfg.num_attention_heads)],
    ['llama.attention.key_length', u32(headDim)],
    ['llama.attention.value_length', u32(headDim)],
    ['llama.attention.layer_norm_rms_epsilon', f32(cfg.rms_norm_eps)],
    ['llama.rope.freq_base', f32(cfg.rope_theta ?? 10000)],
    ['llama.rope.dimension_count', u32(headDim)],
  ];
}

/** Byte-level BPE ("gpt2" in llama.cpp) with GPT-2's split regex ("gpt-2"); others are refused. */
function tokenizerMetadata(
  tok: HfTokenizerJson,
  config: HfTokenizerConfig,
  vocabSize: number,
): Array<[string, GgufValue]> {
  if (
    tok.model.type !== 'BPE' ||
    tok.pre_tokenizer?.type !== 'ByteLevel' ||
    !tok.pre_tokenizer.use_regex
  )
    throw new Error('GGUF export handles byte-level BPE tokenizers (ByteLevel, use_regex) only');
  const tokens: string[] = new Array<string>(vocabSize).fill('');
  const types: number[] = new Array<number>(vocabSize).fill(TOKEN_TYPE.normal);
  for (const [token, id] of Object.entries(tok.model.vocab)) tokens[id] = token;
  for (const added of tok.added_tokens ?? []) {
    tokens[added.id] = added.content;
    types[added.id] = added.special ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined;
  }
  const missing = tokens.findIndex((t) => t === '');
  if (missing >= 0)
    throw new Error(`GGUF export: no token has id ${missing} (vocab_size ${vocabSize})`);
  const idOf = (token: string | null | undefined, what: string): number => {
    const id = token ? tokens.indexOf(token) : -1;
    if (id < 0)
      throw new Error(`GGUF export: the ${what} token "${token}" is not in the vocabulary`);
    return id;
  };
  const merges = tok.model.merges.map((m) => (typeof m === 'string' ? m : m.join(' ')));
  const out: Array<[string, GgufValue]> = [
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'gpt-2' }],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'int32', value: types }],
    ['tokenizer.ggml.merges', { type: 'array', itemType: 'string', value: merges }],
    ['tokenizer.ggml.bos_token_id', { type: 'uint32', value: idOf(config.bos_token, 'bos') }],
    ['tokenizer.ggml.eos_token_id', { type: 'uint32', value: idOf(config.eos_token, 'eos') }],
    // Hugging Face's tokenizer adds BOS only when its config says so (GPT2Tokenizer: never).
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: config.add_bos_token ?? false }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: config.add_eos_token ?? false }],
  ];
  if (config.pad_token)
    out.push([
      'tokenizer.ggml.padding_token_id',
      { type: 'uint32', value: idOf(config.pad_token, 'pad') },
    ]);
  if (config.chat_template)
    out.push(['tokenizer.chat_template', { type: 'string', value: config.chat_template }]);
  return out;
}

/** Every float32 initializer of an ONNX model, by name, with its dims. */
export function initializers(
  bytes: Uint8Array,
): Map<string, { dims: number[]; data: Float32Array }> {
  const model = onnx.ModelProto.decode(bytes);
  const out = new Map<string, { dims: number[]; data: Float32Array }>();
  for (const t of model.graph?.initializer ?? []) {
    const raw = t.rawData;
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT || !raw || !t.name) continue;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const data = new Float32Array(raw.byteLength / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
    out.set(t.name, { dims: (t.dims ?? []).map(Number), data });
  }
  return out;
}

/** The GGUF tensors in llama.cpp's names (llm_tensor names of LLM_ARCH_LLAMA). */
function llamaTensors(
  cfg: HfConfig,
  weights: Map<string, { dims: number[]; data: Float32Array }>,
): GgufTensor[] {
  const take = (hfName: string, ggufName: string, rows?: number): GgufTensor => {
    const w = weights.get(hfName);
    if (!w) throw new Error(`GGUF export: model.onnx has no initializer ${hfName}`);
    const data = rows === undefined ? w.data : permuteRotary(w.data, w.dims, rows);
    return { name: ggufName, shape: w.dims, type: 'f32', data };
  };
  const nHead = cfg.num_attention_heads;
  const nKv = cfg.num_key_value_heads ?? nHead;
  const tensors = [take('model.embed_tokens.weight', 'token_embd.weight')];
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const hf = `model.layers.${i}`;
    const blk = `blk.${i}`;
    tensors.push(
      take(`${hf}.input_layernorm.weight`, `${blk}.attn_norm.weight`),
      take(`${hf}.self_attn.q_proj.weight`, `${blk}.attn_q.weight`, nHead),
      take(`${hf}.self_attn.k_proj.weight`, `${blk}.attn_k.weight`, nKv),
      take(`${hf}.self_attn.v_proj.weight`, `${blk}.attn_v.weight`),
      take(`${hf}.self_attn.o_proj.weight`, `${blk}.attn_output.weight`),
      take(`${hf}.post_attention_layernorm.weight`, `${blk}.ffn_norm.weight`),
      take(`${hf}.mlp.gate_proj.weight`, `${blk}.ffn_gate.weight`),
      take(`${hf}.mlp.up_proj.weight`, `${blk}.ffn_up.weight`),
      take(`${hf}.mlp.down_proj.weight`, `${blk}.ffn_down.weight`),
    );
  }
  tensors.push(take('model.norm.weight', 'output_norm.weight'));
  // Tied embeddings: llama.cpp reuses token_embd when there is no output tensor.
  if (!cfg.tie_word_embeddings) tensors.push(take('lm_head.weight', 'output.weight'));
  return tensors;
}

/**
 * Hugging Face rotates the halves of each head (rotate_half: dims i and i + d/2 pair up);
 * llama.cpp's Llama rope rotates adjacent pairs (2i, 2i + 1). Reorder each head's output rows
 * so new row 2i + j is old row j * d/2 + i, as convert_hf_to_gguf.py's LlamaModel.permute does.
 */
export function permuteRotary(w: Float32Array, dims: number[], heads: number): Float32Array {
  const [rows, cols] = dims as [number, number];
  const headDim = rows / heads;
  const half = headDim / 2;
  if (!Number.isInteger(half))
    throw new Error(`rows ${rows} do not split into ${heads} even heads`);
  const out = new Float32Array(w.length);
  for (let h = 0; h < heads; h++)
    for (let i = 0; i < half; i++)
      for (let j = 0; j < 2; j++) {
        const from = (h * headDim + j * half + i) * cols;
        out.set(w.subarray(from, from + cols), (h * headDim + 2 * i + j) * cols);
      }
  return out;
}

/** The files of a model folder on disk that the export reads. */
export function readModelFolder(folder: string): Map<string, Uint8Array> {
  return new Map(GGUF_SOURCE_FILES.map((path) => [path, readFileSync(join(folder, path))]));
}

const invokedDirectly =
  process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const [out, folder] = process.argv.slice(2);
  if (!out) {
    console.error('usage: npm run models:gguf -- <out.gguf> [modelFolder]');
    process.exit(2);
  }
  const files = folder ? readModelFolder(folder) : (await import('./build.ts')).tinyLlamaFiles();
  mkdirSync(dirname(out), { recursive: true });
  const bytes = llamaGguf(files);
  writeFileSync(out, bytes);
  console.log(`wrote ${out} (${bytes.length} bytes)`);
}
