// The GGUF writer checked by a reader written here from the spec (ggml/docs/gguf.md), and the
// tiny Llama's export checked against its Hugging Face files and the committed model.onnx.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tinyLlamaFiles } from '../../../scripts/models/build';
import { encodeGguf, float16Bits, type GgufValue } from '../../../scripts/models/gguf';
import {
  GGUF_SOURCE_FILES,
  initializers,
  llamaGguf,
  permuteRotary,
  readModelFolder,
} from '../../../scripts/models/gguf-llama';

type Value = number | bigint | boolean | string | Value[];

interface TensorInfo {
  name: string;
  ne: number[];
  type: number;
  offset: number;
}

interface Parsed {
  version: number;
  kv: Map<string, { type: number; value: Value }>;
  tensors: TensorInfo[];
  dataStart: number;
}

/** A GGUF reader from the spec, independent of the writer. */
function readGguf(bytes: Uint8Array): Parsed {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = () => ((at += 4), view.getUint32(at - 4, true));
  const u64 = () => ((at += 8), Number(view.getBigUint64(at - 8, true)));
  const str = () => {
    const n = u64();
    at += n;
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at - n, at));
  };
  const scalar = (type: number): Value => {
    const read: Record<number, () => Value> = {
      0: () => ((at += 1), view.getUint8(at - 1)),
      1: () => ((at += 1), view.getInt8(at - 1)),
      2: () => ((at += 2), view.getUint16(at - 2, true)),
      3: () => ((at += 2), view.getInt16(at - 2, true)),
      4: u32,
      5: () => ((at += 4), view.getInt32(at - 4, true)),
      6: () => ((at += 4), view.getFloat32(at - 4, true)),
      7: () => ((at += 1), view.getUint8(at - 1) === 1),
      8: str,
      10: () => ((at += 8), view.getBigUint64(at - 8, true)),
      11: () => ((at += 8), view.getBigInt64(at - 8, true)),
      12: () => ((at += 8), view.getFloat64(at - 8, true)),
      9: () => {
        const itemType = u32();
        return Array.from({ length: u64() }, () => scalar(itemType));
      },
    };
    return read[type]!();
  };
  expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('GGUF');
  at = 4;
  const version = u32();
  const [nTensors, nKv] = [u64(), u64()];
  const kv = new Map<string, { type: number; value: Value }>();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const type = u32();
    kv.set(key, { type, value: scalar(type) });
  }
  const tensors = Array.from({ length: nTensors }, () => {
    const name = str();
    const ne = Array.from({ length: u32() }, u64);
    return { name, ne, type: u32(), offset: u64() };
  });
  const alignment = Number(kv.get('general.alignment')?.value ?? 32);
  return { version, kv, tensors, dataStart: Math.ceil(at / alignment) * alignment };
}

function tensorFloats(bytes: Uint8Array, parsed: Parsed, name: string): Float32Array {
  const t = parsed.tensors.find((x) => x.name === name)!;
  const count = t.ne.reduce((a, b) => a * b, 1);
  const start = bytes.byteOffset + parsed.dataStart + t.offset;
  return new Float32Array(bytes.buffer.slice(start, start + count * 4));
}

