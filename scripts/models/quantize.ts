// Dynamic quantization of a linear layer as onnxruntime's quantize_dynamic writes it (the form of
// published model_int8.onnx / model_uint8.onnx encoders): the weight stored per-tensor in 8 bits,
// the activation quantized at run time by DynamicQuantizeLinear, an integer MatMul, and a rescale
// to float. onnxruntime fuses the pattern into DynamicQuantizeMatMul / MatMulIntegerToFloat.
import { FLOAT, INT8, UINT8, type GraphBuilder } from './onnx-graph.ts';

/** Per-tensor quantized values of w: int8 symmetric (zero point 0), or uint8 with a zero point. */
export function quantizeTensor(
  w: Float32Array,
  type: 'int8' | 'uint8',
): { values: Int8Array | Uint8Array; scale: number; zeroPoint: number } {
  let lo = 0;
  let hi = 0;
  for (const v of w) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (type === 'int8') {
    const scale = Math.max(-lo, hi) / 127 || 1;
    const values = Int8Array.from(w, (v) => Math.max(-127, Math.min(127, Math.round(v / scale))));
    return { values, scale: Math.fround(scale), zeroPoint: 0 };
  }
  const scale = (hi - lo) / 255 || 1;
  const zeroPoint = Math.round(-lo / scale);
  const values = Uint8Array.from(w, (v) =>
    Math.max(0, Math.min(255, Math.round(v / scale) + zeroPoint)),
  );
  return { values, scale: Math.fround(scale), zeroPoint };
}

/** x W^T with W [out, in] stored quantized as W^T [in, out]: integer product, then rescale. */
export function quantizedMatMul(
  g: GraphBuilder,
  x: string,
  prefix: string,
  weight: Float32Array,
  [outFeatures, inFeatures]: [number, number],
  type: 'int8' | 'uint8',
): string {
  const transposed = new Float32Array(weight.length);
  for (let o = 0; o < outFeatures; o++) {
    for (let i = 0; i < inFeatures; i++) {
      transposed[i * outFeatures + o] = weight[o * inFeatures + i] ?? 0;
    }
  }
  const q = quantizeTensor(transposed, type);
  const dtype = type === 'int8' ? INT8 : UINT8;
  const zero = type === 'int8' ? Int8Array.of(q.zeroPoint) : Uint8Array.of(q.zeroPoint);
  const wq = g.bytes(`${prefix}.weight_quantized`, dtype, q.values, [inFeatures, outFeatures]);
  const wZero = g.bytes(`${prefix}.weight_zero_point`, dtype, zero, []);
  const wScale = g.floats(`${prefix}.weight_scale`, Float32Array.of(q.scale), []);
  const [xq = '', xScale = '', xZero = ''] = g.ops('DynamicQuantizeLinear', [x], 3);
  const integer = g.op('MatMulInteger', [xq, wq, xZero, wZero]);
  const scale = g.op('Mul', [xScale, wScale]);
  return g.op('Mul', [g.op('Cast', [integer], { to: FLOAT }), scale]);
}
