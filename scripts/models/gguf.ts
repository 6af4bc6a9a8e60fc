// A small GGUF v3 writer (the file format of llama.cpp, ggml/docs/gguf.md): a header, typed
// metadata key/values, tensor infos, then the tensor data, each piece aligned. Pure: returns bytes.
// Everything is little-endian; strings are a uint64 byte length followed by UTF-8 without a NUL.

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
export const GGUF_VERSION = 3;
export const GGUF_ALIGNMENT = 32;

/** Metadata value types, numbered as in gguf.h (GGUF_TYPE_*). */
export const VALUE_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

/** Tensor element types, numbered as in ggml.h (GGML_TYPE_*). */
export const TENSOR_TYPE = { f32: 0, f16: 1 } as const;

export type NumberType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32';

export type GgufValue =
  | { type: NumberType | 'float64'; value: number }
  | { type: 'uint64'; value: bigint }
  | { type: 'int64'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: NumberType | 'float64'; value: readonly number[] }
  | { type: 'array'; itemType: 'string'; value: readonly string[] };

export interface GgufTensor {
  name: string;
  /** Row-major shape, outermost first (PyTorch / numpy order); written reversed as ggml's ne[]. */
  shape: readonly number[];
  type: keyof typeof TENSOR_TYPE;
  data: Float32Array;
}

/** The whole file. `general.alignment` is written first; the metadata follows in the given order. */
export function encodeGguf(
  metadata: ReadonlyArray<readonly [string, GgufValue]>,
  tensors: readonly GgufTensor[],
  alignment = GGUF_ALIGNMENT,
): Uint8Array {
  checkNames(
    metadata.map(([key]) => key),
    'metadata key',
  );
  checkNames(
    tensors.map((t) => t.name),
    'tensor name',
  );
  const kvs: Array<readonly [string, GgufValue]> = [
    ['general.alignment', { type: 'uint32', value: alignment }],
    ...metadata.filter(([key]) => key !== 'general.alignment'),
  ];
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(BigInt(tensors.length));
  w.u64(BigInt(kvs.length));
  for (const [key, value] of kvs) {
    w.string(key);
    writeValue(w, value);
  }
  const payloads = tensors.map(tensorBytes);
  let offset = 0; // relative to the start of the data section
  tensors.forEach((t, i) => {
    w.string(t.name);
    w.u32(t.shape.length);
    for (const dim of [...t.shape].reverse()) w.u64(BigInt(dim));
    w.u32(TENSOR_TYPE[t.type]);
    w.u64(BigInt(offset));
    offset = alignUp(offset + payloads[i]!.length, alignment);
  });
  w.pad(alignment);
  for (const bytes of payloads) {
    w.bytes(bytes);
    w.pad(alignment);
  }
  return w.finish();
}

function checkNames(names: string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`GGUF: duplicate ${what} "${name}"`);
    seen.add(name);
  }
}

function writeValue(w: ByteWriter, v: GgufValue): void {
  w.u32(VALUE_TYPE[v.type]);
  if (v.type === 'array') {
    w.u32(VALUE_TYPE[v.itemType]);
    w.u64(BigInt(v.value.length));
    if (v.itemType === 'string') for (const s of v.value as readonly string[]) w.string(s);
    else for (const n of v.value as readonly number[]) w.number(v.itemType, n);
  } else if (v.type === 'string') w.string(v.value);
  else if (v.type === 'bool') w.u8(v.value ? 1 : 0);
  else if (v.type === 'uint64') w.u64(v.value);
  else if (v.type === 'int64') w.i64(v.value);
  else w.number(v.type, v.value);
}

function tensorBytes(t: GgufTensor): Uint8Array {
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (count !== t.data.length)
    throw new Error(`GGUF: tensor ${t.name} has ${t.data.length} values, shape needs ${count}`);
  const size = t.type === 'f32' ? 4 : 2;
  const out = new Uint8Array(count * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    if (t.type === 'f32') view.setFloat32(i * 4, t.data[i]!, true);
    else view.setUint16(i * 2, float16Bits(t.data[i]!), true);
  }
  return out;
}

/** IEEE half-precision bits of a float32, rounded to nearest even (as numpy's astype(float16)). */
export function float16Bits(value: number): number {
  const f32 = new DataView(new ArrayBuffer(4));
  f32.setFloat32(0, value);
  const x = f32.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf, NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to inf
  if (e <= 0) {
    if (e < -10) return sign; // underflows to zero
    const m = mant | 0x800000; // subnormal: shift the implicit 1 in
    const shift = 14 - e;
    return sign | roundShift(m, shift);
  }
  return sign | ((e << 10) + roundShift(mant, 13)); // a mantissa carry bumps the exponent
}

/** m >> shift, rounded to nearest, ties to even. */
function roundShift(m: number, shift: number): number {
  const kept = m >>> shift;
  const rest = m & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** An append-only little-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  private length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  u8(n: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, n);
  }
  u32(n: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, n, true);
  }
  u64(n: bigint): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, n, true);
  }
  i64(n: bigint): void {
    const at = this.reserve(8);
    this.view.setBigInt64(at, n, true);
  }
  number(type: NumberType | 'float64', n: number): void {
    const size = { uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4 };
    const at = this.reserve(type === 'float64' ? 8 : size[type]);
    if (type === 'float64') return this.view.setFloat64(at, n, true);
    const setters = {
      uint8: () => this.view.setUint8(at, n),
      int8: () => this.view.setInt8(at, n),
      uint16: () => this.view.setUint16(at, n, true),
      int16: () => this.view.setInt16(at, n, true),
      uint32: () => this.view.setUint32(at, n, true),
      int32: () => this.view.setInt32(at, n, true),
      float32: () => this.view.setFloat32(at, n, true),
    };
    setters[type]();
  }
  string(s: string): void {
    const bytes = new TextEncoder().encode(s);
    this.u64(BigInt(bytes.length));
    this.bytes(bytes);
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length); // first: reserve may replace this.buf
    this.buf.set(b, at);
  }
  pad(alignment: number): void {
    this.reserve(alignUp(this.length, alignment) - this.length);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