describe('encodeGguf', () => {
  const metadata: Array<[string, GgufValue]> = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['a.u8', { type: 'uint8', value: 250 }],
    ['a.i16', { type: 'int16', value: -300 }],
    ['a.u32', { type: 'uint32', value: 4_000_000_000 }],
    ['a.i32', { type: 'int32', value: -5 }],
    ['a.f32', { type: 'float32', value: 1e-5 }],
    ['a.f64', { type: 'float64', value: Math.PI }],
    ['a.bool', { type: 'bool', value: true }],
    ['a.u64', { type: 'uint64', value: 2n ** 40n }],
    ['a.i64', { type: 'int64', value: -(2n ** 40n) }],
    ['a.names', { type: 'array', itemType: 'string', value: ['Ġa', 'é', '<|im_end|>'] }],
    ['a.ints', { type: 'array', itemType: 'int32', value: [1, -3, 7] }],
  ];
  const matrix = new Float32Array([1, 2, 3, 4, 5, 6]); // shape [2, 3]: 2 rows of 3
  const vector = new Float32Array([0.5, -1.25, 3]);
  const bytes = encodeGguf(metadata, [
    { name: 'm.weight', shape: [2, 3], type: 'f32', data: matrix },
    { name: 'v.weight', shape: [3], type: 'f16', data: vector },
  ]);

  it('writes the v3 header, general.alignment first, then the metadata in order', () => {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getUint32(0, true)).toBe(0x46554747);
    expect(view.getUint32(4, true)).toBe(3);
    expect(view.getBigUint64(8, true)).toBe(2n); // tensors
    expect(view.getBigUint64(16, true)).toBe(BigInt(metadata.length + 1));
    const parsed = readGguf(bytes);
    expect([...parsed.kv.keys()]).toEqual(['general.alignment', ...metadata.map(([k]) => k)]);
    expect(parsed.kv.get('general.alignment')).toEqual({ type: 4, value: 32 });
  });

  it('writes every value type as the spec numbers it', () => {
    const kv = readGguf(bytes).kv;
    expect(kv.get('general.architecture')).toEqual({ type: 8, value: 'llama' });
    expect(kv.get('a.u8')).toEqual({ type: 0, value: 250 });
    expect(kv.get('a.i16')).toEqual({ type: 3, value: -300 });
    expect(kv.get('a.u32')).toEqual({ type: 4, value: 4_000_000_000 });
    expect(kv.get('a.i32')).toEqual({ type: 5, value: -5 });
    expect(kv.get('a.f32')).toEqual({ type: 6, value: Math.fround(1e-5) });
    expect(kv.get('a.f64')).toEqual({ type: 12, value: Math.PI });
    expect(kv.get('a.bool')).toEqual({ type: 7, value: true });
    expect(kv.get('a.u64')).toEqual({ type: 10, value: 2n ** 40n });
    expect(kv.get('a.i64')).toEqual({ type: 11, value: -(2n ** 40n) });
    expect(kv.get('a.names')).toEqual({ type: 9, value: ['Ġa', 'é', '<|im_end|>'] });
    expect(kv.get('a.ints')).toEqual({ type: 9, value: [1, -3, 7] });
  });

  it('reverses shapes into ggml ne[], aligns each tensor to 32 bytes and stores its values', () => {
    const parsed = readGguf(bytes);
    expect(parsed.tensors).toEqual([
      { name: 'm.weight', ne: [3, 2], type: 0, offset: 0 },
      { name: 'v.weight', ne: [3], type: 1, offset: 32 }, // 24 bytes of f32, padded to 32
    ]);
    expect(parsed.dataStart % 32).toBe(0);
    expect(tensorFloats(bytes, parsed, 'm.weight')).toEqual(matrix);
    const half = new DataView(bytes.buffer, bytes.byteOffset + parsed.dataStart + 32);
    expect([0, 2, 4].map((o) => half.getUint16(o, true))).toEqual([0x3800, 0xbd00, 0x4200]);
    expect(bytes.length).toBe(parsed.dataStart + 64); // the last tensor padded too
  });

  it('refuses duplicate names and data that does not fill the shape', () => {
    const t = { name: 'x', shape: [2], type: 'f32' as const, data: new Float32Array(2) };
    expect(() => encodeGguf([], [t, t])).toThrow(/duplicate tensor name "x"/);
    expect(() => encodeGguf([], [{ ...t, shape: [3] }])).toThrow(/has 2 values, shape needs 3/);
  });
});

describe('float16Bits', () => {
  it('rounds to nearest even, with subnormals, overflow to inf and NaN', () => {
    const cases: Array<[number, number]> = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff],
      [65520, 0x7c00], // rounds up past the largest half
      [1 + 2 ** -11, 0x3c00], // a tie goes to the even mantissa
      [1 + 3 * 2 ** -11, 0x3c02],
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -26, 0x0000],
      [-0, 0x8000],
      [Infinity, 0x7c00],
    ];
    for (const [value, bits] of cases) expect(float16Bits(value), String(value)).toBe(bits);
    expect(float16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(float16Bits(NaN) & 0x3ff).not.toBe(0);
  });
});

