// float16 tensors as onnxruntime-web hands them over: a Float16Array where the JavaScript engine
// has one (recent Chromium), else a Uint16Array of the raw IEEE 754 half-precision bits (Node 20).
// Both are read as bits here and widened on the CPU.

/** The 16-bit patterns of float16 data, whichever array type holds them (no copy). */
export function halfBits(data: ArrayBufferView): Uint16Array {
  return data instanceof Uint16Array
    ? data
    : new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
}

/** One half's bits as a number: sign, 5-bit exponent (bias 15), 10-bit fraction. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

let table: Float32Array | null = null;

/** float16 data widened to float32 (exact: every half is a float32), by a 65536-entry table. */
export function halfToFloat32(data: ArrayBufferView): Float32Array {
  table ??= Float32Array.from({ length: 65536 }, (_, h) => halfToNumber(h));
  const bits = halfBits(data);
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
  return out;
}