/** Hugging Face's rotary embedding: dims i and i + d/2 form a pair (rotate_half). */
function ropeHalves(x: number[], pos: number, base: number): number[] {
  const half = x.length / 2;
  const out = [...x];
  for (let i = 0; i < half; i++) {
    const angle = pos * base ** ((-2 * i) / x.length);
    out[i] = x[i]! * Math.cos(angle) - x[i + half]! * Math.sin(angle);
    out[i + half] = x[i + half]! * Math.cos(angle) + x[i]! * Math.sin(angle);
  }
  return out;
}

/** llama.cpp's Llama rope (LLAMA_ROPE_TYPE_NORM): dims 2i and 2i + 1 form a pair. */
function ropeAdjacent(x: number[], pos: number, base: number): number[] {
  const out = [...x];
  for (let i = 0; i < x.length / 2; i++) {
    const angle = pos * base ** ((-2 * i) / x.length);
    out[2 * i] = x[2 * i]! * Math.cos(angle) - x[2 * i + 1]! * Math.sin(angle);
    out[2 * i + 1] = x[2 * i]! * Math.sin(angle) + x[2 * i + 1]! * Math.cos(angle);
  }
  return out;
}

describe('permuteRotary', () => {
  it('moves row j * d/2 + i of each head to row 2i + j', () => {
    const rows = Float32Array.from({ length: 8 }, (_, i) => i); // 2 heads of 4 rows, 1 column
    expect([...permuteRotary(rows, [8, 1], 2)]).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
  });

  it("turns Hugging Face's rotary into llama.cpp's: rope(P x) = P rope_half(x)", () => {
    const headDim = 8;
    const x = Array.from({ length: 2 * headDim }, (_, i) => Math.sin(i * 1.7) + 0.1 * i);
    const permute = (v: number[]) => [...permuteRotary(Float32Array.from(v), [v.length, 1], 2)];
    const perHead = (v: number[], f: (h: number[]) => number[]) =>
      [0, 1].flatMap((h) => f(v.slice(h * headDim, (h + 1) * headDim)));
    for (const pos of [0, 1, 37, 1500]) {
      const hf = permute(perHead(x, (h) => ropeHalves(h, pos, 10000)));
      const cpp = perHead(permute(x), (h) => ropeAdjacent(h, pos, 10000));
      cpp.forEach((v, i) => expect(v).toBeCloseTo(hf[i]!, 5));
    }
  });
});

describe('llamaGguf on the tiny Llama', () => {
  const files = tinyLlamaFiles();
  const bytes = llamaGguf(files);
  const parsed = readGguf(bytes);
  const value = (key: string) => parsed.kv.get(key)?.value;
  const config = JSON.parse(readFileSync('models/tiny-llama/config.json', 'utf8')) as Record<
    string,
    number
  >;

  it("reads the generator's files, which are the committed model's bytes", () => {
    const committed = readModelFolder('models/tiny-llama');
    for (const path of GGUF_SOURCE_FILES)
      expect(Buffer.from(files.get(path)!).equals(Buffer.from(committed.get(path)!)), path).toBe(
        true,
      );
    expect(llamaGguf(committed)).toEqual(bytes); // and the export is deterministic
  });

  it("writes llama.cpp's Llama hyperparameters from config.json", () => {
    expect(value('general.architecture')).toBe('llama');
    expect(value('llama.context_length')).toBe(config.max_position_embeddings);
    expect(value('llama.embedding_length')).toBe(config.hidden_size);
    expect(value('llama.block_count')).toBe(config.num_hidden_layers);
    expect(value('llama.feed_forward_length')).toBe(config.intermediate_size);
    expect(value('llama.attention.head_count')).toBe(config.num_attention_heads);
    expect(value('llama.attention.head_count_kv')).toBe(config.num_key_value_heads);
    expect(value('llama.attention.key_length')).toBe(config.head_dim);
    expect(value('llama.rope.dimension_count')).toBe(config.head_dim);
    expect(value('llama.rope.freq_base')).toBe(config.rope_theta);
    expect(value('llama.attention.layer_norm_rms_epsilon')).toBe(Math.fround(config.rms_norm_eps!));
    expect(value('llama.vocab_size')).toBe(512);
  });

  it('writes the byte-level BPE tokenizer: tokens by id, control specials, merges, ids, template', () => {
    const tok = JSON.parse(new TextDecoder().decode(files.get('tokenizer.json'))) as {
      model: { vocab: Record<string, number>; merges: [string, string][] };
    };
    const tokConfig = JSON.parse(new TextDecoder().decode(files.get('tokenizer_config.json'))) as {
      chat_template: string;
    };
    const tokens = value('tokenizer.ggml.tokens') as string[];
    expect(tokens).toHaveLength(512);
    for (const [token, id] of Object.entries(tok.model.vocab)) expect(tokens[id]).toBe(token);
    const types = value('tokenizer.ggml.token_type') as number[];
    expect(types.slice(0, 4)).toEqual([3, 3, 3, 1]);
    expect(types.filter((t) => t !== 1)).toHaveLength(3);
    expect(value('tokenizer.ggml.merges')).toEqual(tok.model.merges.map((m) => m.join(' ')));
    expect(value('tokenizer.ggml.model')).toBe('gpt2');
    expect(value('tokenizer.ggml.pre')).toBe('gpt-2');
    expect(value('tokenizer.ggml.bos_token_id')).toBe(1);
    expect(value('tokenizer.ggml.eos_token_id')).toBe(2);
    expect(value('tokenizer.ggml.padding_token_id')).toBe(0);
    expect(value('tokenizer.ggml.add_bos_token')).toBe(false);
    expect(value('tokenizer.chat_template')).toBe(tokConfig.chat_template);
  });

  it("names the tensors as llama.cpp's Llama does, with q/k permuted for its rotary", () => {
    const layer = (i: number) =>
      ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm']
        .concat(['ffn_gate', 'ffn_up', 'ffn_down'])
        .map((n) => `blk.${i}.${n}.weight`);
    expect(parsed.tensors.map((t) => t.name)).toEqual([
      'token_embd.weight',
      ...layer(0),
      ...layer(1),
      'output_norm.weight',
      'output.weight',
    ]);
    const find = (name: string) => parsed.tensors.find((t) => t.name === name)!;
    expect(find('token_embd.weight').ne).toEqual([64, 512]);
    expect(find('blk.0.attn_k.weight').ne).toEqual([64, 32]); // 2 kv heads x 16
    expect(find('blk.1.ffn_down.weight').ne).toEqual([128, 64]);
    expect(parsed.tensors.every((t) => t.type === 0 && t.offset % 32 === 0)).toBe(true);

    const onnx = initializers(files.get('onnx/model.onnx')!);
    const same = (gguf: string, hf: string) =>
      expect(tensorFloats(bytes, parsed, gguf)).toEqual(onnx.get(hf)!.data);
    same('token_embd.weight', 'model.embed_tokens.weight');
    same('blk.1.attn_v.weight', 'model.layers.1.self_attn.v_proj.weight');
    same('output.weight', 'lm_head.weight');
    const q = onnx.get('model.layers.0.self_attn.q_proj.weight')!;
    expect(tensorFloats(bytes, parsed, 'blk.0.attn_q.weight')).toEqual(
      permuteRotary(q.data, q.dims, 4),
    );
    const k = onnx.get('model.layers.1.self_attn.k_proj.weight')!;
    expect(tensorFloats(bytes, parsed, 'blk.1.attn_k.weight')).toEqual(
      permuteRotary(k.data, k.dims, 2), // by the kv heads, as convert_hf_to_gguf.py
    );
  });

  it('stays small enough to write in every test run (not committed)', () => {
    expect(bytes.length).toBeLessThan(700_000);
  });
});
